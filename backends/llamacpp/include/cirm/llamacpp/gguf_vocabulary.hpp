#pragma once
/// \file
/// The tokenizer of a Hugging Face model directory (tokenizer.json, tokenizer_config.json) as
/// llama.cpp's GGUF loader reads it (the `tokenizer.ggml.*` keys and `tokenizer.chat_template`):
///   - a byte-level BPE tokenizer (a ByteLevel pre-tokenizer or decoder) becomes llama.cpp's
///     "gpt2" model: tokens, token types and merges ("left right"), with the pre-tokenizer named
///     by the model type: "llama-bpe" for a Llama whose pre-tokenizer splits with a regular
///     expression (Llama-3), "qwen2" for Qwen2 and Qwen3, and "default" for a tokenizer without
///     merges (each byte its own token, so no split changes the ids: the bundled model);
///   - a SentencePiece-style BPE (byte fallback, spaces written as ▁: Gemma) becomes llama.cpp's
///     "llama" model, whose merges are driven by scores: a token made by a merge scores minus the
///     rank of that merge (plus one), so that the earliest merge wins as in Hugging Face's BPE, and
///     a token no merge makes scores below all of them; `<0xHH>`
///     tokens are bytes, and no space is prefixed.
/// Added tokens are control tokens (special) or user-defined ones (not special); ids the
/// tokenizer leaves unnamed below the model's vocab_size become unused `[PAD<id>]` tokens, so that
/// the vocabulary has one token per embedding row. A tokenizer llama.cpp has no model for is an
/// error naming what is unsupported.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <llama.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/llama_layout.hpp"

namespace cirm::llamacpp {

/// A tokenizer in the terms of llama.cpp's GGUF vocabulary.
struct gguf_vocabulary {
    std::string model;  ///< tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece-style)
    std::string pre;    ///< tokenizer.ggml.pre (gpt2 only)
    std::vector<std::string> tokens;
    std::vector<std::int32_t> types;  ///< llama_token_type of each token
    std::vector<float> scores;        ///< "llama" only: one per token
    std::vector<std::string> merges;  ///< "gpt2" only: "left right", by rank
    std::optional<std::int32_t> bos, eos, pad, unk;
    std::optional<std::string> chat_template;
};

namespace detail {

inline std::string json_text(const nlohmann::json& j) { return j.dump().substr(0, 120); }

/// Whether a pre-tokenizer or decoder (or a Sequence of them) contains one of type `type`.
inline bool contains_step(const nlohmann::json& step, const std::string& type) {
    if (!step.is_object()) return false;
    if (step.value("type", "") == type) return true;
    for (const char* list : {"pretokenizers", "decoders", "normalizers"}) {
        const auto it = step.find(list);
        if (it != step.end() && it->is_array())
            for (const auto& inner : *it)
                if (contains_step(inner, type)) return true;
    }
    return false;
}

/// The id of a special token named by tokenizer_config.json, or none when it is not named.
inline std::optional<std::int32_t> special_id(const std::optional<std::string>& content,
                                              const std::map<std::string, std::int32_t>& ids, const char* role,
                                              const std::string& source) {
    if (!content) return std::nullopt;
    const auto it = ids.find(*content);
    if (it == ids.end())
        throw error(source + ": the " + role + " token '" + *content + "' is not in the tokenizer's vocabulary");
    return it->second;
}

}  // namespace detail

/// Reads the tokenizer of the model in `directory` (tokenizer.json and tokenizer_config.json)
/// for a model of `config`. Throws cirm::error naming what llama.cpp cannot represent.
inline gguf_vocabulary read_gguf_vocabulary(const std::filesystem::path& directory, const llama_config& config) {
    const auto path = directory / "tokenizer.json";
    const std::string source = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw error(directory.string() + ": no tokenizer.json");
    const auto json = nlohmann::json::parse(read_file(path), nullptr, false);
    if (json.is_discarded() || !json.is_object()) throw error(source + ": not a JSON object");
    const auto model_it = json.find("model");
    if (model_it == json.end() || !model_it->is_object()) throw error(source + ": no object 'model'");
    const auto& model = *model_it;
    const std::string model_type = model.value("type", "");
    if (model_type != "BPE")
        throw error(source + ": tokenizer model '" + model_type +
                    "' is not supported for GGUF conversion (byte-level BPE and SentencePiece-style BPE are)");
    const auto vocab_it = model.find("vocab");
    if (vocab_it == model.end() || !vocab_it->is_object()) throw error(source + ": model.vocab is not an object");

    gguf_vocabulary v;
    const std::size_t n = config.vocab_size;
    std::vector<std::optional<std::string>> named(n);
    std::map<std::string, std::int32_t> ids;
    auto name = [&](const std::string& token, const nlohmann::json& id_json, const char* where) {
        if (!id_json.is_number_unsigned())
            throw error(source + ": " + where + " '" + token + "' has no non-negative integer id");
        const auto id = id_json.get<std::uint64_t>();
        if (id >= n)
            throw error(source + ": " + where + " '" + token + "' has id " + std::to_string(id) +
                        ", beyond the model's vocab_size " + std::to_string(n));
        named[id] = token;
        ids[token] = static_cast<std::int32_t>(id);
    };
    for (const auto& [token, id] : vocab_it->items()) name(token, id, "token");
    v.types.assign(n, LLAMA_TOKEN_TYPE_NORMAL);
    if (const auto added = json.find("added_tokens"); added != json.end() && added->is_array())
        for (const auto& a : *added) {
            if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id"))
                throw error(source +
                            ": an added_tokens entry is not {\"id\", \"content\", ...}: " + detail::json_text(a));
            const auto& content = a["content"].get_ref<const std::string&>();
            name(content, a["id"], "added token");
            v.types[static_cast<std::size_t>(ids[content])] =
                a.value("special", false) ? LLAMA_TOKEN_TYPE_CONTROL : LLAMA_TOKEN_TYPE_USER_DEFINED;
        }
    v.tokens.resize(n);
    for (std::size_t id = 0; id < n; ++id) {
        if (named[id]) {
            v.tokens[id] = *named[id];
        } else {
            v.tokens[id] = "[PAD" + std::to_string(id) + "]";
            v.types[id] = LLAMA_TOKEN_TYPE_UNUSED;
        }
    }

    // merges, as "left right" in rank order (tokenizer.json writes strings or two-string lists)
    std::vector<std::pair<std::string, std::string>> merges;
    if (const auto m = model.find("merges"); m != model.end() && !m->is_null()) {
        if (!m->is_array()) throw error(source + ": model.merges is not a list");
        merges.reserve(m->size());
        for (const auto& entry : *m) {
            if (entry.is_string()) {
                const auto& text = entry.get_ref<const std::string&>();
                const auto space = text.find(' ', 1);
                if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
                    throw error(source + ": merge '" + text + "' is not two tokens separated by one space");
                merges.emplace_back(text.substr(0, space), text.substr(space + 1));
            } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
                merges.emplace_back(entry[0].get<std::string>(), entry[1].get<std::string>());
            } else {
                throw error(source + ": merge " + detail::json_text(entry) + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
    }

    const nlohmann::json none;
    const auto& pre = json.contains("pre_tokenizer") ? json["pre_tokenizer"] : none;
    const auto& decoder = json.contains("decoder") ? json["decoder"] : none;
    const auto& normalizer = json.contains("normalizer") ? json["normalizer"] : none;
    const bool byte_level = detail::contains_step(pre, "ByteLevel") || detail::contains_step(decoder, "ByteLevel");
    const bool byte_fallback = model.value("byte_fallback", false);
    if (byte_level) {
        v.model = "gpt2";
        const bool splits = detail::contains_step(pre, "Split");
        if (merges.empty())
            v.pre = "default";  // one token per byte: no split can change the ids
        else if (splits && config.model_type == "llama")
            v.pre = "llama-bpe";
        else if (splits && (config.model_type == "qwen2" || config.model_type == "qwen3"))
            v.pre = "qwen2";
        else
            throw error(source + ": the pre-tokenizer " + detail::json_text(pre) + " of a " + config.model_type +
                        " model has no llama.cpp equivalent here (Llama-3's and Qwen's are supported)");
        v.merges.reserve(merges.size());
        for (const auto& [left, right] : merges) v.merges.push_back(left + " " + right);
    } else if (byte_fallback && detail::contains_step(normalizer, "Replace")) {
        // SentencePiece-style: the text is one piece with spaces as ▁; merges by score.
        v.model = "llama";
        // a token no merge makes (a single character, a byte, an added token) scores below every
        // merge: Hugging Face's BPE never forms it from two pieces
        v.scores.assign(n, -static_cast<float>(merges.size() + 1));
        std::vector<char> scored(n, 0);
        for (std::size_t rank = 0; rank < merges.size(); ++rank) {
            const auto it = ids.find(merges[rank].first + merges[rank].second);
            if (it == ids.end())
                throw error(source + ": merge '" + merges[rank].first + " " + merges[rank].second +
                            "' makes a token that is not in the vocabulary");
            const auto id = static_cast<std::size_t>(it->second);
            if (!scored[id]) {
                v.scores[id] = -static_cast<float>(rank + 1);
                scored[id] = 1;
            }
        }
        for (std::size_t id = 0; id < n; ++id) {
            const auto& t = v.tokens[id];
            if (v.types[id] == LLAMA_TOKEN_TYPE_NORMAL && t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>')
                v.types[id] = LLAMA_TOKEN_TYPE_BYTE;
        }
        if (const auto unk = model.find("unk_token"); unk != model.end() && unk->is_string()) {
            const auto it = ids.find(unk->get<std::string>());
            if (it != ids.end()) {
                v.unk = it->second;
                v.types[static_cast<std::size_t>(it->second)] = LLAMA_TOKEN_TYPE_UNKNOWN;
            }
        }
    } else {
        throw error(source + ": a BPE tokenizer that is neither byte-level nor SentencePiece-style (byte fallback "
                             "with ▁ for spaces) is not supported for GGUF conversion");
    }

    const auto tokenizer_config = load_tokenizer_config(directory);
    const auto config_source = (directory / "tokenizer_config.json").string();
    v.bos = detail::special_id(tokenizer_config.bos_token, ids, "bos", config_source);
    v.eos = detail::special_id(tokenizer_config.eos_token, ids, "eos", config_source);
    v.pad = config.pad_token_id ? config.pad_token_id
                                : detail::special_id(tokenizer_config.pad_token, ids, "pad", config_source);
    v.chat_template = tokenizer_config.chat_template;
    return v;
}

}  // namespace cirm::llamacpp
