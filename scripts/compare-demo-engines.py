#!/usr/bin/env python3
"""Compares two `cirm demo` output folders made by different engines (cirm demo --engine
reference|llamacpp --out DIR): the method's and the variant's specs must have the same budgets
(k per attribute) and pin the same neurons and directions, and every cell of the evaluation table
(accuracy, neutral, biased/unbiased per attribute, flip rates, for every method) must agree within
0.2 points. Prints the largest difference; exits 1 naming the first disagreement.

Usage: compare-demo-engines.py REFERENCE_OUT LLAMACPP_OUT"""
import json
import sys


def fail(message):
    print("compare-demo-engines: " + message, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def pinned(spec):
    neurons = {(s["name"], n["index"]) for s in spec["sites"] for n in s.get("neurons", [])}
    directions = {(s["name"], d.get("bias", i)) for s in spec["sites"] for i, d in enumerate(s.get("directions", []))}
    return neurons, directions


def main():
    if len(sys.argv) != 3:
        fail("usage: compare-demo-engines.py REFERENCE_OUT LLAMACPP_OUT")
    a_dir, b_dir = sys.argv[1], sys.argv[2]
    for spec_path in ("spec.json", "variant/spec.json"):
        a, b = load(f"{a_dir}/{spec_path}"), load(f"{b_dir}/{spec_path}")
        if a["budgets"] != b["budgets"]:
            fail(f"{spec_path}: budgets differ: {a['budgets']} vs {b['budgets']}")
        (an, ad), (bn, bd) = pinned(a), pinned(b)
        print(f"{spec_path}: k {[x['k'] for x in a['budgets']]} in both; {len(an & bn)} of {len(an)} / {len(bn)} "
              f"neurons and {len(ad & bd)} of {len(ad)} / {len(bd)} directions shared")
    a, b = load(f"{a_dir}/eval.json"), load(f"{b_dir}/eval.json")
    worst, where, cells = 0.0, "", 0
    if set(a["methods"]) != set(b["methods"]):
        fail(f"methods differ: {sorted(a['methods'])} vs {sorted(b['methods'])}")
    for method, ma in a["methods"].items():
        mb = b["methods"][method]
        values = [(k, ma[k], mb[k]) for k in ("all", "neutral")]
        for attribute, s in ma["subsets"].items():
            for k in ("biased", "unbiased"):
                values.append((f"{attribute}.{k}", s[k], mb["subsets"][attribute][k]))
        for attribute, v in ma.get("flip_rate", {}).items():
            values.append((f"flip_rate.{attribute}", v, mb["flip_rate"][attribute]))
        for name, x, y in values:
            if (x is None) != (y is None):
                fail(f"{method}.{name}: {x} vs {y}")
            if x is None:
                continue
            cells += 1
            d = abs(x - y) * 100
            if d > worst:
                worst, where = d, f"{method}.{name}"
    print(f"eval: {cells} table cells, largest difference {worst:.2f} points ({where or '-'})")
    if worst > 0.2:
        fail(f"{where} differs by {worst:.2f} points (more than 0.2)")


if __name__ == "__main__":
    main()
