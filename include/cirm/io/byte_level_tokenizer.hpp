#pragma once
/// \file
/// Writes the tokenizer.json of a byte-level vocabulary: the UTF-8 bytes of the text are the ids
/// 0–255, and special tokens (added tokens, special = true) have ids from 256 up. It is an
/// ordinary Hugging Face file — a BPE model without merges over the 256 byte symbols of the
/// ByteLevel pre-tokenizer (GPT-2's byte-to-character table), the byte symbol of byte b having
/// id b — so the bundled model and the test models go through the same tokenizer code as real
/// reward models, and Hugging Face's libraries read the file too.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/text/pre_tokenizer.hpp"

namespace cirm {

/// The text of a byte-level tokenizer.json with these special tokens (name → id; ids ≥ 256,
/// distinct, names non-empty).
inline std::string byte_level_tokenizer_json(const std::map<std::string, std::int32_t>& specials) {
    std::map<std::int32_t, std::string> by_id;
    for (const auto& [name, id] : specials) {
        if (name.empty()) throw error("byte-level tokenizer: a special token has an empty name");
        if (id < 256)
            throw error("byte-level tokenizer: special token '" + name + "' has id " + std::to_string(id) +
                        ", but ids 0-255 are the bytes");
        if (!by_id.emplace(id, name).second)
            throw error("byte-level tokenizer: two special tokens share id " + std::to_string(id));
    }
    nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
    for (unsigned b = 0; b < 256; ++b) vocab[detail::byte_level_alphabet()[b]] = b;
    nlohmann::ordered_json added = nlohmann::ordered_json::array();
    for (const auto& [id, name] : by_id)
        added.push_back({{"id", id},
                         {"content", name},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", false},
                         {"special", true}});
    nlohmann::ordered_json file;
    file["version"] = "1.0";
    file["truncation"] = nullptr;
    file["padding"] = nullptr;
    file["added_tokens"] = added;
    file["normalizer"] = nullptr;
    file["pre_tokenizer"] = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
    file["post_processor"] = nullptr;
    file["decoder"] = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
    file["model"] = {{"type", "BPE"},
                     {"dropout", nullptr},
                     {"unk_token", nullptr},
                     {"continuing_subword_prefix", nullptr},
                     {"end_of_word_suffix", nullptr},
                     {"fuse_unk", false},
                     {"byte_fallback", false},
                     {"ignore_merges", false},
                     {"vocab", vocab},
                     {"merges", nlohmann::ordered_json::array()}};
    return file.dump(2) + "\n";
}

/// The text of a tokenizer_config.json with a chat template and the named special tokens (an
/// empty name leaves the field null).
inline std::string tokenizer_config_json(const std::string& chat_template, const std::string& bos_token,
                                         const std::string& eos_token, const std::string& pad_token) {
    auto token = [](const std::string& t) {
        return t.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t);
    };
    nlohmann::ordered_json config;
    config["bos_token"] = token(bos_token);
    config["eos_token"] = token(eos_token);
    config["pad_token"] = token(pad_token);
    config["add_bos_token"] = false;
    config["chat_template"] = chat_template;
    config["tokenizer_class"] = "PreTrainedTokenizerFast";
    return config.dump(2) + "\n";
}

}  // namespace cirm
