#!/usr/bin/python3
"""The downstream proxy of alignment: `cirm annotate` picks the best of the 4 candidate responses
of each of the 500 prompts of data/candidates.jsonl (new prompts, one correct candidate each, every
candidate in its own random style) under the base reward model, the length baselines (LP, LWR) and
each spec given; the table shows the share of prompts whose pick is the correct candidate and the
mean style attributes of the picks, beside those of the correct and of all candidates (does the
choice drift towards longer, more formatted answers?).

Writes OUT_DIR/<row>.json (the --report of each run), OUT_DIR/<row>.jsonl (its DPO pairs) and
OUT_DIR/downstream.md. See docs/method.md, section 8."""

import argparse
import os
import sys

import cirm_runs

PROGRAM = "downstream"


def named_specs(arguments: list[str]) -> list[tuple[str, str]]:
    """The NAME=SPEC arguments as (name, spec path); exits with status 2 on a malformed one or a
    spec that does not exist."""
    specs = []
    for argument in arguments:
        name, separator, spec = argument.partition("=")
        if not name or not separator or not os.path.isfile(spec):
            print(f"{PROGRAM}: expected NAME=SPEC with an existing spec, got '{argument}'", file=sys.stderr)
            sys.exit(2)
        specs.append((name, spec))
    return specs


def annotate(args: argparse.Namespace, name: str, options: list[str]) -> None:
    """One `cirm annotate` run over the candidates, its report and pairs named after the row."""
    cirm_runs.run_cirm(PROGRAM, [args.cirm, "annotate", "-q", "--model", args.model, "--data", args.data, *options,
                                 "--report", os.path.join(args.out, name + ".json"),
                                 "--out", os.path.join(args.out, name + ".jsonl")])


def main() -> None:
    parser = argparse.ArgumentParser(prog="downstream.py", description=__doc__.split("\n\n")[0],
                                     epilog="example: downstream.py downstream-out method=ablate-out/method/spec.json")
    parser.add_argument("out", metavar="OUT_DIR", help="output folder")
    parser.add_argument("specs", nargs="*", metavar="NAME=SPEC", help="a row picked under this spec")
    cirm_runs.add_common_arguments(parser, cirm_runs.CANDIDATES_SET,
                                   "prompts with candidate responses, JSONL (default: data/candidates.jsonl)")
    args = parser.parse_args()
    cirm_runs.check_cirm(PROGRAM, args.cirm)
    specs = named_specs(args.specs)
    os.makedirs(args.out, exist_ok=True)
    rows = ["base", "lp", "lwr"]
    annotate(args, "base", [])
    annotate(args, "lp", ["--baseline", "lp"])
    annotate(args, "lwr", ["--baseline", "lwr"])
    for name, spec in specs:
        annotate(args, name, ["--spec", spec])
        rows.append(name)

    attributes = cirm_runs.ATTRIBUTES
    lines = ["| picked by | correct picks | " + " | ".join(attributes) + " |", "|---" * (len(attributes) + 2) + "|"]
    for row in rows:
        report = cirm_runs.load_json(os.path.join(args.out, row + ".json"))
        lines.append(f"| {row} | {100 * report['correct_share']:.1f} % ({report['correct_picked']} of "
                     f"{report['prompts']}) | " + " | ".join(f"{report['picked'][a]:.2f}" for a in attributes) + " |")
    report = cirm_runs.load_json(os.path.join(args.out, rows[0] + ".json"))
    lines.append("| (the correct candidates) | – | " + " | ".join(f"{report['correct'][a]:.2f}" for a in attributes) + " |")
    lines.append("| (all candidates) | 25 % by chance | " +
                 " | ".join(f"{report['candidates'][a]:.2f}" for a in attributes) + " |")
    with open(os.path.join(args.out, "downstream.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
