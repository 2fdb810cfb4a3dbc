"""Runs one experiment program of tools/experiments on a tiny configuration (the bundled model, the
first pairs of the validation set, the first prompts of the candidates, a few search trials) and
checks what it writes, its --help and its argument errors.

Usage: run_tiny.py PROGRAM CIRM SOURCE_DIR WORK_DIR     (PROGRAM: ablate, groups or downstream)
Exits 0 when every check passes, 1 (naming the check) otherwise."""

import json
import os
import shutil
import subprocess
import sys

VALIDATION_PAIRS = 40
CANDIDATE_PROMPTS = 8


class CheckFailed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


def first_lines(source: str, count: int, destination: str) -> str:
    with open(source, encoding="utf-8") as f:
        lines = [next(f) for _ in range(count)]
    with open(destination, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return destination


def load(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Runner:
    def __init__(self, program: str, cirm: str, source: str, work: str):
        self.script = os.path.join(source, "tools", "experiments", program + ".py")
        self.cirm = cirm
        self.source = source
        self.work = work

    def run(self, *arguments: str, cirm: str | None = None) -> subprocess.CompletedProcess:
        """The program with these arguments and --cirm; its output is echoed for the test log."""
        command = [sys.executable, self.script, *arguments, "--cirm", cirm or self.cirm]
        print("$", " ".join(command), flush=True)
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.work)
        print(result.stdout, result.stderr, sep="", flush=True)
        return result

    def expect_usage(self, usage_word: str, *arguments: str) -> None:
        """--help succeeds and shows the usage; with these arguments and a missing cirm binary,
        the program stops with exit status 1."""
        result = self.run("--help")
        check(result.returncode == 0 and "usage:" in result.stdout and usage_word in result.stdout,
              "--help exits 0 and prints the usage")
        result = self.run(*arguments, cirm=os.path.join(self.work, "no-such-cirm"))
        check(result.returncode == 1 and "no cirm binary" in result.stderr, "a missing cirm binary is exit status 1")

    def validation_subset(self) -> str:
        return first_lines(os.path.join(self.source, "data", "validation.jsonl"), VALIDATION_PAIRS,
                           os.path.join(self.work, "validation.jsonl"))

    def two_site_spec(self) -> str:
        """A hand-made spec pinning 3 neurons of layer 0's o_proj and 1 of layer 1's up_proj."""
        spec = {"format": "cirm-spec", "version": 1, "sites": [
            {"name": "model.layers.0.self_attn.o_proj",
             "neurons": [{"index": 0, "value": 0.0}, {"index": 1, "value": 0.0}, {"index": 2, "value": 0.0}]},
            {"name": "model.layers.1.mlp.up_proj", "neurons": [{"index": 5, "value": 0.0}]}]}
        path = os.path.join(self.work, "two_sites.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        return path


def test_ablate(r: Runner) -> None:
    r.expect_usage("OUT_DIR", os.path.join(r.work, "unused-out"))
    result = r.run(os.path.join(r.work, "unknown-row"), "method", "no-such-row")
    check(result.returncode == 2 and "unknown row 'no-such-row'" in result.stderr, "an unknown row is exit status 2")
    check(not os.path.exists(os.path.join(r.work, "unknown-row", "method")), "no row runs when one is unknown")

    out = os.path.join(r.work, "ablate-out")
    rows = ["method", "directions-every-first-half"]
    result = r.run(out, *rows, "--data", r.validation_subset(), "--trials", "3")
    check(result.returncode == 0, "ablate runs two rows")
    ablations = load(os.path.join(out, "ablations.json"))
    check(ablations["format"] == "cirm-ablations" and ablations["set"] == "validation", "ablations.json: format, set")
    check([row["row"] for row in ablations["rows"]] == ["base", *rows], "ablations.json: the base, then the rows in order")
    keys = {"row", "trials", "edited", "directions", "accuracy", "neutral", "mean_unbiased", "worst_biased_change",
            "mean_flip", "flip_ratio"}
    check(all(set(row) == keys for row in ablations["rows"]), "ablations.json: every row has the report's fields")
    # the method row runs the 3 trials asked for; the -every- row's grid (--k-grid 1) has 2 configurations only
    check([row["trials"] for row in ablations["rows"][1:]] == [3, 2], "ablations.json: the trials of each row")
    check(ablations["rows"][0]["worst_biased_change"] is None and ablations["rows"][0]["flip_ratio"] == 1.0,
          "ablations.json: the base row")
    check(ablations["rows"][2]["directions"] > 0 and ablations["rows"][1]["directions"] == 0,
          "ablations.json: the directions row pins directions, the method row neurons")
    method_eval = load(os.path.join(out, "method", "val_eval.json"))
    check(ablations["total_neurons"] == method_eval["spec"]["total_neurons"] > 0, "ablations.json: total_neurons")
    check(method_eval["pairs"] == VALIDATION_PAIRS, "the rows are evaluated on the given validation set")
    table = open(os.path.join(out, "ablations.md"), encoding="utf-8").read().splitlines()
    check(len(table) == 2 + 1 + len(rows) and table[2].startswith("| base (nothing edited) |")
          and table[4].startswith("| directions-every-first-half | 2 | "), "ablations.md: the base and two rows")
    layers = load(os.path.join(r.source, "models", "cirm-tiny-rm", "config.json"))["num_hidden_layers"]
    where = open(os.path.join(out, "where.md"), encoding="utf-8").read()
    check("method: edited neurons" in where and "selector-shift" not in where
          and where.count("\n| 0 | ") == 1 and where.count(f"\n| {layers - 1} | ") == 1,
          "where.md: a table per layer for the method's spec (the shift selector's row did not run)")

    # `cirm report --ablations` reads the file.
    report = os.path.join(r.work, "report.html")
    result = subprocess.run([r.cirm, "report", "-q", "--eval", os.path.join(out, "method", "val_eval.json"),
                             "--ablations", os.path.join(out, "ablations.json"), "--out", report],
                            capture_output=True, text=True)
    print(result.stdout, result.stderr, sep="")
    check(result.returncode == 0 and "directions-every-first-half" in open(report, encoding="utf-8").read(),
          "cirm report --ablations reads ablations.json")

    # "table" rebuilds the tables from the finished rows without running any.
    before = open(os.path.join(out, "ablations.json"), encoding="utf-8").read()
    os.remove(os.path.join(out, "ablations.md"))
    os.remove(os.path.join(out, "ablations.json"))
    result = r.run(out, "table")
    check(result.returncode == 0 and open(os.path.join(out, "ablations.json"), encoding="utf-8").read() == before
          and os.path.exists(os.path.join(out, "ablations.md")), "table rebuilds the same tables")


def test_groups(r: Runner) -> None:
    r.expect_usage("SPEC", r.two_site_spec(), os.path.join(r.work, "unused-out"))
    result = r.run("only-one-argument")
    check(result.returncode == 2, "one argument instead of two is exit status 2")
    result = r.run(os.path.join(r.work, "no-such-spec.json"), os.path.join(r.work, "out"))
    check(result.returncode == 1 and "no spec at" in result.stderr, "a missing spec is exit status 1")

    out = os.path.join(r.work, "groups-out")
    spec = r.two_site_spec()
    validation = r.validation_subset()
    result = r.run(spec, out, "--data", validation)
    check(result.returncode == 0, "groups runs")
    for site, neurons in [("model.layers.0.self_attn.o_proj", 3), ("model.layers.1.mlp.up_proj", 1)]:
        one = load(os.path.join(out, site + ".json"))
        check(len(one["sites"]) == 1 and one["sites"][0]["name"] == site and len(one["sites"][0]["neurons"]) == neurons,
              f"the one-site spec of {site}")
        check(load(os.path.join(out, site + ".eval.json"))["spec"]["edited"] == neurons, f"the evaluation of {site}")
    check(load(os.path.join(out, "whole.eval.json"))["pairs"] == VALIDATION_PAIRS, "evaluated on the given set")
    table = open(os.path.join(out, "groups.md"), encoding="utf-8").read().splitlines()
    check(len(table) == 5 and table[2].startswith("| whole spec | 4 | ") and table[3].startswith("| layer 0 o_proj | 3 | ")
          and table[4].startswith("| layer 1 up_proj | 1 | "), "groups.md: the whole spec and each site")

    # A second run keeps the finished evaluations.
    evaluation = os.path.join(out, "whole.eval.json")
    stamp = os.stat(evaluation).st_mtime_ns
    result = r.run(spec, out, "--data", validation)
    check(result.returncode == 0 and os.stat(evaluation).st_mtime_ns == stamp, "a second run keeps the evaluations")


def test_downstream(r: Runner) -> None:
    r.expect_usage("NAME=SPEC", os.path.join(r.work, "unused-out"))
    spec = r.two_site_spec()
    result = r.run(os.path.join(r.work, "bad"), "=" + spec)
    check(result.returncode == 2 and "expected NAME=SPEC" in result.stderr, "a NAME=SPEC without a name is exit status 2")
    result = r.run(os.path.join(r.work, "bad"), "pinned=" + os.path.join(r.work, "no-such-spec.json"))
    check(result.returncode == 2 and not os.path.exists(os.path.join(r.work, "bad", "base.json")),
          "a missing spec is exit status 2, before anything runs")

    out = os.path.join(r.work, "downstream-out")
    candidates = first_lines(os.path.join(r.source, "data", "candidates.jsonl"), CANDIDATE_PROMPTS,
                             os.path.join(r.work, "candidates.jsonl"))
    result = r.run(out, "pinned=" + spec, "--data", candidates)
    check(result.returncode == 0, "downstream runs")
    for row in ["base", "lp", "lwr", "pinned"]:
        check(load(os.path.join(out, row + ".json"))["prompts"] == CANDIDATE_PROMPTS, f"the report of {row}")
        check(os.path.getsize(os.path.join(out, row + ".jsonl")) > 0, f"the pairs of {row}")
    table = open(os.path.join(out, "downstream.md"), encoding="utf-8").read().splitlines()
    check(len(table) == 2 + 4 + 2 and [line.split(" | ")[0] for line in table[2:6]] == ["| base", "| lp", "| lwr", "| pinned"]
          and f"of {CANDIDATE_PROMPTS})" in table[2] and table[7].startswith("| (all candidates) | 25 % by chance |"),
          "downstream.md: the four rows, the correct and all candidates")


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[1] not in ("ablate", "groups", "downstream"):
        print(__doc__, file=sys.stderr)
        return 2
    program, cirm, source, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    runner = Runner(program, cirm, source, work)
    try:
        {"ablate": test_ablate, "groups": test_groups, "downstream": test_downstream}[program](runner)
    except CheckFailed as failed:
        print(f"FAILED: {program}: {failed}", file=sys.stderr)
        return 1
    print(f"{program}: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
