#!/usr/bin/python3
"""PyTorch peer of the reference engine's forward-pass benchmark.

    bench/peers/torch_forward.py make MODEL_DIR [--shape llama_d512|qwen3_0.6b]
    bench/peers/torch_forward.py time MODEL_DIR [--threads 2] [--samples 16] [--tokens 200]

`make` writes a reward model with random weights with the same generator as the engine's test
peer (tools/peers/llama_rm_peer.py): `llama_d512` (the default) is Llama-family, F32, GQA 8/4
heads, 4 layers, hidden 512, intermediate 1376; `qwen3_0.6b` has the shape of Qwen3-0.6B
(Skywork-Reward-V2-Qwen3-0.6B): 28 layers, hidden 1024, 16/8 heads of 128 (2 x hidden/heads),
q_norm/k_norm, intermediate 3072, rope_theta 1e6, F32 (1.8 GB). Both use a byte-level tokenizer
(vocabulary 264 or 262 instead of 151936) to keep the files small: the embedding lookup and the
score head do not depend on the vocabulary size, so the forward's cost is that of the real shape. `time` runs that peer's independent PyTorch forward
over `samples` deterministic texts of about `tokens` tokens each, one sequence at a time, with
`threads` intra-op threads, and prints as JSON the best and the median of `repeats` passes (tokens/s)
and a hash of the ids (the one bench/llamacpp/engines.cpp prints). The C++ side is
bench/reference_forward.cpp (and bench/llamacpp/engines.cpp) on the same model, texts and thread
count.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "peers"))
import llama_rm_peer as peer  # noqa: E402

BENCH_MODEL = {
    "name": "bench_llama_d512",
    "seed": 20261127,
    "dtype": "F32",
    "shards": 1,
    "config": {
        "architectures": ["LlamaForSequenceClassification"],
        "model_type": "llama",
        "hidden_size": 512,
        "intermediate_size": 1376,
        "num_hidden_layers": 4,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "rms_norm_eps": 1e-5,
        "rope_theta": 500000.0,
        "vocab_size": 264,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": False,
        "attention_bias": False,
        "hidden_act": "silu",
        "num_labels": 1,
        "pad_token_id": 257,
    },
    "tokenizer": peer.MODELS[0]["tokenizer"],
}

BENCH_QWEN3 = {
    "name": "bench_qwen3_0.6b",
    "seed": 20261206,
    "dtype": "F32",
    "shards": 1,
    "config": {
        "architectures": ["Qwen3ForSequenceClassification"],
        "model_type": "qwen3",
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "vocab_size": 262,
        "max_position_embeddings": 40960,
        "tie_word_embeddings": True,
        "attention_bias": False,
        "use_sliding_window": False,
        "hidden_act": "silu",
        "num_labels": 1,
        "pad_token_id": 258,
    },
    "tokenizer": peer.MODELS[1]["tokenizer"],  # byte-level, with Qwen's <|im_start|>/<|im_end|>
}

SHAPES = {"llama_d512": BENCH_MODEL, "qwen3_0.6b": BENCH_QWEN3}


def bench_texts(samples, tokens):
    """The same texts as the C++ benchmarks (bench/forward_texts.hpp): sample i repeats a fixed
    sentence with i in it until prompt and response come to about `tokens` bytes."""
    out = []
    for i in range(samples):
        prompt = f"Question {i}: how long is a piece of string?"
        sentence = f"Answer {i} says it depends on the string. "
        response = (sentence * (tokens // len(sentence) + 1))[: max(1, tokens - len(prompt) - 8)]
        out.append((prompt, response))
    return out


def ids_fnv1a(seqs):
    """FNV-1a (64 bits) over every sequence's length and then its ids, each as 4 little-endian
    bytes: the hash bench/llamacpp/engines.cpp prints, so that both sides' ids can be compared."""
    h = 0xCBF29CE484222325
    for seq in seqs:
        for word in [len(seq), *seq]:
            for byte in int(word).to_bytes(4, "little", signed=word < 0):
                h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["make", "time"])
    ap.add_argument("model_dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="llama_d512", help="make: which model")
    args = ap.parse_args()

    if args.command == "make":
        peer.write_model(SHAPES[args.shape], args.model_dir)
        print(f"wrote {args.model_dir}")
        return

    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.model_dir, "config.json")))
    W = peer.read_weights(args.model_dir)
    seqs = [peer.encode(args.model_dir, p, r) for p, r in bench_texts(args.samples, args.tokens)]
    total_tokens = sum(len(s) for s in seqs)
    passes = []
    with torch.inference_mode():
        peer.forward(cfg, W, seqs[0], peer.no_hook)  # warm-up
        for _ in range(args.repeats):
            start = time.perf_counter()
            for s in seqs:
                peer.forward(cfg, W, s, peer.no_hook)
            passes.append(time.perf_counter() - start)
    best = min(passes)
    middle = statistics.median(passes)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": args.threads,
                      "samples": args.samples, "tokens": total_tokens, "ids_fnv1a": ids_fnv1a(seqs),
                      "seconds": best, "tokens_per_second": total_tokens / best, "pass_seconds": passes,
                      "median_seconds": middle, "median_tokens_per_second": total_tokens / middle}))


if __name__ == "__main__":
    main()
