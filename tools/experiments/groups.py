#!/usr/bin/python3
"""The effect of each layer x module kind group of a spec alone ("where the bias lives"), on the
VALIDATION set: for every site the spec edits, a spec holding that site's edits only (the same
neurons and values) is evaluated with `cirm eval` (no baselines, flip rates over all pairs), beside
the whole spec. The table shows, per group, the edited neurons, the change in mean B̄ over the five
attributes, the worst change in B, the change in neutral accuracy and the flip ratio (mean flip
rate over base's). A spec that pins directions is split the same way, by site.

Writes OUT_DIR/<site>.json (the one-site spec), OUT_DIR/<site>.eval.json, OUT_DIR/whole.eval.json,
OUT_DIR/sites.txt and OUT_DIR/groups.md. Evaluations finished by an earlier run are kept. See
docs/method.md, section 8."""

import argparse
import json
import os
import sys

import cirm_runs

PROGRAM = "groups"


def split_by_site(spec_path: str, out: str) -> list[str]:
    """Writes one spec per edited site into `out` and returns the site names, in the spec's order."""
    spec = cirm_runs.load_json(spec_path)
    names = []
    for site in spec["sites"]:
        one_site = dict(spec)
        one_site["sites"] = [site]
        with open(os.path.join(out, site["name"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(one_site, f)
        names.append(site["name"])
    with open(os.path.join(out, "sites.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(names) + "\n")
    return names


def evaluate(args: argparse.Namespace, spec_path: str, evaluation_path: str) -> None:
    """`cirm eval` of one spec on the validation set, unless an earlier run finished it."""
    if os.path.exists(evaluation_path) and os.path.getsize(evaluation_path) > 0:
        return
    cirm_runs.run_cirm(PROGRAM, [args.cirm, "eval", "-q", "--json", "--model", args.model, "--data", args.data,
                                 "--spec", spec_path, "--baselines", "none"], evaluation_path)


def table_row(label: str, evaluation_path: str) -> str:
    evaluation = cirm_runs.load_json(evaluation_path)
    base, cirm = evaluation["methods"]["base"], evaluation["methods"]["cirm"]
    return (f"| {label} | {cirm_runs.edited_label(evaluation, share=False)} | "
            f"{100 * (cirm_runs.mean_unbiased(cirm) - cirm_runs.mean_unbiased(base)):+.1f} | "
            f"{100 * cirm_runs.worst_biased_change(cirm, base):+.1f} | "
            f"{100 * (cirm['neutral'] - base['neutral']):+.1f} | "
            f"{cirm_runs.mean_flip(cirm) / cirm_runs.mean_flip(base):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(prog="groups.py", description=__doc__.split("\n\n")[0],
                                     epilog="example: groups.py cirm-demo-out/spec.json groups-out")
    parser.add_argument("spec", metavar="SPEC", help="the spec to split (.json)")
    parser.add_argument("out", metavar="OUT_DIR", help="output folder")
    cirm_runs.add_common_arguments(parser, cirm_runs.VALIDATION_SET,
                                   "validation set, preference JSONL (default: data/validation.jsonl)")
    args = parser.parse_args()
    cirm_runs.check_cirm(PROGRAM, args.cirm)
    if not os.path.isfile(args.spec):
        sys.exit(f"{PROGRAM}: no spec at {args.spec}")
    os.makedirs(args.out, exist_ok=True)
    sites = split_by_site(args.spec, args.out)
    evaluate(args, args.spec, os.path.join(args.out, "whole.eval.json"))
    for site in sites:
        evaluate(args, os.path.join(args.out, site + ".json"), os.path.join(args.out, site + ".eval.json"))
        print(f"{PROGRAM}: {site} done", file=sys.stderr)
    lines = ["| group | edited | Δ mean B̄ | worst ΔB | Δ neutral | flip ratio |", "|---|---|---|---|---|---|",
             table_row("whole spec", os.path.join(args.out, "whole.eval.json"))]
    for site in sites:
        parts = site.split(".")
        lines.append(table_row(f"layer {parts[2]} {parts[-1]}", os.path.join(args.out, site + ".eval.json")))
    with open(os.path.join(args.out, "groups.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
