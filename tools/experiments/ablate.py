#!/usr/bin/python3
"""Ablations of the method on the bundled model, on the VALIDATION set only (settings are chosen
there; the test set is evaluated once, by the chosen configuration, elsewhere). Each row is one
`cirm search` (TPE, same seed and trial count, default k grid) followed by `cirm eval` of its best
spec on the validation set, and differs from the method's configuration in one respect:
  positions  last (method) | all          replacement  median (method) | mean | zero
  sites      all (method) | attention | mlp | first-half | second-half
  selector   spearman (method) | shift (counterfactual shifts, beyond the method)
and three combinations of the single changes that did best: zero-first-half, shift-zero,
shift-zero-first-half; then rows searched on the robust objective instead of the accuracy
  objective  accuracy (method) | robust (the mean of the accuracy and the accuracy against the
             style-edited rejected responses; beyond the method)
alone and with the best earlier combinations; the robust1-* rows put all the weight on the
counterfactual accuracy (--robust-weight 1); *-wide rows search a grid up to 20 % of the neurons
per attribute and side (0,26,51,102,256,512,1024) instead of the default 5 %.
The directions-* rows pin directions instead of neurons (--intervention directions, beyond the
method): each attribute's covariance direction (or, in -shift rows, its counterfactual shift
direction) at every site of the row's sites, the attributes to pin chosen by trying all 32 subsets
(--sampler grid); -o-first-half rows use the attention outputs (o_proj) of the first half of the
layers only; -every- rows pin every attribute's direction (--k-grid 1: that configuration against
the base, no subset search).
The all-positions search cannot use the prefix cache: each trial is a full forward pass over the
validation responses, so that row runs fewer trials (--all-trials).

Writes OUT_DIR/<row>/{spec.json,trials.jsonl,search.json,val_eval.json}, OUT_DIR/ablations.md (the
table, rebuilt from every finished row), OUT_DIR/ablations.json (the same rows, for
`cirm report --ablations`) and OUT_DIR/where.md (edited neurons per layer x module kind of the
method's and the shift selector's specs). See docs/method.md, sections 6 and 7."""

import argparse
import json
import os
import sys
import time

import cirm_runs

PROGRAM = "ablate"


def row_arguments(o_first_half: str) -> dict[str, list[str]]:
    """The `cirm search` options of each row, in the order of the table."""
    directions = ["--intervention", "directions"]
    grid = ["--sampler", "grid"]
    wide = ["--k-grid", "0,26,51,102,256,512,1024"]
    return {
        "method": [],
        "positions-all": ["--positions", "all"],
        "replacement-mean": ["--replacement", "mean"],
        "replacement-zero": ["--replacement", "zero"],
        "sites-attention": ["--sites", "attention"],
        "sites-mlp": ["--sites", "mlp"],
        "sites-first-half": ["--sites", "first-half"],
        "sites-second-half": ["--sites", "second-half"],
        "selector-shift": ["--selector", "shift"],
        "zero-first-half": ["--replacement", "zero", "--sites", "first-half"],
        "shift-zero": ["--selector", "shift", "--replacement", "zero"],
        "shift-zero-first-half": ["--selector", "shift", "--replacement", "zero", "--sites", "first-half"],
        "robust": ["--objective", "robust"],
        "robust-shift": ["--objective", "robust", "--selector", "shift"],
        "robust-zero-first-half": ["--objective", "robust", "--replacement", "zero", "--sites", "first-half"],
        "robust-shift-zero": ["--objective", "robust", "--selector", "shift", "--replacement", "zero"],
        "robust-shift-zero-first-half": ["--objective", "robust", "--selector", "shift", "--replacement", "zero",
                                         "--sites", "first-half"],
        "robust1-shift-zero": ["--objective", "robust", "--robust-weight", "1", "--selector", "shift",
                               "--replacement", "zero"],
        "robust1-shift-zero-first-half": ["--objective", "robust", "--robust-weight", "1", "--selector", "shift",
                                          "--replacement", "zero", "--sites", "first-half"],
        "robust1-zero-first-half": ["--objective", "robust", "--robust-weight", "1", "--replacement", "zero",
                                    "--sites", "first-half"],
        "robust1-shift-zero-first-half-wide": ["--objective", "robust", "--robust-weight", "1", "--selector", "shift",
                                               "--replacement", "zero", "--sites", "first-half", *wide],
        "directions": [*directions, *grid],
        "directions-first-half": [*directions, *grid, "--sites", "first-half"],
        "directions-o-first-half": [*directions, *grid, "--sites", o_first_half],
        "directions-second-half": [*directions, *grid, "--sites", "second-half"],
        "directions-mean-first-half": [*directions, *grid, "--sites", "first-half", "--replacement", "mean"],
        "directions-zero-first-half": [*directions, *grid, "--sites", "first-half", "--replacement", "zero"],
        "directions-shift-first-half": [*directions, "--direction-kind", "shift", *grid, "--sites", "first-half"],
        "directions-robust-first-half": [*directions, *grid, "--sites", "first-half", "--objective", "robust"],
        "directions-every-first-half": [*directions, "--k-grid", "1", "--sites", "first-half"],
        "directions-every-o-first-half": [*directions, "--k-grid", "1", "--sites", o_first_half],
        "directions-every-zero-first-half": [*directions, "--k-grid", "1", "--sites", "first-half",
                                             "--replacement", "zero"],
        "directions-every-zero-o-first-half": [*directions, "--k-grid", "1", "--sites", o_first_half,
                                               "--replacement", "zero"],
    }


def first_half_attention_outputs(config: dict) -> str:
    """The attention outputs (o_proj) of the first half of the layers, by name, comma-separated."""
    return ",".join(f"model.layers.{layer}.self_attn.o_proj" for layer in range(config["num_hidden_layers"] // 2))


def environment_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        sys.exit(f"{PROGRAM}: {name}={value!r} is not an integer")


def parse_arguments(row_names: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ablate.py", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="rows: " + " ".join(row_names) + "\n\"table\" alone rebuilds the tables from the rows already finished.")
    parser.add_argument("out", nargs="?", default="ablate-out", metavar="OUT_DIR",
                        help="output folder (default: ablate-out)")
    parser.add_argument("rows", nargs="*", metavar="ROW", help="rows to run (default: all), or \"table\"")
    cirm_runs.add_common_arguments(parser, cirm_runs.VALIDATION_SET,
                                   "validation set, preference JSONL (default: data/validation.jsonl)")
    parser.add_argument("--trials", type=int, default=environment_int("TRIALS", 60),
                        help="search trials per row (default: $TRIALS, else 60)")
    parser.add_argument("--all-trials", type=int, default=environment_int("ALL_TRIALS", 20),
                        help="search trials of the positions-all row (default: $ALL_TRIALS, else 20)")
    parser.add_argument("--seed", type=int, default=environment_int("SEED", 0),
                        help="sampler seed (default: $SEED, else 0)")
    args = parser.parse_args()
    if args.rows == ["table"]:
        args.rows = []
    elif not args.rows:
        args.rows = list(row_names)
    for row in args.rows:
        if row not in row_names:
            print(f"{PROGRAM}: unknown row '{row}' (known: {' '.join(row_names)})", file=sys.stderr)
            sys.exit(2)
    return args


def run_row(args: argparse.Namespace, row: str, search_options: list[str]) -> None:
    """One search on the validation set with the row's options, then the evaluation of its spec."""
    trials = args.all_trials if row == "positions-all" else args.trials
    folder = os.path.join(args.out, row)
    os.makedirs(folder, exist_ok=True)
    start = time.monotonic()
    cirm_runs.run_cirm(PROGRAM, [args.cirm, "search", "-q", "--json", "--model", args.model, "--data", args.data,
                                 "--trials", str(trials), "--seed", str(args.seed), *search_options, "--out", folder],
                       os.path.join(folder, "search.json"))
    cirm_runs.run_cirm(PROGRAM, [args.cirm, "eval", "-q", "--json", "--model", args.model, "--data", args.data,
                                 "--spec", os.path.join(folder, "spec.json"), "--baselines", "none"],
                       os.path.join(folder, "val_eval.json"))
    print(f"{PROGRAM}: {row} done in {round(time.monotonic() - start)} s", file=sys.stderr)


def percent(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def write_tables(out: str, row_names: list[str]) -> None:
    """ablations.md and ablations.json from every finished row, in the order of the rows."""
    lines = ["| configuration | trials | edited | val acc | neutral | mean B̄ | worst ΔB | mean flip | flip ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    records = []
    total_neurons = 0
    for row in row_names:
        folder = os.path.join(out, row)
        evaluation_path = os.path.join(folder, "val_eval.json")
        if not os.path.exists(evaluation_path) or os.path.getsize(evaluation_path) == 0:
            continue
        search = cirm_runs.load_json(os.path.join(folder, "search.json"))
        evaluation = cirm_runs.load_json(evaluation_path)
        base, cirm = evaluation["methods"]["base"], evaluation["methods"]["cirm"]
        total_neurons = evaluation["spec"]["total_neurons"]
        if not records:
            lines.append(f"| base (nothing edited) | – | 0 | {percent(base['all'])} | {percent(base['neutral'])} | "
                         f"{percent(cirm_runs.mean_unbiased(base))} | – | {percent(cirm_runs.mean_flip(base))} | 1.00 |")
            records.append({"row": "base", "trials": 0, "edited": 0, "directions": 0, "accuracy": base["all"],
                            "neutral": base["neutral"], "mean_unbiased": cirm_runs.mean_unbiased(base),
                            "worst_biased_change": None, "mean_flip": cirm_runs.mean_flip(base), "flip_ratio": 1.0})
        worst = cirm_runs.worst_biased_change(cirm, base)
        flip_ratio = cirm_runs.mean_flip(cirm) / cirm_runs.mean_flip(base)
        lines.append(f"| {row} | {search['trials']} | {cirm_runs.edited_label(evaluation, share=True)} | "
                     f"{percent(cirm['all'])} | {percent(cirm['neutral'])} | {percent(cirm_runs.mean_unbiased(cirm))} | "
                     f"{100 * worst:+.1f} | {percent(cirm_runs.mean_flip(cirm))} | {flip_ratio:.2f} |")
        records.append({"row": row, "trials": search["trials"], "edited": evaluation["spec"]["edited"],
                        "directions": evaluation["spec"].get("directions", 0), "accuracy": cirm["all"],
                        "neutral": cirm["neutral"], "mean_unbiased": cirm_runs.mean_unbiased(cirm),
                        "worst_biased_change": worst, "mean_flip": cirm_runs.mean_flip(cirm), "flip_ratio": flip_ratio})
    with open(os.path.join(out, "ablations.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    # The input of `cirm report --ablations`: keep this format as it is.
    with open(os.path.join(out, "ablations.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "cirm-ablations", "set": "validation", "total_neurons": total_neurons, "rows": records},
                  f, indent=1)
    print("\n".join(lines))


def write_where(out: str, config: dict) -> None:
    """where.md: the edited neurons per layer x module kind of the method's and the shift
    selector's specs, each as a share of the site's neurons."""
    head = config["hidden_size"] // config["num_attention_heads"]
    width = {"q_proj": config["num_attention_heads"] * head, "k_proj": config["num_key_value_heads"] * head,
             "v_proj": config["num_key_value_heads"] * head, "o_proj": config["hidden_size"],
             "gate_proj": config["intermediate_size"], "up_proj": config["intermediate_size"],
             "down_proj": config["hidden_size"]}
    kinds = list(width)
    layers = config["num_hidden_layers"]
    lines = []
    for row in ["method", "selector-shift"]:
        path = os.path.join(out, row, "spec.json")
        if not os.path.exists(path):
            continue
        count = {}
        for site in cirm_runs.load_json(path)["sites"]:
            parts = site["name"].split(".")
            count[(int(parts[2]), parts[-1])] = len(site["neurons"])
        lines += [f"\n{row}: edited neurons per layer x module kind (share of the site's neurons)\n",
                  "| layer | " + " | ".join(kinds) + " | all |", "|---" * (len(kinds) + 2) + "|"]
        for layer in range(layers):
            cells = [f"{count.get((layer, k), 0)} ({100 * count.get((layer, k), 0) / width[k]:.0f} %)" for k in kinds]
            total = sum(count.get((layer, k), 0) for k in kinds)
            lines.append(f"| {layer} | " + " | ".join(cells) + f" | {total} ({100 * total / sum(width.values()):.0f} %) |")
        per_kind = [sum(count.get((layer, k), 0) for layer in range(layers)) for k in kinds]
        lines.append("| all | " + " | ".join(f"{n} ({100 * n / (width[k] * layers):.0f} %)"
                                             for n, k in zip(per_kind, kinds)) + f" | {sum(per_kind)} |")
    with open(os.path.join(out, "where.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    # The row names do not depend on the model: parse the arguments before reading it.
    row_names = list(row_arguments("").keys())
    args = parse_arguments(row_names)
    cirm_runs.check_cirm(PROGRAM, args.cirm)
    config = cirm_runs.load_json(os.path.join(args.model, "config.json"))
    rows = row_arguments(first_half_attention_outputs(config))
    os.makedirs(args.out, exist_ok=True)
    for row in args.rows:
        run_row(args, row, rows[row])
    write_tables(args.out, row_names)
    write_where(args.out, config)


if __name__ == "__main__":
    main()
