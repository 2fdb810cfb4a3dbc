#!/usr/bin/env bash
# Every command of the built `cirm` binary on bad inputs: a missing file, a malformed JSONL line,
# an empty dataset, a missing model, a spec made for another model. Each must exit with 1, print
# exactly one line "cirm <command>: error: ..." on stderr (naming the line for malformed JSONL),
# and leave no output file behind.
# Usage: e2e_bad_inputs.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -uo pipefail
bin="$1"; root="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work/in"
model="$root/tests/fixtures/reference/tiny_llama_gqa_bf16"
fx="$root/tests/fixtures/cli"
printf '%s\n%s\n%s\n' '{"prompt": "p", "chosen": "a", "rejected": "b"}' '{"prompt": "q", "chosen": "c", "rejected": "d", "id": "x"}' '{"prompt": "r", "chosen":' >"$work/in/malformed.jsonl"
printf '%s\n%s\n' '{"prompt": "p", "responses": ["a", "b"]}' '{"prompt": "p", "responses": [' >"$work/in/malformed_prompts.jsonl"
printf '\n  \n' >"$work/in/empty.jsonl"
echo nope >"$work/in/trials.jsonl"
"$bin" locate --model "$root/tests/fixtures/reference/tiny_qwen2_bias_f16" --data "$fx/validation.jsonl" --budgets 2 --out "$work/in/qwen" --quiet >/dev/null || { echo "FAIL: could not make the Qwen spec"; exit 1; }
"$bin" eval --model "$model" --data "$fx/test.jsonl" --no-flip-rates --out "$work/in/eval.json" >/dev/null || { echo "FAIL: could not make eval.json"; exit 1; }
qspec="$work/in/qwen/spec.json"
failures=0
n=0
expect_error() {  # expect_error COMMAND EXPECTED_TEXT ARGS... (output goes under $work/out)
  local cmd="$1" expected="$2"; shift 2
  rm -rf "$work/out"; mkdir -p "$work/out"
  n=$((n + 1))
  "$bin" "$cmd" "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$? lines
  lines=$(wc -l <"$work/stderr")
  if [ "$rc" -ne 1 ]; then echo "FAIL: cirm $cmd $* exited with $rc, expected 1"; failures=$((failures + 1)); fi
  if [ "$lines" -ne 1 ] || ! grep -q "^cirm $cmd: error: " "$work/stderr"; then
    echo "FAIL: cirm $cmd $*: stderr is not one error line:"; cat "$work/stderr"; failures=$((failures + 1))
  elif ! grep -qF -- "$expected" "$work/stderr"; then
    echo "FAIL: cirm $cmd: '$(cat "$work/stderr")' does not contain '$expected'"; failures=$((failures + 1))
  fi
  if [ -n "$(find "$work/out" -mindepth 1 | head -1)" ]; then
    echo "FAIL: cirm $cmd $* left output behind:"; find "$work/out" -mindepth 1; failures=$((failures + 1))
  fi
}
M=(--model "$model")
for cmd in locate search; do
  expect_error $cmd "cannot read '$work/in/missing.jsonl'" "${M[@]}" --data "$work/in/missing.jsonl" --out "$work/out/x"
  expect_error $cmd "malformed.jsonl:3: not valid JSON" "${M[@]}" --data "$work/in/malformed.jsonl" --out "$work/out/x"
  expect_error $cmd "no preference pairs (the dataset is empty)" "${M[@]}" --data "$work/in/empty.jsonl" --out "$work/out/x"
  expect_error $cmd "model directory '$work/in/no-model' does not exist" --model "$work/in/no-model" --data "$fx/validation.jsonl" --out "$work/out/x"
done
expect_error locate "unknown bias attribute 'shouting'" "${M[@]}" --data "$fx/validation.jsonl" --attributes length,shouting --out "$work/out/x"
expect_error search "unknown sampler 'annealing'" "${M[@]}" --data "$fx/validation.jsonl" --sampler annealing --out "$work/out/x"
for cmd in eval score; do
  expect_error $cmd "cannot read '$work/in/missing.jsonl'" "${M[@]}" --data "$work/in/missing.jsonl" --out "$work/out/x.json"
  expect_error $cmd "malformed.jsonl:3: not valid JSON" "${M[@]}" --data "$work/in/malformed.jsonl" --out "$work/out/x.json"
  expect_error $cmd "dataset is empty" "${M[@]}" --data "$work/in/empty.jsonl" --out "$work/out/x.json"
  expect_error $cmd "does not fit model" "${M[@]}" --data "$fx/test.jsonl" --spec "$qspec" --out "$work/out/x.json"
  expect_error $cmd "model directory '$work/in/no-model' does not exist" --model "$work/in/no-model" --data "$fx/test.jsonl" --out "$work/out/x.json"
done
expect_error annotate "cannot read '$work/in/missing.jsonl'" "${M[@]}" --data "$work/in/missing.jsonl" --out "$work/out/x.jsonl"
expect_error annotate "malformed_prompts.jsonl:2: not valid JSON" "${M[@]}" --data "$work/in/malformed_prompts.jsonl" --out "$work/out/x.jsonl"
expect_error annotate "no prompts (the dataset is empty)" "${M[@]}" --data "$work/in/empty.jsonl" --out "$work/out/x.jsonl"
expect_error annotate "does not fit model" "${M[@]}" --data "$fx/prompts.jsonl" --spec "$qspec" --out "$work/out/x.jsonl"
expect_error report "cannot read '$work/in/missing.json'" --eval "$work/in/missing.json" --out "$work/out/r.html"
expect_error report "not valid JSON" --eval "$work/in/malformed.jsonl" --out "$work/out/r.html"
expect_error report "does not fit model" --eval "$work/in/eval.json" --spec "$qspec" --model "$model" --out "$work/out/r.html"
expect_error report "trials.jsonl:1: not a JSON object" --eval "$work/in/eval.json" --trials "$work/in/trials.jsonl" --out "$work/out/r.html"
expect_error demo "the model '$work/in/no-model' is missing" --model "$work/in/no-model" --validation "$fx/validation.jsonl" --test "$fx/test.jsonl" --out "$work/out/d"
expect_error demo "malformed.jsonl:3: not valid JSON" "${M[@]}" --validation "$work/in/malformed.jsonl" --test "$fx/test.jsonl" --out "$work/out/d"
expect_error demo "malformed.jsonl:3: not valid JSON" "${M[@]}" --validation "$fx/validation.jsonl" --test "$work/in/malformed.jsonl" --out "$work/out/d"
expect_error demo "dataset is empty" "${M[@]}" --validation "$work/in/empty.jsonl" --test "$fx/test.jsonl" --out "$work/out/d"
if [ ! -e "$root/models/cirm-tiny-rm" ]; then
  expect_error demo "the bundled model '$root/models/cirm-tiny-rm' is missing" --out "$work/out/d"
fi
echo "$n bad-input runs, $failures failures"
[ "$failures" -eq 0 ]
