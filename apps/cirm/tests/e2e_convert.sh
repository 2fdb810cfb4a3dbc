#!/usr/bin/env bash
# `cirm convert` on the bundled model. With the llama.cpp backend: the GGUF file is written (magic
# "GGUF"), --json names the architecture, the type, 38 tensors (4 layers of 9, the embedding and
# the final norm) and 264 tokens, BF16 about halves the file, and an unknown --type or a missing
# directory fails with a message and writes nothing. Without the backend: the command fails and
# says how to build it.
# Usage: e2e_convert.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
bin="$1"; root="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
model="$root/models/cirm-tiny-rm"
fail() { echo "e2e_convert: $*" >&2; exit 1; }

if "$bin" convert --model "$model" --out "$work/f32.gguf" --json >"$work/f32.json" 2>"$work/err.txt"; then
  [ "$(head -c 4 "$work/f32.gguf")" = "GGUF" ] || fail "the file does not start with GGUF"
  for want in '"architecture":"llama"' '"type":"f32"' '"tensors":38' '"tokens":264' '"tokenizer_model":"gpt2"'; do
    grep -q "$want" "$work/f32.json" || fail "--json lacks $want: $(cat "$work/f32.json")"
  done
  "$bin" convert --model "$model" --out "$work/bf16.gguf" --type bf16 >"$work/bf16.txt"
  grep -q "(bf16)" "$work/bf16.txt" || fail "the summary does not name bf16: $(cat "$work/bf16.txt")"
  f32=$(stat -c %s "$work/f32.gguf"); bf16=$(stat -c %s "$work/bf16.gguf")
  [ $((bf16 * 10)) -lt $((f32 * 6)) ] || fail "bf16 file ($bf16 bytes) is not about half the f32 one ($f32)"
  if "$bin" convert --model "$model" --out "$work/q4.gguf" --type q4 2>"$work/err.txt"; then fail "--type q4 was accepted"; fi
  grep -q "unknown GGUF type 'q4'" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
  if "$bin" convert --model "$work/none" --out "$work/none.gguf" 2>"$work/err.txt"; then fail "a missing directory was accepted"; fi
  grep -q "does not exist" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
  [ ! -e "$work/q4.gguf" ] && [ ! -e "$work/none.gguf" ] || fail "a refused conversion wrote a file"
else
  grep -q "DCIRM_WITH_LLAMACPP=ON" "$work/err.txt" || fail "convert failed without saying how to build it: $(cat "$work/err.txt")"
  [ ! -e "$work/f32.gguf" ] || fail "a refused conversion wrote a file"
fi
echo "e2e_convert: ok"
