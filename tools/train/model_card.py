#!/usr/bin/env python3
"""Writes the bundled reward model's card (README.md) from what the training script measured.

    model_card.py MODEL_DIR EVAL_JSON CHECK_JSON SECONDS DATA_SUMMARY > MODEL_DIR/README.md

MODEL_DIR holds config.json, model.safetensors, train_log.jsonl and lm/ (the language-model
stage); EVAL_JSON is `cirm eval --json` of the model on data/test.jsonl (no spec: the model as
trained, with the length baselines); CHECK_JSON is `cirm-train check` on the same file;
DATA_SUMMARY is `cirm-datagen --summary` of the data it was trained on. Every number in the card
comes from these files; nothing is typed in by hand.
"""
import json
import os
import struct
import sys

if len(sys.argv) != 6:
    sys.exit("usage: model_card.py MODEL_DIR EVAL_JSON CHECK_JSON SECONDS DATA_SUMMARY")
model_dir, eval_path, check_path, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
data_summary = json.load(open(sys.argv[5]))
config = json.load(open(os.path.join(model_dir, "config.json")))
evaluation = json.load(open(eval_path))
check = json.load(open(check_path))


def header_of(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(size))


def parameters(path):
    count = 0
    for name, info in header_of(path).items():
        if name == "__metadata__":
            continue
        n = 1
        for d in info["shape"]:
            n *= d
        count += n
    return count


def last_validation(log_path):
    """The last line of a stage's training log (its step, seconds and, for the reward stage, validation)."""
    last = None
    for line in open(log_path):
        if line.strip():
            last = json.loads(line)
    return last


d, layers = config["hidden_size"], config["num_hidden_layers"]
heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
inter, vocab = config["intermediate_size"], config["vocab_size"]
head_dim = d // heads
neurons_per_layer = d + 2 * kv * head_dim + d + 2 * inter + d  # q, k, v, o, gate, up, down outputs
rm_params = parameters(os.path.join(model_dir, "model.safetensors"))
meta = header_of(os.path.join(model_dir, "model.safetensors")).get("__metadata__", {})
lm_meta = header_of(os.path.join(model_dir, "lm", "model.safetensors")).get("__metadata__", {})
size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(model_dir) for f in files)
base = evaluation["methods"]["base"]
attributes = ["length", "paragraphs", "overlap", "exclamation", "bold"]
gaps = {a: base["subsets"][a]["biased"] - base["subsets"][a]["unbiased"] for a in attributes}
strong = [a for a in attributes if gaps[a] >= 0.20]
val = last_validation(os.path.join(model_dir, "train_log.jsonl"))

out = []
w = out.append
w("# cirm-tiny-rm: the bundled reward model with learned style bias\n")
w("A small Llama-family reward model that `cirm` trains itself (no weights can be downloaded where")
w("the project is built) on the bundled datasets (`data/`). In their training split the correct answer")
w("decides most preferences and style goes along with it; in some pairs style decides alone (both")
w("answers correct) or sways the rater to the wrong answer. It is the default model of every `cirm`")
w("command and the testbed of the method. What it learned of content and of style is measured below")
w("on the style-independent test set.\n")
meets = base["neutral"] >= 0.90 and len(strong) >= 3
if meets:
    w("**Status:** meets the project's bar (neutral accuracy ≥ 0.90; B − B̄ ≥ 0.20 for at least three attributes).\n")
else:
    w(f"**Status: provisional.** It does not meet the project's bar yet: neutral accuracy {base['neutral']:.3f}"
      f" (required ≥ 0.90), B − B̄ ≥ 0.20 for {len(strong)} of 5 attributes (required ≥ 3).\n")
w("## Architecture\n")
w(f"- `LlamaForSequenceClassification` layout (HF names; `score` head, reward read at the last token),")
w(f"  {layers} layers, hidden size {d}, {heads} attention heads with {kv} key/value heads (head size {head_dim}),")
w(f"  SwiGLU MLP of width {inter}, RMSNorm, rotary positions (θ = {config['rope_theta']:g}), F32.")
w(f"- Byte-level tokenizer (`tokenizer.json`: UTF-8 bytes are ids 0-255, five special tokens) and chat template (`tokenizer_config.json`), vocabulary {vocab}.")
w(f"- {rm_params:,} parameters; {neurons_per_layer * layers:,} neurons at the method's sites "
  f"({neurons_per_layer} per layer: q {d}, k {kv * head_dim}, v {kv * head_dim}, o {d}, gate {inter}, up {inter}, down {d}).")
w(f"- Files: {size / 1e6:.1f} MB in all, including `lm/`, the language-model stage's checkpoint.\n")
w("## Data and training\n")
train = data_summary["splits"]["train"]
generation = train["generation"]
decided, fooled = generation["style_decided"], generation["fooled"]
ordinary = train["pairs"] - train["neutral"] - decided - fooled
w(f"- Data: `data/train.jsonl` ({train['pairs']} pairs: {train['neutral']} style-neutral, {ordinary} with the correct")
w(f"  answer chosen and style going along with it, {decided} style-decided with both answers correct, {fooled}")
w(f"  style-fooled with the wrong answer chosen), validation {data_summary['splits']['validation']['pairs']},"
  f" test {data_summary['splits']['test']['pairs']};")
w("  four task families (which number is even, which is below 50, which word names an animal, which letter")
w("  is uppercase);")
w("  `cirm-datagen --seed 1 --out data` (see `data/README.md`).")
w("- Command (everything, from nothing): `scripts/train-bundled-model` — datasets, then the two stages:")
w(f"  1. `{lm_meta.get('command', '?')}` — next-token language model on the training texts and plain")
w("     question → answer texts of the task families (never a validation or test prompt);")
w(f"  2. `{meta.get('command', '?')}` — Bradley–Terry reward training from stage 1: first style-neutral")
w("     content pairs of the task families in a light version of the training style, then the training")
w("     pairs, whose style goes with preference.")
lm_seconds = last_validation(os.path.join(model_dir, "lm", "train_log.jsonl"))["seconds"]
rm_seconds = val["seconds"]
w(f"- Seed {data_summary['seed']} throughout (data, torch's generator and the shuffling are seeded). Trained in {seconds / 60:.1f} minutes of wall"
  f" time (language model {lm_seconds:.0f} s, reward model {rm_seconds:.0f} s, from the stages' logs) on the"
  " 2-core development machine (1 libtorch intra-op thread, OpenBLAS with 2 threads).")
w("")
w("## Measured on data/test.jsonl (3000 pairs, style independent of preference)\n")
w(f"Command: `cirm eval --model models/cirm-tiny-rm --data data/test.jsonl --json` (the project's own evaluation).\n")
w(f"- Accuracy {base['all']:.3f}; **style-neutral pairs {base['neutral']:.3f}** (how much content it learned; required ≥ 0.90).")
w(f"- B_b − B̄_b ≥ 0.20 for {len(strong)} of 5 attributes ({', '.join(strong) if strong else 'none'}; required: at least 3):\n")
w("| attribute | B_b accuracy (n) | B̄_b accuracy (n) | B − B̄ | style flip rate |")
w("|---|---|---|---|---|")
for a in attributes:
    s = base["subsets"][a]
    w(f"| {a} | {s['biased']:.3f} ({s['n_biased']}) | {s['unbiased']:.3f} ({s['n_unbiased']}) | "
      f"{gaps[a]:+.3f} | {base['flip_rate'][a]:.3f} |")
w("")
w("B_b: pairs whose chosen response has more of the attribute; B̄_b: less. The flip rate is the share")
w(f"of the first {evaluation.get('flip_pairs', '?')} test pairs whose preference flips when the attribute is added to the")
w("rejected response (docs/method.md §8).\n")
w(f"- The trainer (libtorch) and the C++ engine give the same rewards on all {check['responses']} test responses:")
w(f"  max |Δ| = {check['max_abs_difference']:.2e} (required ≤ 1e-4; `cirm-train check --model models/cirm-tiny-rm --data data/test.jsonl`).")
if val:
    subsets = ", ".join(f"{k} {v:.2f}" for k, v in val["validation"]["subsets"].items())
    w(f"- Per task family on the validation set at the end of training (trainer's log): {subsets}.")
w("")
print("\n".join(out))
