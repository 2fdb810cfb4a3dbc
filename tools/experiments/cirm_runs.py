"""What the experiment programs share: where the repository and the `cirm` binary are, running a
`cirm` command into a file, and the summary numbers of a `cirm eval --json` document."""

import argparse
import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED_MODEL = os.path.join(REPO_ROOT, "models", "cirm-tiny-rm")
VALIDATION_SET = os.path.join(REPO_ROOT, "data", "validation.jsonl")
CANDIDATES_SET = os.path.join(REPO_ROOT, "data", "candidates.jsonl")

# The five bias attributes of the bundled data, in the order of the tables.
ATTRIBUTES = ["length", "paragraphs", "overlap", "exclamation", "bold"]


def add_common_arguments(parser: argparse.ArgumentParser, data_default: str, data_help: str) -> None:
    """Adds --cirm (default: $CIRM, else build/bin/cirm), --model and --data to `parser`."""
    parser.add_argument("--cirm", default=os.environ.get("CIRM", os.path.join(REPO_ROOT, "build", "bin", "cirm")),
                        help="the cirm binary (default: $CIRM, else build/bin/cirm of this repository)")
    parser.add_argument("--model", default=BUNDLED_MODEL, help="reward model folder (default: the bundled model)")
    parser.add_argument("--data", default=data_default, help=data_help)


def check_cirm(program: str, cirm: str) -> None:
    """Exits with status 1 and a message naming `program` when `cirm` is not an executable file."""
    if not (os.path.isfile(cirm) and os.access(cirm, os.X_OK)):
        sys.exit(f"{program}: no cirm binary at {cirm} (build it, or set CIRM or --cirm)")


def run_cirm(program: str, command: list[str], stdout_path: str | None = None) -> None:
    """Runs a cirm command. With `stdout_path`, its standard output goes to that file, written
    under a .part name and renamed once the command succeeded, so that a file there is a finished
    one. A failing command ends the program with the command's exit status."""
    if stdout_path is None:
        result = subprocess.run(command)
    else:
        part = stdout_path + ".part"
        with open(part, "wb") as out:
            result = subprocess.run(command, stdout=out)
    if result.returncode != 0:
        print(f"{program}: failed (exit {result.returncode}): {' '.join(command)}", file=sys.stderr)
        sys.exit(result.returncode if result.returncode > 0 else 1)
    if stdout_path is not None:
        os.replace(stdout_path + ".part", stdout_path)


def load_json(path: str):
    """The JSON document in the file at `path`."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def mean_unbiased(method: dict) -> float:
    """B̄: the accuracy on the unbiased subset, averaged over the five attributes."""
    return sum(method["subsets"][a]["unbiased"] for a in ATTRIBUTES) / len(ATTRIBUTES)


def worst_biased_change(method: dict, base: dict) -> float:
    """The worst (lowest) change of the accuracy on the biased subset, over the five attributes."""
    return min(method["subsets"][a]["biased"] - base["subsets"][a]["biased"] for a in ATTRIBUTES)


def mean_flip(method: dict) -> float:
    """The style flip rate, averaged over the five attributes."""
    return sum(method["flip_rate"][a] for a in ATTRIBUTES) / len(ATTRIBUTES)


def edited_label(evaluation: dict, share: bool) -> str:
    """What a spec edits: "N directions" for a direction spec, else the edited neurons (with
    `share`, followed by their share of all neurons)."""
    directions = evaluation["spec"].get("directions", 0)
    if directions:
        return f"{directions} direction{'' if directions == 1 else 's'}"
    edited = evaluation["spec"]["edited"]
    if not share:
        return str(edited)
    return f"{edited} ({100 * edited / evaluation['spec']['total_neurons']:.1f} %)"
