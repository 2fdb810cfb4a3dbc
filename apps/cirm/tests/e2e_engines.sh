#!/usr/bin/env bash
# Every command on both engines (--engine reference|llamacpp) on the bundled model, checked against
# each other: the llama.cpp engine is given the HF directory (converted once into a cache folder:
# the second run reuses it, a changed directory is converted again) and a .gguf from cirm convert.
#   - score: the same rewards within 1e-4 (relative to the largest), plain and under a spec made
#     by the other engine;
#   - locate + search (40 validation pairs: 80 responses, more than the llama.cpp source keeps
#     resident for this model, so its prefix cache holds them in host memory between trials): the
#     same k per attribute, the same neurons (up to near-ties in the Spearman ranks), pinned values
#     within 1e-4, the same validation accuracy in every trial;
#   - eval: the same table within 0.2 points; annotate: the same picks; inspect and report read the
#     .gguf; --json names the engine;
#   - errors: an unknown engine, a .gguf given to the reference engine.
# Without the llama.cpp backend: --engine llamacpp fails saying how to build it.
# Usage: e2e_engines.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
bin="$1"; root="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
model="$root/models/cirm-tiny-rm"
export CIRM_CACHE_DIR="$work/cache"
fail() { echo "e2e_engines: $*" >&2; exit 1; }
head -n 20 "$root/data/validation.jsonl" >"$work/pairs20.jsonl"
head -n 40 "$root/data/validation.jsonl" >"$work/search_pairs.jsonl"
head -n 30 "$root/data/candidates.jsonl" >"$work/candidates.jsonl"

if ! "$bin" score --engine llamacpp --model "$model" --data "$work/pairs20.jsonl" >"$work/l.jsonl" 2>"$work/err.txt"; then
  grep -q "DCIRM_WITH_LLAMACPP=ON" "$work/err.txt" || fail "--engine llamacpp failed without saying how to build it: $(cat "$work/err.txt")"
  echo "e2e_engines: ok (this build has no llama.cpp backend: --engine llamacpp says how to build it)"
  exit 0
fi
grep -q "converting" "$work/err.txt" || fail "the first run did not say it converts: $(cat "$work/err.txt")"
[ "$(ls "$work/cache/gguf" | wc -l)" = 1 ] || fail "expected one cached GGUF: $(ls "$work/cache/gguf")"

# the cache is reused, and a changed directory is converted again
"$bin" score --engine llamacpp --model "$model" --data "$work/pairs20.jsonl" >"$work/l2.jsonl" 2>"$work/err.txt"
grep -q "as converted before" "$work/err.txt" || fail "the second run did not reuse the cache: $(cat "$work/err.txt")"
cmp -s "$work/l.jsonl" "$work/l2.jsonl" || fail "the cached GGUF gives other rewards"
cp -r "$model" "$work/copy"
"$bin" score --engine llamacpp --model "$work/copy" --data "$work/pairs20.jsonl" -q >/dev/null
touch -d '2001-01-01' "$work/copy/config.json"
"$bin" score --engine llamacpp --model "$work/copy" --data "$work/pairs20.jsonl" 2>"$work/err.txt" >/dev/null
grep -q "converting" "$work/err.txt" || fail "a changed directory was not converted again: $(cat "$work/err.txt")"
[ "$(ls "$work/cache/gguf" | wc -l)" = 3 ] || fail "expected three cached GGUFs: $(ls "$work/cache/gguf")"

# a .gguf from cirm convert is the whole model
"$bin" convert --model "$model" --out "$work/tiny.gguf" >/dev/null
"$bin" score --engine llamacpp --model "$work/tiny.gguf" --data "$work/pairs20.jsonl" -q >"$work/g.jsonl"
cmp -s "$work/l.jsonl" "$work/g.jsonl" || fail "the .gguf and the converted directory give other rewards"
"$bin" score --model "$model" --data "$work/pairs20.jsonl" -q >"$work/r.jsonl"

# locate + search on both engines, then each engine's spec scored on the other
for e in reference llamacpp; do
  "$bin" search --engine "$e" --model "$model" --data "$work/search_pairs.jsonl" --trials 12 --seed 3 \
    --out "$work/search-$e" --json -q >"$work/search-$e.json"
  "$bin" locate --engine "$e" --model "$model" --data "$work/pairs20.jsonl" --budgets 20 \
    --out "$work/locate-$e" -q >/dev/null
done
"$bin" score --engine llamacpp --model "$work/tiny.gguf" --data "$work/pairs20.jsonl" \
  --spec "$work/locate-reference/spec.json" -q >"$work/l-spec.jsonl"
"$bin" score --model "$model" --data "$work/pairs20.jsonl" --spec "$work/locate-llamacpp/spec.json" -q >"$work/r-spec.jsonl"
"$bin" score --model "$model" --data "$work/pairs20.jsonl" --spec "$work/locate-reference/spec.json" -q >"$work/r-own.jsonl"

for e in reference llamacpp; do
  "$bin" eval --engine "$e" --model "$model" --data "$work/search_pairs.jsonl" --spec "$work/locate-reference/spec.json" \
    --flip-pairs 20 --json -q >"$work/eval-$e.json"
  "$bin" annotate --engine "$e" --model "$model" --data "$work/candidates.jsonl" -q >"$work/annotate-$e.jsonl"
done
"$bin" inspect --engine llamacpp --model "$work/tiny.gguf" --json >"$work/inspect.json"
"$bin" report --eval "$work/eval-llamacpp.json" --model "$work/tiny.gguf" --spec "$work/locate-reference/spec.json" \
  --out "$work/report.html" -q >/dev/null

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def fail(m):
    print("e2e_engines:", m, file=sys.stderr); sys.exit(1)
def lines(p):
    return [json.loads(l) for l in open(f"{work}/{p}")]
def close(a, b, what, tol=1e-4):
    scale = max(1.0, max(abs(x) for x in a + b))
    worst = max(abs(x - y) for x, y in zip(a, b))
    if len(a) != len(b) or worst > tol * scale: fail(f"{what}: largest difference {worst:.3g} (scale {scale:.3g})")
    return worst
def rewards(p):
    out = []
    for d in lines(p): out += [d["chosen_reward"], d["rejected_reward"]]
    return out
close(rewards("l.jsonl"), rewards("r.jsonl"), "plain rewards, llama.cpp vs reference")
close(rewards("l-spec.jsonl"), rewards("r-own.jsonl"), "rewards under the reference engine's located spec")
close(rewards("r-spec.jsonl"), rewards("r-own.jsonl"), "the two engines' specs on the reference engine", 1e-3)
moved = max(abs(x - y) for x, y in zip(rewards("l-spec.jsonl"), rewards("l.jsonl")))
if moved < 1e-2: fail(f"the spec moves the llama.cpp rewards by only {moved:.3g}")

def spec(p):
    return json.load(open(f"{work}/{p}"))
def pins(s):
    return {(site["name"], n["index"]): n["value"] for site in s["sites"] for n in site["neurons"]}
for name in ("search-{}/spec.json", "locate-{}/spec.json"):
    a, b = spec(name.format("reference")), spec(name.format("llamacpp"))
    if a["budgets"] != b["budgets"]: fail(f"{name}: k differs: {a['budgets']} vs {b['budgets']}")
    pa, pb = pins(a), pins(b)
    shared = set(pa) & set(pb)
    # Spearman ranks of activations that agree to 1e-6 can still order a near-tie differently
    if len(shared) < 0.98 * max(len(pa), len(pb)): fail(f"{name}: {len(shared)} shared of {len(pa)} / {len(pb)} neurons")
    if shared: close([pa[k] for k in sorted(shared)], [pb[k] for k in sorted(shared)], f"{name}: pinned values")
    if name.startswith("locate") and not pa: fail("the located spec edits nothing")
    print(f"{name}: {len(shared)} of {len(pa)} neurons shared")
sr, sl = json.load(open(f"{work}/search-reference.json")), json.load(open(f"{work}/search-llamacpp.json"))
tr = [json.loads(l) for l in open(f"{work}/search-reference/trials.jsonl")]
tl = [json.loads(l) for l in open(f"{work}/search-llamacpp/trials.jsonl")]
if [t["accuracy"] for t in tr] != [t["accuracy"] for t in tl]: fail("the trials' accuracies differ")

er, el = json.load(open(f"{work}/eval-reference.json")), json.load(open(f"{work}/eval-llamacpp.json"))
if er["engine"] != "reference" or el["engine"] != "llamacpp": fail(f"engines named {er['engine']}, {el['engine']}")
for m in er["methods"]:
    for key in ("all", "neutral"):
        if abs(er["methods"][m][key] - el["methods"][m][key]) > 0.002: fail(f"eval {m}.{key} differs")
    for a, s in er["methods"][m]["subsets"].items():
        for key in ("biased", "unbiased"):
            x, y = s[key], el["methods"][m]["subsets"][a][key]
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 0.002): fail(f"eval {m} {a} {key} differs")
if open(f"{work}/annotate-reference.jsonl").read() != open(f"{work}/annotate-llamacpp.jsonl").read():
    fail("annotate picks other responses")
if not open(f"{work}/annotate-reference.jsonl").read(): fail("annotate wrote nothing")
i = json.load(open(f"{work}/inspect.json"))
if i["engine"] != "llamacpp" or i["sites"] != 28 or i["neurons"] != 5120 or not i["gguf_bytes"]: fail(f"inspect: {i}")
print("e2e_engines: rewards, specs, trials, eval and annotate agree across the engines")
PY
grep -q "<svg" "$work/report.html" || fail "the report has no chart"

# errors
if "$bin" score --engine llama --model "$model" --data "$work/pairs20.jsonl" 2>"$work/err.txt"; then fail "--engine llama was accepted"; fi
grep -q "not an engine (reference or llamacpp)" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
if "$bin" score --model "$work/tiny.gguf" --data "$work/pairs20.jsonl" 2>"$work/err.txt"; then fail "the reference engine took a .gguf"; fi
grep -q "run it with --engine llamacpp" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
if "$bin" score --engine llamacpp --model "$work/none.gguf" --data "$work/pairs20.jsonl" 2>"$work/err.txt"; then fail "a missing .gguf was accepted"; fi
grep -q "does not exist" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
echo "e2e_engines: ok"
