#!/usr/bin/python3
"""Independent PyTorch peer of cirm's reference reward-model engine.

It (1) generates small random-weight Llama-family reward models deterministically from a seed
(config.json, safetensors written by this script, tokenizer.json and tokenizer_config.json), (2) runs its own forward
pass in float32 -- embedding, RMSNorm, rotary embeddings (Hugging Face rotate_half convention),
grouped-query causal attention by repeating key/value heads, SiLU-gated MLP, score head at the
last token -- with hooks at every q/k/v/o/gate/up/down projection output, and (3) records rewards,
rewards under neuron pins (last token and all positions) and last-token activations into a JSON
file per model that the C++ tests compare against. "Last token" is the token the score is read
at: the last one that is not the config's pad_token_id, as Hugging Face pools.

Usage (from the repository root, with Debian's python3-torch):
    tools/peers/llama_rm_peer.py generate   # rewrite tests/fixtures/reference/ from the seeds
    tools/peers/llama_rm_peer.py check      # recompute from the checked-in model files and
                                            # compare with the recorded outputs
    tools/peers/llama_rm_peer.py record MODEL_DIR OUT.json
                                            # the same outputs for any model directory in the
                                            # same layout (e.g. the bundled model)

The forward here shares no code with the C++ engine; it reads the same files.
"""

import argparse
import json
import math
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import byte_level_files  # noqa: E402  (beside this script)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "reference")

# ---------------------------------------------------------------------------------------------
# Model definitions (what `generate` writes)
# ---------------------------------------------------------------------------------------------

MODELS = [
    {
        # The main check: GQA, rope_theta != 10000, BF16-stored weights, 3 layers.
        "name": "tiny_llama_gqa_bf16",
        "seed": 20240601,
        "dtype": "BF16",
        "shards": 1,
        "config": {
            "architectures": ["LlamaForSequenceClassification"],
            "model_type": "llama",
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-5,
            "rope_theta": 50000.0,
            "vocab_size": 264,
            "max_position_embeddings": 256,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "hidden_act": "silu",
            "num_labels": 1,
            "pad_token_id": 257,
        },
        "tokenizer": {
            "specials": {"<bos>": 256, "<eos>": 257, "<|user|>": 258, "<|assistant|>": 259},
            "bos": "<bos>", "eos": "<eos>", "pad": "<eos>",
            "chat_template": "{{ bos_token }}{% for message in messages %}"
                             "{% if message['role'] == 'user' %}{{ '<|user|>' + message['content'] + '\\n' }}"
                             "{% else %}{{ '<|assistant|>' + message['content'] + eos_token }}{% endif %}"
                             "{% endfor %}",
        },
    },
    {
        # Qwen2 style: q/k/v biases, one key/value head (multi-query), tied embeddings, F16.
        "name": "tiny_qwen2_bias_f16",
        "seed": 7,
        "dtype": "F16",
        "shards": 1,
        "config": {
            "architectures": ["Qwen2ForSequenceClassification"],
            "model_type": "qwen2",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 1,
            "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0,
            "vocab_size": 262,
            "max_position_embeddings": 512,
            "tie_word_embeddings": True,
            "pad_token_id": 258,
            "use_sliding_window": False,
            "hidden_act": "silu",
        },
        "tokenizer": {
            "specials": {"<|im_start|>": 256, "<|im_end|>": 257, "<|endoftext|>": 258},
            "bos": None, "eos": "<|im_end|>", "pad": "<|endoftext|>",
            "chat_template": "{% for message in messages %}"
                             "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}"
                             "{% if not loop.last %}{{ '\\n' }}{% endif %}{% endfor %}",
        },
    },
    {
        # Llama with attention_bias (q, k, v and o) and mlp_bias, F32, split over two shards.
        "name": "tiny_llama_sharded_f32",
        "seed": 99,
        "dtype": "F32",
        "shards": 2,
        "config": {
            "architectures": ["LlamaForSequenceClassification"],
            "model_type": "llama",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-6,
            "vocab_size": 259,
            "max_position_embeddings": 300,
            "attention_bias": True,
            "mlp_bias": True,
        },
        "tokenizer": {
            "specials": {"<s>": 256, "</s>": 257},
            "bos": "<s>", "eos": "</s>", "pad": None,
            "chat_template": "{{ bos_token }}{% for message in messages %}"
                             "{% if message['role'] == 'user' %}{{ 'Q: ' + message['content'] + '\\n' }}"
                             "{% else %}{{ 'A: ' + message['content'] }}{% endif %}{% endfor %}",
        },
    },
]

SAMPLES = [
    {"prompt": "What is 2+2?", "response": "4"},
    {"prompt": "Say hi.", "response": "Hello! **Hi** there!!\n\nHow are you?"},
    {"prompt": "\u00dcbersetze: good morning", "response": "Guten Morgen \u2014 sch\u00f6ne Gr\u00fc\u00dfe! \u65e5\u672c\u8a9e\u3082\u3067\u304d\u307e\u3059 \U0001F642"},
    {"prompt": "", "response": ""},
    {
        "prompt": "Write a list.",
        "response": "- one\n- two\n- three\n\n1. alpha\n2. beta\n3. gamma\n\n"
        "That is **all** I have to say about lists, really. Thanks for asking!",
    },
    {"prompt": "Tell me about <bos> tokens", "response": "Special names like <eos> in text stay plain bytes."},
    {"prompt": "One letter, please.", "response": "x"},
]

# Samples whose last-token activations of every site are recorded.
ACTIVATION_SAMPLES = [0, 2, 4]


def interventions_for(cfg):
    """Pins to record: (name, positions, [(site, indices, values)]). Indices stay inside each
    site's width for every model above."""
    L = cfg["num_hidden_layers"]
    last = L - 1

    def s(layer, kind):
        group = "self_attn" if kind in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
        return f"model.layers.{layer}.{group}.{kind}"

    return [
        ("q_before_rotary", "last", [(s(0, "q_proj"), [1, 17], [2.5, -3.0])]),
        ("k_last", "last", [(s(1, "k_proj"), [0, 5], [25.0, -25.0])]),
        ("v_last", "last", [(s(last, "v_proj"), [3], [15.0])]),
        ("o_last", "last", [(s(0, "o_proj"), [10, 20], [5.0, -5.0])]),
        ("gate_last", "last", [(s(1, "gate_proj"), [7, 50, 63], [3.0, -3.0, 8.0])]),
        ("up_last", "last", [(s(0, "up_proj"), [0, 63], [-6.0, 6.0])]),
        ("down_last", "last", [(s(last, "down_proj"), [31], [10.0])]),
        ("multi_last", "last", [(s(0, "up_proj"), [5], [4.0]), (s(1, "q_proj"), [9], [-5.0]),
                                (s(last, "gate_proj"), [1], [7.0])]),
        ("up_all", "all", [(s(0, "up_proj"), [0, 63], [-6.0, 6.0])]),
        ("k_all", "all", [(s(1, "k_proj"), [0, 5], [25.0, -25.0])]),
        ("multi_all", "all", [(s(0, "up_proj"), [5], [4.0]), (s(1, "q_proj"), [9], [-5.0]),
                              (s(last, "gate_proj"), [1], [7.0])]),
    ]


# ---------------------------------------------------------------------------------------------
# safetensors, written and read here (torch 1.13 has no safetensors module)
# ---------------------------------------------------------------------------------------------

TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
INT_VIEWS = {"F32": torch.int32, "F16": torch.int16, "BF16": torch.int16}


def tensor_bytes(t, dtype_name):
    t = t.to(TORCH_DTYPES[dtype_name]).contiguous()
    # numpy has no bfloat16: go through an integer view of the same width (little-endian host).
    return t.view(INT_VIEWS[dtype_name]).numpy().tobytes()


def write_safetensors(path, named_tensors, dtype_name):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in named_tensors:
        data = tensor_bytes(t, dtype_name)
        header[name] = {"dtype": dtype_name, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=TORCH_DTYPES[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).to(torch.float32)
    return out


def read_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        index = json.load(f)
    weights = {}
    for shard in sorted(set(index["weight_map"].values())):
        weights.update(read_safetensors(os.path.join(model_dir, shard)))
    return weights


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------

def biases(cfg):
    """(q/k/v bias, o bias, mlp bias) as each model type defines them."""
    if cfg.get("model_type") == "qwen2":
        return True, False, False
    attention = bool(cfg.get("attention_bias", False))
    return attention, attention, bool(cfg.get("mlp_bias", False))


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def random_tensors(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nh, nkv, d = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"]), head_dim(cfg)
    qkv_bias, o_bias, mlp_bias = biases(cfg)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=g, dtype=torch.float32) * scale

    def linear(name, out_f, in_f, bias):
        t = [(name + ".weight", randn(out_f, in_f, scale=1.0 / math.sqrt(in_f)))]
        if bias:
            t.append((name + ".bias", randn(out_f, scale=0.1)))
        return t

    tensors = [("model.embed_tokens.weight", randn(V, H))]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        tensors.append((p + "input_layernorm.weight", 1.0 + randn(H, scale=0.1)))
        tensors += linear(p + "self_attn.q_proj", nh * d, H, qkv_bias)
        tensors += linear(p + "self_attn.k_proj", nkv * d, H, qkv_bias)
        tensors += linear(p + "self_attn.v_proj", nkv * d, H, qkv_bias)
        tensors += linear(p + "self_attn.o_proj", H, nh * d, o_bias)
        tensors.append((p + "post_attention_layernorm.weight", 1.0 + randn(H, scale=0.1)))
        tensors += linear(p + "mlp.gate_proj", I, H, mlp_bias)
        tensors += linear(p + "mlp.up_proj", I, H, mlp_bias)
        tensors += linear(p + "mlp.down_proj", H, I, mlp_bias)
    tensors.append(("model.norm.weight", 1.0 + randn(H, scale=0.1)))
    tensors.append(("score.weight", randn(1, H, scale=1.0 / math.sqrt(H))))
    return tensors


def write_model(spec, model_dir):
    os.makedirs(model_dir, exist_ok=True)
    for stale in os.listdir(model_dir):
        if stale.endswith(".safetensors") or stale.endswith(".json"):
            os.remove(os.path.join(model_dir, stale))
    cfg = spec["config"]
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_tokenizer_files(spec, model_dir)
    tensors = random_tensors(cfg, spec["seed"])
    if spec["shards"] == 1:
        write_safetensors(os.path.join(model_dir, "model.safetensors"), tensors, spec["dtype"])
        return
    n = spec["shards"]
    per_shard = math.ceil(len(tensors) / n)
    weight_map = {}
    for i in range(n):
        shard = f"model-{i + 1:05d}-of-{n:05d}.safetensors"
        part = tensors[i * per_shard:(i + 1) * per_shard]
        write_safetensors(os.path.join(model_dir, shard), part, spec["dtype"])
        for name, _ in part:
            weight_map[name] = shard
    with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() for _, t in tensors) * 4}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------
# Tokenization and the forward pass (independent of the C++ engine)
# ---------------------------------------------------------------------------------------------

def write_tokenizer_files(spec, model_dir):
    t = spec["tokenizer"]
    byte_level_files.write(model_dir, t["specials"], t["chat_template"], t["bos"], t["eos"], t["pad"])


def encode(model_dir, prompt, response):
    """The ids of (prompt, response): the chat template rendered by Jinja2, bytes and added tokens."""
    return byte_level_files.encode(model_dir, prompt, response)


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def score_index(cfg, ids):
    """Where the score is read: the last token that is not the pad token (as Hugging Face's
    *ForSequenceClassification pools), or the last token when the config has no pad token."""
    pad = cfg.get("pad_token_id")
    keep = [i for i, t in enumerate(ids) if pad is None or t != pad]
    if not keep:
        raise ValueError("a sequence of padding only")
    return keep[-1]


def forward(cfg, W, ids, hook):
    """Reward of one token sequence, read at score_index. hook(site_name, tensor T × width,
    read) returns the tensor the model goes on with (it may change it); `read` is the row the
    score is read at."""
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    d = head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta", 10000.0)
    qkv_bias, o_bias, mlp_bias = biases(cfg)
    T = len(ids)
    read = score_index(cfg, ids)

    def lin(name, x, bias):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if bias else y

    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    angles = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
    cos, sin = torch.cat((angles, angles), -1).cos(), torch.cat((angles, angles), -1).sin()
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)

    x = W["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = hook(p + "self_attn.q_proj", lin(p + "self_attn.q_proj", h, qkv_bias), read)
        k = hook(p + "self_attn.k_proj", lin(p + "self_attn.k_proj", h, qkv_bias), read)
        v = hook(p + "self_attn.v_proj", lin(p + "self_attn.v_proj", h, qkv_bias), read)
        q = q.view(T, nh, d).transpose(0, 1)
        k = k.view(T, nkv, d).transpose(0, 1)
        v = v.view(T, nkv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        scores = (q @ k.transpose(1, 2)) / math.sqrt(d)
        scores = scores.masked_fill(future, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        a = a.transpose(0, 1).reshape(T, nh * d)
        x = x + hook(p + "self_attn.o_proj", lin(p + "self_attn.o_proj", a, o_bias), read)
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = hook(p + "mlp.gate_proj", lin(p + "mlp.gate_proj", h, mlp_bias), read)
        u = hook(p + "mlp.up_proj", lin(p + "mlp.up_proj", h, mlp_bias), read)
        x = x + hook(p + "mlp.down_proj", lin(p + "mlp.down_proj", torch.nn.functional.silu(g) * u, mlp_bias), read)
    x = rms_norm(x, W["model.norm.weight"], eps)
    logits = x @ W["score.weight"].T
    return float(logits[read, 0])


def no_hook(name, t, read):
    return t


def pin_hook(pins, positions):
    by_site = {site: (idx, vals) for site, idx, vals in pins}

    def hook(name, t, read):
        if name not in by_site:
            return t
        t = t.clone()
        idx, vals = by_site[name]
        rows = slice(None) if positions == "all" else slice(read, read + 1)
        for i, value in zip(idx, vals):
            t[rows, i] = value
        return t

    return hook


def record_hook(store):
    def hook(name, t, read):
        store[name] = [float(v) for v in t[read]]
        return t

    return hook


def compute_outputs(spec, model_dir):
    """Rewards, pinned rewards and activations of the model in model_dir; `spec` only labels the
    provenance."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    W = read_weights(model_dir)
    samples = []
    for s in SAMPLES:
        ids = encode(model_dir, s["prompt"], s["response"])
        samples.append({"prompt": s["prompt"], "response": s["response"], "tokens": ids,
                        "score_index": score_index(cfg, ids), "reward": forward(cfg, W, ids, no_hook)})
    interventions = []
    for name, positions, pins in interventions_for(cfg):
        hook = pin_hook(pins, positions)
        interventions.append({
            "name": name,
            "positions": positions,
            "sites": [{"site": site, "indices": idx, "values": vals} for site, idx, vals in pins],
            "rewards": [forward(cfg, W, s["tokens"], hook) for s in samples],
        })
    activations = []
    for i in ACTIVATION_SAMPLES:
        store = {}
        forward(cfg, W, samples[i]["tokens"], record_hook(store))
        activations.append({"sample": i, "sites": store})
    return {
        "provenance": {
            "generator": "tools/peers/llama_rm_peer.py",
            "reference": "independent float32 PyTorch forward of LlamaForSequenceClassification / "
                         "Qwen2ForSequenceClassification (eager attention, repeat_interleave for GQA)",
            "torch": torch.__version__,
            "model": spec["name"],
            "seed": spec["seed"],
            "stored_dtype": spec["dtype"],
        },
        "samples": samples,
        "interventions": interventions,
        "activations": activations,
    }


def outputs_path(spec):
    return os.path.join(FIXTURES, spec["name"] + ".peer.json")


def compact_json(outputs):
    """The outputs with one line per top-level list entry (small files, readable diffs)."""
    lines = ["{"]
    keys = list(outputs)
    for n, key in enumerate(keys):
        value = outputs[key]
        comma = "," if n + 1 < len(keys) else ""
        if isinstance(value, list):
            lines.append(f" {json.dumps(key)}: [")
            for i, entry in enumerate(value):
                lines.append("  " + json.dumps(entry, ensure_ascii=False, separators=(",", ":")) +
                             ("," if i + 1 < len(value) else ""))
            lines.append(" ]" + comma)
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate():
    torch.set_num_threads(1)
    for spec in MODELS:
        model_dir = os.path.join(FIXTURES, spec["name"])
        write_model(spec, model_dir)
        outputs = compute_outputs(spec, model_dir)
        with open(outputs_path(spec), "w", encoding="utf-8") as f:
            f.write(compact_json(outputs))
        print(f"wrote {model_dir} and {outputs_path(spec)}")


def check(tolerance):
    torch.set_num_threads(1)
    worst = 0.0
    for spec in MODELS:
        model_dir = os.path.join(FIXTURES, spec["name"])
        with open(outputs_path(spec), encoding="utf-8") as f:
            recorded = json.load(f)
        fresh = compute_outputs(spec, model_dir)
        pairs = [(a["reward"], b["reward"]) for a, b in zip(recorded["samples"], fresh["samples"])]
        for a, b in zip(recorded["interventions"], fresh["interventions"]):
            pairs += list(zip(a["rewards"], b["rewards"]))
        for a, b in zip(recorded["activations"], fresh["activations"]):
            for site in a["sites"]:
                pairs += list(zip(a["sites"][site], b["sites"][site]))
        for a, b in zip(recorded["samples"], fresh["samples"]):
            if a["tokens"] != b["tokens"]:
                sys.exit(f"{spec['name']}: tokens of a sample differ from the recorded ones")
        diff = max(abs(a - b) for a, b in pairs)
        worst = max(worst, diff)
        print(f"{spec['name']}: {len(pairs)} values, largest difference {diff:.3g}")
    if worst > tolerance:
        sys.exit(f"recorded outputs differ from a fresh run by {worst:.3g} > {tolerance}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "check", "record"])
    parser.add_argument("paths", nargs="*", help="record: MODEL_DIR OUT.json")
    parser.add_argument("--tolerance", type=float, default=1e-6, help="check: largest allowed difference")
    args = parser.parse_args()
    if args.command == "generate":
        generate()
    elif args.command == "check":
        check(args.tolerance)
    else:
        if len(args.paths) != 2:
            parser.error("record needs MODEL_DIR and OUT.json")
        torch.set_num_threads(1)
        model_dir, out = args.paths
        label = {"name": os.path.basename(os.path.normpath(model_dir)), "seed": None, "dtype": "as stored"}
        with open(out, "w", encoding="utf-8") as f:
            f.write(compact_json(compute_outputs(label, model_dir)))


if __name__ == "__main__":
    main()
