#!/usr/bin/env bash
# `cirm inspect` on the bundled model: the shape it reports (4 layers, 7 sites each, 5120
# neurons: models/cirm-tiny-rm/README.md) and the ids of an example pair, written out by hand from
# the model's files (byte-level: "H" = 72, "i" = 105, "\n" = 10, "Y" = 89, "o" = 111; <bos> 256,
# <|user|> 257, <|assistant|> 258, <eos> 259); then a user format and a system message.
# Usage: e2e_inspect.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
bin="$1"; root="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
model="$root/models/cirm-tiny-rm"
py=/usr/bin/python3
[ -x "$py" ] || { echo "skipped: Debian's /usr/bin/python3 is absent"; exit 77; }

"$bin" inspect --model "$model" --prompt Hi --response Yo --json >"$work/inspect.json"
"$py" - "$work/inspect.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
want = {"layers": 4, "sites": 28, "neurons": 5120, "vocab_size": 264}
for k, v in want.items():
    assert j[k] == v, f"{k}: {j[k]} != {v}"
ex = j["example"]
assert ex["text"] == "<bos><|user|>Hi\n<|assistant|>Yo<eos>", repr(ex["text"])
assert ex["ids"] == [256, 257, 72, 105, 10, 258, 89, 111, 259], ex["ids"]
assert ex["tokens"][0] == "<bos>" and ex["tokens"][4] == "\u010a", ex["tokens"]  # "\n" is GPT-2's "Ċ"
assert "tokenizer_config.json" in j["template"], j["template"]
# parameters: embeddings 264x128, 4 layers of (q 128x128, k and v 128x64, o 128x128, gate/up/down 3x128x384,
# two norms), final norm, score head: 821,504 (models/cirm-tiny-rm/README.md)
assert j["parameters"] == 821504, j["parameters"]
PY

"$bin" inspect --model "$model" --prompt Hi --response Yo --template '<bos>Q:{prompt} A:{response}' --json >"$work/format.json"
"$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["example"]["ids"] == [256,81,58,72,105,32,65,58,89,111], j["example"]["ids"]; assert j["template"] == "--template"' "$work/format.json"

# the text form names the same things
"$bin" inspect --model "$model" >"$work/inspect.txt"
for what in "LlamaForSequenceClassification" "neurons       5120" "rendered text" "(special)"; do
  grep -qF -- "$what" "$work/inspect.txt" || { echo "FAIL: inspect's text lacks '$what'"; cat "$work/inspect.txt"; exit 1; }
done
echo "inspect: shape, ids and the user format as derived by hand"
