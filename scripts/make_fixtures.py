#!/usr/bin/python3
"""Regenerates the statistics fixtures of the tests from the Python reference implementations.

    tests/fixtures/spearman.json  average ranks (scipy.stats.rankdata), Spearman's rho
                                  (scipy.stats.spearmanr), and a neuron table with medians
                                  (numpy.median) and means (numpy.mean)
    tests/fixtures/directions.json  directions of calibrate/localize_directions.hpp on that neuron
                                  table (numpy covariance against scipy ranks, numpy.linalg.qr,
                                  numpy.median)
    tests/fixtures/lowess.json    LOWESS fits (statsmodels.nonparametric.smoothers_lowess.lowess
                                  with delta=0, return_sorted=False)

Every input comes from a fixed seed, so running the script again writes the same files. Floats are
written with repr(), which round-trips exactly. Run it with Debian's Python, which has numpy,
scipy and statsmodels:  /usr/bin/python3 scripts/make_fixtures.py [OUTPUT_DIR]
(OUTPUT_DIR defaults to tests/fixtures; the test suite uses another folder to check that the
stored fixtures are what the script writes.)

numpy picks its transcendental kernels (exp, log: used by the normal sampler) by CPU, and its
AVX-512 ones round differently in the last place, so the script turns them off before numpy is
imported: the same files come out on machines with and without AVX-512 (numpy warns, harmlessly,
where a feature it is told to disable does not exist). OpenBLAS, numpy's BLAS where Debian's
libopenblas0-pthread is installed, likewise picks AVX-512 kernels on such machines (SkylakeX on an
AVX-512 AMD EPYC), whose sums round differently in the last place: unless the environment already
chooses its kernels, the script asks for the AVX2 (Haswell) ones, which every x86-64 machine these
fixtures are checked on runs.
"""

import os

os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL")
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

import json
import pathlib
import sys
import warnings

import numpy as np
import scipy
import scipy.stats
import statsmodels
from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def floats(values):
    return [float(v) for v in np.asarray(values).ravel()]


def provenance(what):
    return {
        "generator": "scripts/make_fixtures.py",
        "reference": what,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
    }


def spearman_reference(x, y):
    """scipy's rho; None where scipy has none (a constant variable)."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", scipy.stats.ConstantInputWarning)
        rho = scipy.stats.spearmanr(x, y).correlation
    return None if np.isnan(rho) else float(rho)


def spearman_cases(rng):
    cases = []

    def add(name, x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        cases.append({
            "name": name,
            "x": floats(x),
            "y": floats(y),
            "x_ranks": floats(scipy.stats.rankdata(x, method="average")),
            "y_ranks": floats(scipy.stats.rankdata(y, method="average")),
            # None: scipy returns NaN for a constant variable; the method's rule is rho = 0
            "rho": spearman_reference(x, y),
        })

    add("n3_distinct", [0.5, -1.25, 3.0], [2.0, 1.0, 2.5])
    add("n4_ties", [1.0, 2.0, 2.0, 3.0], [4.0, 1.0, 1.0, 0.0])
    add("n5_odd_negative", rng.normal(size=5) - 2.0, rng.normal(size=5))
    add("n6_even", rng.normal(size=6), rng.normal(size=6))
    x = rng.integers(0, 6, size=200).astype(float)
    add("n200_heavy_ties", x, x + rng.integers(-2, 3, size=200))
    x = rng.integers(0, 6, size=201).astype(float)
    add("n201_heavy_ties_both", x, -rng.integers(0, 4, size=201).astype(float) + 0.3 * x)
    x = rng.normal(size=500) * 3.0
    add("n500_monotone_nonlinear", x, np.exp(x / 3.0) + 0.2 * rng.normal(size=500))
    x = rng.standard_t(3, size=333)
    add("n333_negative_heavy_tails", x, -x + rng.standard_t(3, size=333))
    add("signed_zeros_tie", [0.0, -0.0, 1.0, -1.0, 0.0, 2.0], [1.0, 2.0, 3.0, 0.0, 2.0, 5.0])
    add("constant_x", [2.5] * 7, rng.normal(size=7))
    add("constant_y", rng.normal(size=8), [-1.0] * 8)
    return cases


def float32_rank_cases(rng):
    """Float inputs for the float overload: values that are exact float32 numbers."""
    cases = []
    for name, values in [
        ("float_small_ties", np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], dtype=np.float32)),
        ("float_normal_257", rng.normal(size=257).astype(np.float32)),
        ("float_rounded_ties_400", np.round(rng.normal(size=400), 1).astype(np.float32)),
        ("float_huge_and_tiny", np.array([1e30, -1e30, 1e-30, -1e-30, 0.0, -0.0, 3.0e38, -3.0e38], dtype=np.float32)),
    ]:
        cases.append({"name": name, "values": floats(values),
                      "ranks": floats(scipy.stats.rankdata(values, method="average"))})
    return cases


def neuron_table(rng):
    """300 samples x 40 neurons x 4 attributes; activations are float32 as a model records them."""
    samples, neurons = 300, 40
    length = rng.integers(20, 400, size=samples).astype(float)
    length[::7] = 100.0  # repeated lengths, as response lengths are
    paragraphs = rng.integers(0, 6, size=samples).astype(float)
    overlap = rng.uniform(0.0, 1.0, size=samples)
    exclamation = np.zeros(samples)  # constant attribute
    attributes = np.stack([length, paragraphs, overlap, exclamation], axis=1)
    names = ["length", "paragraphs", "overlap", "exclamation"]

    acts = np.empty((samples, neurons), dtype=np.float64)
    for n in range(neurons):
        kind = n % 5
        if kind == 0:    # follows length
            col = 0.01 * length + rng.normal(size=samples)
        elif kind == 1:  # integer-valued, heavy ties, follows paragraphs
            col = np.clip(paragraphs + rng.integers(-1, 2, size=samples), 0, 5)
        elif kind == 2:  # anti-correlated with overlap, negative values
            col = -3.0 * overlap + 0.5 * rng.normal(size=samples) - 1.0
        elif kind == 3:  # noise
            col = rng.normal(size=samples) * 2.0
        else:            # few distinct values including both zeros
            col = rng.choice([-1.5, -0.0, 0.0, 0.25, 2.0], size=samples)
        acts[:, n] = col
    acts[:, 13] = 0.75  # a constant neuron
    acts = acts.astype(np.float32)

    rho = []
    for n in range(neurons):
        for b in range(attributes.shape[1]):
            rho.append(spearman_reference(acts[:, n].astype(np.float64), attributes[:, b]))
    constant = [int(np.all(acts[:, n] == acts[0, n])) for n in range(neurons)]
    attribute_constant = [int(np.all(attributes[:, b] == attributes[0, b])) for b in range(attributes.shape[1])]

    medians = np.median(acts, axis=0)  # float32 in, float32 out
    medians64 = np.median(acts.astype(np.float64), axis=0).astype(np.float32)
    assert np.array_equal(medians, medians64), "float32 and float64 medians disagree"
    means = np.mean(acts, axis=0, dtype=np.float64)

    return {
        "samples": samples,
        "neurons": neurons,
        "attributes": names,
        "activations": floats(acts),          # samples x neurons, row-major, float32 values
        "attribute_values": floats(attributes),  # samples x attributes, row-major
        "rho": rho,                           # neurons x attributes; None where scipy gives NaN
        "constant": constant,
        "attribute_constant": attribute_constant,
        "median": floats(medians),
        "mean": floats(means),
    }


def direction_reference(table):
    """Directions of calibrate/localize_directions.hpp on the neuron table, split into two sites
    (neurons 0-23 and 24-39): the covariance of each neuron with the standardized average ranks of
    each attribute (population standard deviation), made orthonormal per site by a QR
    decomposition (numpy.linalg.qr, signs turned so that R has a positive diagonal: Gram-Schmidt's
    convention), and the median (numpy.median) and mean of each direction's component over the
    samples. The constant attribute has no direction."""
    samples, neurons = table["samples"], table["neurons"]
    acts = np.asarray(table["activations"], dtype=np.float64).reshape(samples, neurons)
    attributes = np.asarray(table["attribute_values"]).reshape(samples, len(table["attributes"]))
    names = table["attributes"]
    z = np.zeros_like(attributes)
    for b in range(attributes.shape[1]):
        ranks = scipy.stats.rankdata(attributes[:, b], method="average")
        if np.all(ranks == ranks[0]):
            continue
        z[:, b] = (ranks - ranks.mean()) / ranks.std()
    raw = (acts - acts.mean(axis=0)).T @ z / samples  # neurons x attributes
    sites = [("site_a", 0, 24), ("site_b", 24, 40)]

    def spec_for(chosen):
        out = []
        for name, begin, end in sites:
            block = raw[begin:end, chosen]
            q, r = np.linalg.qr(block)
            q = q * np.sign(np.diag(r))
            components = acts[:, begin:end] @ q
            out.append({
                "site": name,
                "biases": [names[b] for b in chosen],
                "vectors": [floats(q[:, j]) for j in range(q.shape[1])],
                "median": floats(np.median(components, axis=0)),
                "mean": floats(components.mean(axis=0)),
            })
        return out

    return {
        "sites": [{"name": name, "first": begin, "width": end - begin} for name, begin, end in sites],
        "raw": floats(raw),  # neurons x attributes, row-major
        "every_bias": spec_for([0, 1, 2]),
        "overlap_and_length": spec_for([0, 2]),
    }


def lowess_reference(x, y, frac, it, rng):
    # statsmodels divides 0 by 0 where a window sits at one x (and then keeps the point's own y)
    with np.errstate(invalid="ignore", divide="ignore"):
        fitted = sm_lowess(y, x, frac=frac, it=it, delta=0.0, return_sorted=False)
        # The fixtures must not depend on how numpy happened to order tied x values: statsmodels'
        # result on a shuffled copy has to agree.
        perm = rng.permutation(len(x))
        shuffled = sm_lowess(y[perm], x[perm], frac=frac, it=it, delta=0.0, return_sorted=False)
    assert np.allclose(shuffled, fitted[perm], rtol=0.0, atol=1e-9), "tie-order dependent case"
    return fitted


def lowess_cases(rng):
    cases = []

    def add(name, x, y, frac, it=3):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        fitted = lowess_reference(x, y, frac, it, rng)
        cases.append({"name": name, "frac": frac, "iterations": it,
                      "x": floats(x), "y": floats(y), "fitted": floats(fitted)})

    x = rng.uniform(0.0, 10.0, size=120)
    y = np.sin(x) + 0.3 * rng.normal(size=120)
    for frac in (0.3, 0.6, 1.0):
        add(f"continuous_frac{frac}", x, y, frac)

    # response lengths: integers with many repeats, a mild length bias, some outliers
    lengths = rng.choice(np.arange(50, 2000, 37), size=400).astype(float)
    rewards = 0.001 * lengths + 0.4 * rng.normal(size=400)
    rewards[rng.choice(400, size=12, replace=False)] += rng.choice([-6.0, 6.0], size=12)
    for frac in (0.3, 0.6, 1.0):
        add(f"tied_lengths_outliers_frac{frac}", lengths, rewards, frac)
    add("tied_lengths_no_robustness", lengths, rewards, 0.6, it=0)
    add("tied_lengths_one_iteration", lengths, rewards, 1.0, it=1)

    # heavy outliers on a line: the robustifying passes pull the fit back to the line
    x = np.arange(60, dtype=float)
    y = 0.5 * x + rng.normal(size=60) * 0.2
    y[[5, 17, 30, 44]] += np.array([40.0, -35.0, 50.0, -45.0])
    add("line_with_outliers_frac0.3", x, y, 0.3)
    add("line_with_outliers_frac1.0", x, y, 1.0)

    # median residual exactly 0: zeros fit exactly once the outliers get weight 0
    x = np.arange(30, dtype=float)
    y = np.zeros(30)
    y[[4, 19]] = [3.0, -2.0]
    add("zero_median_residual_frac0.3", x, y, 0.3)
    add("zero_median_residual_frac1.0", x, y, 1.0)
    # with an even number of passes after the median first hits 0, treating that case like any
    # other would end on a different fit
    add("zero_median_residual_frac1.0_it2", x, y, 1.0, it=2)

    # x in groups of 3 with k = 5: windows whose only positive weights sit on one x value,
    # where the x spread is degenerate and the fit is the group's weighted mean
    x = np.repeat(np.arange(0.0, 100.0, 10.0), 3)
    y = rng.normal(size=30)
    add("degenerate_spread_frac0.17", x, y, 0.17)

    # k = 4 over unevenly spaced x: some windows have a single positive weight (no fit: the point
    # keeps its y), others two or more
    x = np.array([0.0, 1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 22.0, 23.0, 24.0, 30.0, 31.0, 45.0, 46.0, 47.0, 60.0])
    add("sparse_windows_frac0.25", x, rng.normal(size=16), 0.25)

    add("single_point", [1.0], [2.5], 1.0)
    add("two_points", [1.0, 3.0], [2.5, 4.0], 1.0)
    add("three_points_tied_pair", [1.0, 3.0, 3.0], [2.5, 4.0, 1.0], 1.0)
    add("small_n5", [3.0, 1.0, 4.0, 1.0, 5.0], [2.0, 0.5, 3.5, 1.0, 2.0], 1.0)
    add("small_n10_frac0.6", rng.integers(0, 8, size=10).astype(float), rng.normal(size=10), 0.6)
    add("unsorted_negative_x", rng.normal(size=50) * 100.0, rng.normal(size=50), 0.6)
    return cases


def write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=1, allow_nan=False)
    path.write_text(text + "\n")
    print(f"wrote {path} ({len(text)} bytes)")


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES
    out.mkdir(parents=True, exist_ok=True)
    spearman = {
        "provenance": provenance("scipy.stats.rankdata(method='average'), scipy.stats.spearmanr, "
                                 "numpy.median, numpy.mean(dtype=float64)"),
        "pairs": spearman_cases(np.random.default_rng(20240601)),
        "float_ranks": float32_rank_cases(np.random.default_rng(20240602)),
        "table": neuron_table(np.random.default_rng(20240603)),
    }
    write(out / "spearman.json", spearman)
    directions = {
        "provenance": provenance("scipy.stats.rankdata(method='average'), numpy.linalg.qr, numpy.median, "
                                 "numpy.mean; input: the neuron table of spearman.json"),
        "directions": direction_reference(spearman["table"]),
    }
    write(out / "directions.json", directions)
    lowess = {
        "provenance": provenance("statsmodels.nonparametric.smoothers_lowess.lowess(y, x, frac, it, "
                                 "delta=0.0, return_sorted=False)"),
        "cases": lowess_cases(np.random.default_rng(20240604)),
    }
    write(out / "lowess.json", lowess)


if __name__ == "__main__":
    main()
