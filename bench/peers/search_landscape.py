#!/usr/bin/python3
"""Search quality, Optuna's side: a recorded landscape of validation accuracies over the joint
k grid, and Optuna's TPE searching it.

  search_landscape.py make PATH                 write the table (deterministic, seed below)
  search_landscape.py optuna PATH [--seeds 10] [--trials 100]
                                                 Optuna's TPESampler (defaults), one study per
                                                 seed, prints the best value of each as JSON

bench_search_quality reads the same file and runs cirm's TPE (and its random sampler) on it, so
both sides optimise the very same function of the same categorical space: 5 biases x the
method's grid {0, 50, 100, 200, 500, 1000, 2000, 5000} = 32,768 configurations.

How the landscape is built (an accuracy-like function of the budgets, in [0, 1]):
  * base accuracy 0.720 with nothing edited;
  * each bias b has a best budget index o_b and a gain G_b: editing it by candidate i > 0 gives
    e_b(i) = G_b * max(0, 1 - ((i - o_b) / 2.5)^2) - 0.004 * max(0, i - o_b)^1.5
    (too few neurons leave the bias in, too many start to cut into what the model knows);
    length o=3 (k=200) G=.045, paragraphs o=2 (k=100) G=.020, overlap o=1 (k=50) G=0
    (editing it never helps: the search should learn to leave it at 0 or small),
    exclamation o=1 (k=50) G=.012, bold o=4 (k=500) G=.016;
  * interactions: length and paragraphs are redundant (the same neurons carry both): their
    gains combine as max + 0.35 * min; bold and exclamation are synergistic: +0.010 when bold's
    index >= 3 and exclamation's >= 1;
  * collateral damage of editing many neurons in all: -0.04 * (sum of k / 20000)^2;
  * noise fixed per configuration: normal(0, 0.006) from numpy's default_rng(20261128), drawn
    in enumeration order (last bias fastest);
  * plateaus: the accuracy is rounded to a multiple of 1/500 (500 validation pairs), clipped to
    [0, 1], so many neighbouring configurations tie exactly, as real accuracies do.
"""
import argparse
import json
import statistics
import sys

import numpy as np

BIASES = ["length", "paragraphs", "overlap", "exclamation", "bold"]
GRID = [0, 50, 100, 200, 500, 1000, 2000, 5000]
BEST_INDEX = [3, 2, 1, 1, 4]
GAIN = [0.045, 0.020, 0.0, 0.012, 0.016]
PAIRS = 500
SEED = 20261128


def single_effect(b, i):
    if i == 0:
        return 0.0
    d = i - BEST_INDEX[b]
    return GAIN[b] * max(0.0, 1.0 - (d / 2.5) ** 2) - 0.004 * max(0, d) ** 1.5


def accuracy(config, noise):
    e = [single_effect(b, i) for b, i in enumerate(config)]
    length_paragraphs = max(e[0], e[1]) + 0.35 * min(e[0], e[1])
    acc = 0.720 + length_paragraphs + e[2] + e[3] + e[4]
    if config[4] >= 3 and config[3] >= 1:
        acc += 0.010
    total_k = sum(GRID[i] for i in config)
    acc -= 0.04 * (total_k / 20000.0) ** 2
    acc += noise
    return min(1.0, max(0.0, round(acc * PAIRS) / PAIRS))


def configurations():
    n = len(GRID)
    for flat in range(n ** len(BIASES)):
        config, rest = [], flat
        for _ in BIASES:
            config.append(rest % n)
            rest //= n
        yield tuple(reversed(config))  # enumeration order: the last bias varies fastest


def make(path):
    rng = np.random.default_rng(SEED)
    configs = list(configurations())
    noise = rng.normal(0.0, 0.006, size=len(configs))
    with open(path, "w") as out:
        out.write("# cirm search-quality landscape (bench/peers/search_landscape.py make), seed %d\n" % SEED)
        out.write("# biases: %s; grid: %s\n" % (" ".join(BIASES), " ".join(map(str, GRID))))
        out.write("# one line per configuration: the candidate index of each bias, then the accuracy\n")
        for config, z in zip(configs, noise):
            out.write("%s %.3f\n" % (" ".join(map(str, config)), accuracy(config, z)))


def load(path):
    table = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        *idx, value = line.split()
        table[tuple(int(i) for i in idx)] = float(value)
    return table


def run_optuna(path, seeds, trials):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table = load(path)

    def objective(trial):
        config = tuple(GRID.index(trial.suggest_categorical(b, GRID)) for b in BIASES)
        return table[config]

    bests = []
    for seed in range(seeds):
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
        study.enqueue_trial({b: 0 for b in BIASES})  # like cirm's search: trial 0 is the base
        study.optimize(objective, n_trials=trials)
        bests.append(study.best_value)
    print(json.dumps({"sampler": "optuna TPESampler %s" % optuna.__version__, "trials": trials,
                      "best": bests, "median": statistics.median(bests), "optimum": max(table.values()),
                      "base": table[(0,) * len(BIASES)]}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["make", "optuna"])
    ap.add_argument("path")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=100)
    args = ap.parse_args()
    if args.command == "make":
        make(args.path)
    else:
        run_optuna(args.path, args.seeds, args.trials)


if __name__ == "__main__":
    sys.exit(main())
