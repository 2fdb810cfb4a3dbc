#!/usr/bin/python3
"""The numpy/scipy peer of bench_localization: what a researcher would write without cirm.

For N = 1000 samples x M neurons of activations and 5 attributes: scipy.stats.rankdata(axis=0)
of the activations (average ranks for ties), Spearman's rho as the correlation of those ranks
with the attributes' ranks (one matrix product), rho = 0 for a constant column, and
numpy.median(axis=0). Columns are processed in chunks of --chunk neurons so that the float64
ranks of a 1.4M-neuron matrix need not exist all at once (this only helps the peer: smaller
working sets).

The matrix is the one bench_localization makes (same counter-based generator, see
bench/localization.cpp), built here with numpy's wrapping uint64 arithmetic before the clock
starts. Prints one JSON line: the seconds of the statistics alone and the checksums that
`bench_localization --single=M` prints, so that a run can check that both sides agree.
Threads: set OMP_NUM_THREADS / OPENBLAS_NUM_THREADS (run-all sets both to 2); rankdata and
median are single-threaded in numpy/scipy whatever they say.
"""
import argparse
import json
import time

import numpy as np
from scipy.stats import rankdata

SAMPLES = 1000
ATTRIBUTES = 5
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
ACTIVATION_SEED = np.uint64(0x5EED0001)
ATTRIBUTE_SEED = np.uint64(0xA77A)


def mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def make_data(neurons):
    acts = np.empty((SAMPLES, neurons), dtype=np.float32)
    columns = np.arange(neurons, dtype=np.uint64)
    tied = (columns % np.uint64(3)) == 0
    mask16 = np.uint64(0xFFFF)
    with np.errstate(over="ignore"):
        for s in range(SAMPLES):
            z = mix((np.uint64(s * neurons) + columns) * GOLDEN + ACTIVATION_SEED)
            total = (z & mask16) + ((z >> np.uint64(16)) & mask16) + ((z >> np.uint64(32)) & mask16) + (z >> np.uint64(48))
            v = (total.astype(np.float64) - 131070.0) / 37837.0
            acts[s] = np.where(tied, np.trunc(2.0 * v), v).astype(np.float32)
        i = np.arange(SAMPLES * ATTRIBUTES, dtype=np.uint64)
        attrs = ((mix(i * GOLDEN + ATTRIBUTE_SEED) >> np.uint64(11)) % np.uint64(50)).astype(np.float64)
    return acts, attrs.reshape(SAMPLES, ATTRIBUTES)


def localization(acts, attrs, chunk):
    n, m = acts.shape
    attr_ranks = rankdata(attrs, axis=0)
    attr_centered = attr_ranks - attr_ranks.mean(axis=0)
    attr_norm = np.sqrt((attr_centered ** 2).sum(axis=0))
    rho = np.empty((m, attrs.shape[1]))
    median = np.empty(m, dtype=np.float64)
    for first in range(0, m, chunk):
        block = acts[:, first:first + chunk]
        ranks = rankdata(block, axis=0)
        ranks -= (n + 1) / 2.0
        norm = np.sqrt((ranks ** 2).sum(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (ranks.T @ attr_centered) / np.outer(norm, attr_norm)
        r[~np.isfinite(r)] = 0.0  # a constant column or attribute: rho = 0 (the method's rule)
        rho[first:first + chunk] = r
        median[first:first + chunk] = np.median(block, axis=0)
    return rho, median


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("neurons", type=int)
    ap.add_argument("--chunk", type=int, default=20000)
    args = ap.parse_args()
    acts, attrs = make_data(args.neurons)
    start = time.perf_counter()
    rho, median = localization(acts, attrs, args.chunk)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "neurons": args.neurons, "samples": SAMPLES, "seconds": round(seconds, 3),
        "checksum": {"data_sum": float(acts.sum(dtype=np.float64)), "rho_sum": float(rho.sum()),
                     "rho_abs_sum": float(np.abs(rho).sum()),
                     "median_sum": float(median.astype(np.float32).astype(np.float64).sum()),
                     "constant": int((np.ptp(acts, axis=0) == 0).sum())},
    }))


if __name__ == "__main__":
    main()
