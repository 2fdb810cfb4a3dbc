#!/usr/bin/env bash
# End-to-end run of the built `cirm` binary on the fixture model and datasets:
# every command's --help, usage errors (exit 2), then locate -> search -> eval -> score ->
# annotate -> report -> demo, with the --json outputs parsed and the eval contract checked key by
# key (accuracy recomputed from the rewards `cirm score` wrote). Prints each command's time.
# Usage: e2e_pipeline.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
bin="$1"; root="$2"; work="$3"
python=/usr/bin/python3
[ -x "$python" ] || { echo "skipped: $python (Debian's python3) is needed to parse the JSON"; exit 77; }
rm -rf "$work"; mkdir -p "$work"
model="$root/tests/fixtures/reference/tiny_llama_gqa_bf16"
fx="$root/tests/fixtures/cli"

fail() { echo "FAIL: $*" >&2; exit 1; }
timed() {  # timed NAME CMD... : runs CMD, stdout to $work/NAME.out, stderr to $work/NAME.err
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; fail "$name exited with $?"; }
  end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%-10s %6.2f s\n", n, e - s }'
  # stderr is not a terminal here: no progress bar may be drawn
  if grep -q $'\r' "$work/$name.err"; then fail "$name drew a progress bar on a non-terminal stderr"; fi
}

for cmd in locate search eval score annotate report demo; do
  "$bin" "$cmd" --help >"$work/help_$cmd.txt" || fail "$cmd --help exited non-zero"
  grep -q -- "--out" "$work/help_$cmd.txt" || fail "$cmd --help does not list --out"
done
set +e
"$bin" eval --data "$fx/test.jsonl" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a missing required option must exit 2"
"$bin" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "an unknown command must exit 2"
"$bin" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no command must exit 2"
set -e

timed locate "$bin" locate --model "$model" --data "$fx/validation.jsonl" --budgets 3 --out "$work/locate" --json
timed search "$bin" search --model "$model" --data "$fx/validation.jsonl" --trials 40 --sampler tpe --seed 3 --out "$work/search" --json
timed eval "$bin" eval --model "$model" --data "$fx/test.jsonl" --spec "$work/search/spec.json" --out "$work/eval.json" --json
timed eval_text "$bin" eval --model "$model" --data "$fx/test.jsonl" --spec "$work/search/spec.safetensors" --no-flip-rates
timed score "$bin" score --model "$model" --data "$fx/test.jsonl" --out "$work/base_rewards.jsonl" --quiet
timed score_cirm "$bin" score --model "$model" --data "$fx/test.jsonl" --spec "$work/search/spec.json" --out "$work/cirm_rewards.jsonl" --quiet
timed annotate "$bin" annotate --model "$model" --data "$fx/prompts.jsonl" --spec "$work/search/spec.json" --out "$work/dpo.jsonl"
timed report "$bin" report --eval "$work/eval.json" --spec "$work/search/spec.json" --trials "$work/search/trials.jsonl" --model "$model" --out "$work/report.html"
timed demo "$bin" demo --model "$model" --validation "$fx/validation.jsonl" --test "$fx/test.jsonl" --out "$work/demo" --trials 30 --json
timed demo_text "$bin" demo --model "$model" --validation "$fx/validation.jsonl" --test "$fx/test.jsonl" --out "$work/demo_text" --trials 10 --quiet

grep -q "goal check (cirm vs base" "$work/eval_text.out" || fail "eval's text output has no goal check"
grep -q "report: $work/demo_text/report.html" "$work/demo_text.out" || fail "demo does not say where the report is"
[ ! -s "$work/demo_text.err" ] || fail "demo --quiet wrote to stderr"
for f in report.html spec.json spec.safetensors trials.jsonl eval.json; do [ -s "$work/demo/$f" ] || fail "demo did not write $f"; done

"$python" - "$work" "$fx" <<'PY'
import json, re, sys
work, fx = sys.argv[1], sys.argv[2]
def jsonl(p): return [json.loads(l) for l in open(p) if l.strip()]
def fail(m): sys.exit("FAIL: " + m)
d = json.load(open(work + "/eval.out"))
if json.load(open(work + "/eval.json")) != d: fail("eval --out differs from --json")
if set(d) != {"model", "engine", "data", "pairs", "neutral_pairs", "methods", "spec", "flip_pairs"}: fail("top-level keys %s" % sorted(d))
if d["engine"] != "reference": fail("engine %r" % d["engine"])
if set(d["methods"]) != {"base", "lp", "lwr", "cirm"}: fail("methods %s" % sorted(d["methods"]))
five = ["length", "paragraphs", "overlap", "exclamation", "bold"]
for name, m in d["methods"].items():
    if set(m) != {"all", "neutral", "subsets", "flip_rate"}: fail(name + " keys")
    for k in ("all", "neutral"):
        if m[k] is not None and not 0 <= m[k] <= 1: fail(name + "." + k)
    if list(m["subsets"]) != five or list(m["flip_rate"]) != five: fail(name + " attributes")
    for a, s in m["subsets"].items():
        if set(s) != {"biased", "unbiased", "n_biased", "n_unbiased"}: fail(name + " subset keys")
        for k in ("biased", "unbiased"):
            if s[k] is not None and not 0 <= s[k] <= 1: fail(name + " " + a + " " + k)
spec = json.load(open(work + "/search/spec.json"))
edited = sum(len(s["neurons"]) for s in spec["sites"])
directions = sum(len(s.get("directions", [])) for s in spec["sites"])
if d["spec"] != {"edited": edited, "directions": directions, "total_neurons": 1536,
                 "k": {b["bias"]: b["k"] for b in spec["budgets"]}}: fail("spec entry")
# accuracy recomputed from the rewards of `cirm score`
for method, f in (("base", "base_rewards.jsonl"), ("cirm", "cirm_rewards.jsonl")):
    r = jsonl(work + "/" + f)
    acc = sum(x["chosen_reward"] > x["rejected_reward"] for x in r) / len(r)
    if abs(acc - d["methods"][method]["all"]) > 1e-12: fail("%s accuracy %s vs %s" % (method, acc, d["methods"][method]["all"]))
# subset counts from the data (ASCII: length = bytes)
pairs = jsonl(fx + "/test.jsonl")
def words(t): return set(re.findall(r"[a-z0-9]+", t.lower()))
def attr(a, p, r):
    if a == "length": return len(r)
    if a == "paragraphs": return r.count("\n\n")
    if a == "exclamation": return r.count("!")
    if a == "bold": return r.count("**")
    w = words(r); return len(w & words(p)) / len(w) if w else 0.0
for a in five:
    nb = sum(attr(a, p["prompt"], p["chosen"]) > attr(a, p["prompt"], p["rejected"]) for p in pairs)
    nu = sum(attr(a, p["prompt"], p["chosen"]) < attr(a, p["prompt"], p["rejected"]) for p in pairs)
    s = d["methods"]["base"]["subsets"][a]
    if (s["n_biased"], s["n_unbiased"]) != (nb, nu): fail("%s counts %s vs %s" % (a, (s["n_biased"], s["n_unbiased"]), (nb, nu)))
# the trial log: base first, one best, which is the spec's budgets
t = jsonl(work + "/search/trials.jsonl")
if len(t) != 40 or t[0]["trial"] != 0 or not t[0]["base"] or any(t[0]["k"].values()) or t[0]["edited"] != 0: fail("trial 0 is not the base")
best = [x for x in t if x["best"]]
if len(best) != 1 or best[0]["k"] != d["spec"]["k"] or best[0]["accuracy"] < t[0]["accuracy"]: fail("best trial")
s = json.load(open(work + "/search.out"))
if s["best"]["k"] != d["spec"]["k"] or s["base"]["accuracy"] != t[0]["accuracy"]: fail("search --json summary")
l = json.load(open(work + "/locate.out"))
if l["neurons"] != 1536 or l["samples"] != 80 or l["spec"]["edited"] > 30: fail("locate --json")
# annotate: DPO pairs, one per prompt
dpo = jsonl(work + "/dpo.jsonl")
src = jsonl(fx + "/prompts.jsonl")
if [x["id"] for x in dpo] != [x["id"] for x in src]: fail("annotate ids")
for x, y in zip(dpo, src):
    if set(x) != {"id", "prompt", "chosen", "rejected"} or x["chosen"] not in y["responses"] or x["rejected"] not in y["responses"] or x["chosen"] == x["rejected"]: fail("annotate pair " + x["id"])
# demo --json: the contract plus "search", "files", "seconds"
dm = json.load(open(work + "/demo.out"))
if not {"model", "data", "pairs", "methods", "spec", "search", "files"} <= set(dm) or "cirm" not in dm["methods"]: fail("demo --json")
html = open(work + "/report.html").read()
if html.count("<svg") != 3 or "<script" in html: fail("report.html")
print("e2e pipeline: all checks passed")
PY
