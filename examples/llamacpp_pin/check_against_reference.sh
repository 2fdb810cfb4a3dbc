#!/usr/bin/env bash
# examples/llamacpp_pin against the reference engine: the bundled model converted to an F32 GGUF by
# `cirm convert`, a spec located by `cirm locate`, and one pair; the example's plain and pinned
# rewards (llama.cpp) must be the reference engine's (`cirm score`, without and with --spec) within
# 1e-4 relative, and the spec must move the rewards.
# Usage: check_against_reference.sh CIRM_BINARY EXAMPLE_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
cirm="$1"; example="$2"; root="$3"; work="$4"
rm -rf "$work"; mkdir -p "$work"
model="$root/models/cirm-tiny-rm"
"$cirm" convert --model "$model" --out "$work/model.gguf" --type f32 >/dev/null
"$cirm" locate --model "$model" --data "$root/tests/fixtures/cli/validation.jsonl" --budgets 8 --quiet \
  --out "$work/located" >/dev/null
prompt="What is the capital of France?"
chosen="Paris."
rejected="**Great question!** Paris!!

It is, of course, the capital of France!"
"$example" "$work/model.gguf" "$work/located/spec.json" "$prompt" "$chosen" "$rejected" >"$work/example.txt"
cat "$work/example.txt"
/usr/bin/python3 - "$work/pair.jsonl" "$prompt" "$chosen" "$rejected" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "p", "prompt": sys.argv[2], "chosen": sys.argv[3], "rejected": sys.argv[4]}) + "\n")
PY
"$cirm" score --model "$model" --data "$work/pair.jsonl" --quiet --out "$work/plain.jsonl"
"$cirm" score --model "$model" --data "$work/pair.jsonl" --spec "$work/located/spec.json" --quiet \
  --out "$work/pinned.jsonl"
/usr/bin/python3 - "$work/example.txt" "$work/plain.jsonl" "$work/pinned.jsonl" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[0] in ("chosen", "rejected"):
        rows[parts[0]] = (float(parts[1]), float(parts[2]))
plain, pinned = json.loads(open(sys.argv[2]).readline()), json.loads(open(sys.argv[3]).readline())
worst, moved = 0.0, 0.0
for side in ("chosen", "rejected"):
    for col, ref in ((0, plain), (1, pinned)):
        a, b = rows[side][col], ref[side + "_reward"]
        worst = max(worst, abs(a - b) / max(1.0, abs(b)))
    moved = max(moved, abs(pinned[side + "_reward"] - plain[side + "_reward"]))
# the example prints 5 decimals: allow its rounding on top of the engines' 1e-4
assert worst <= 1e-4 + 5e-6, f"llama.cpp and the reference engine differ by {worst:.3g}"
assert moved > 1e-2, f"the spec moved the rewards by only {moved:.3g}"
print(f"example_llamacpp_pin = reference engine within {worst:.2g}; the spec moves rewards by {moved:.3g}")
PY
