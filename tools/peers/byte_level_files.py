"""The tokenizer.json and tokenizer_config.json of a byte-level vocabulary (the UTF-8 bytes are
ids 0-255, special tokens from 256 up) with a chat template, written independently of the C++
writer (include/cirm/io/byte_level_tokenizer.hpp), and the peer's own encoder for them: the chat
template rendered by Jinja2 (the renderer transformers uses, with its settings), then the added
tokens split out of the text and the rest taken as bytes."""

import json
import os


def _byte_symbols():
    """GPT-2's ByteLevel table: byte -> character."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def tokenizer_json(specials):
    """specials: name -> id (>= 256)."""
    symbols = _byte_symbols()
    added = [{"id": i, "content": name, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for name, i in sorted(specials.items(), key=lambda kv: kv[1])]
    level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": level, "post_processor": None, "decoder": level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {symbols[b]: b for b in range(256)}, "merges": []},
    }


def tokenizer_config(chat_template, bos, eos, pad):
    return {"bos_token": bos, "eos_token": eos, "pad_token": pad, "add_bos_token": False,
            "chat_template": chat_template, "tokenizer_class": "PreTrainedTokenizerFast"}


def write(model_dir, specials, chat_template, bos, eos, pad):
    for name, content in (("tokenizer.json", tokenizer_json(specials)),
                          ("tokenizer_config.json", tokenizer_config(chat_template, bos, eos, pad))):
        with open(os.path.join(model_dir, name), "w", encoding="utf-8") as f:
            f.write(json.dumps(content, indent=2, ensure_ascii=False) + "\n")


def encode(model_dir, prompt, response):
    """The ids of (prompt, response) as the model scores them."""
    import jinja2
    import jinja2.sandbox

    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    assert tok["pre_tokenizer"]["type"] == "ByteLevel" and not tok["model"]["merges"], "not a byte-level file"

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    text = env.from_string(cfg["chat_template"]).render(
        messages=[{"role": "user", "content": prompt}, {"role": "assistant", "content": response}],
        bos_token=cfg["bos_token"] or "", eos_token=cfg["eos_token"] or "", add_generation_prompt=False)
    specials = {t["content"]: t["id"] for t in tok["added_tokens"]}
    ids, i = [], 0
    while i < len(text):
        # the longest added token starting here (none of these files has overlapping ones)
        hit = max((s for s in specials if text.startswith(s, i)), key=len, default=None)
        if hit:
            ids.append(specials[hit])
            i += len(hit)
        else:
            ids += list(text[i].encode("utf-8"))
            i += 1
    return ids
