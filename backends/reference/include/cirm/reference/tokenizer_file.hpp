#pragma once
/// \file
/// Reads `cirm_tokenizer.json`, the file in a model directory that says how text becomes tokens
/// and how a prompt and a response are laid out in one sequence. Format (all keys required, no
/// others allowed):
///
///     {
///       "type": "byte",
///       "specials": {"<bos>": 256, "<|user|>": 257, "<|assistant|>": 258, "<eos>": 259},
///       "template": [
///         {"special": "<bos>"}, {"special": "<|user|>"}, {"slot": "prompt"},
///         {"text": "\n"}, {"special": "<|assistant|>"}, {"slot": "response"},
///         {"special": "<eos>"}
///       ]
///     }
///
/// - "type": the tokenizer. "byte" (byte_tokenizer): UTF-8 bytes are ids 0–255. Another kind (a
///   BPE vocabulary) is added as another value here and another `tokenizer` implementation.
/// - "specials": special token name → id (for "byte": ids ≥ 256, distinct; may be empty).
/// - "template": the pieces of one sequence, in order. Each piece is an object with exactly one
///   key: "special" (a name from "specials"), "text" (fixed text, tokenized like user text), or
///   "slot" ("prompt" or "response", each exactly once).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/reference/prompt_template.hpp"
#include "cirm/reference/tokenizer.hpp"

namespace cirm::reference {

/// The file name the engine looks for in a model directory.
inline constexpr std::string_view tokenizer_file_name = "cirm_tokenizer.json";

/// A model's tokenizer and template, as read from its files.
struct tokenizer_setup {
    std::shared_ptr<const tokenizer> tokens;
    prompt_template format;
};

namespace detail {
[[noreturn]] inline void tokenizer_file_error(const std::string& source, const std::string& what) {
    throw error(source + ": " + what);
}
}  // namespace detail

/// Parses the text of a cirm_tokenizer.json; `source` names the file in error messages.
inline tokenizer_setup parse_tokenizer_file(std::string_view text, const std::string& source = "cirm_tokenizer.json") {
    auto fail = [&source](const std::string& what) { detail::tokenizer_file_error(source, what); };
    const auto json = parse_strict_json(text, source);
    if (!json.is_object()) fail("not a JSON object");
    for (const auto& [key, value] : json.items())
        if (key != "type" && key != "specials" && key != "template") fail("unknown key '" + key + "'");
    for (const char* key : {"type", "specials", "template"})
        if (!json.contains(key)) fail(std::string("missing key '") + key + "'");

    if (!json["type"].is_string()) fail("'type' must be a string");
    const auto& type = json["type"].get_ref<const std::string&>();
    if (type != "byte") fail("tokenizer type '" + type + "' is not supported (\"byte\" is)");

    if (!json["specials"].is_object()) fail("'specials' must be an object of name → id");
    std::map<std::string, std::int32_t, std::less<>> specials;
    for (const auto& [name, id] : json["specials"].items()) {
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > INT32_MAX)
            fail("special token '" + name + "' must have a non-negative integer id (found " + id.dump() + ")");
        specials.emplace(name, static_cast<std::int32_t>(id.get<std::int64_t>()));
    }

    if (!json["template"].is_array()) fail("'template' must be a list of pieces");
    std::vector<template_piece> pieces;
    std::size_t index = 0;
    for (const auto& piece : json["template"]) {
        const std::string where = "template[" + std::to_string(index++) + "]";
        if (!piece.is_object() || piece.size() != 1)
            fail(where + " must be an object with one key: special, text or slot (found " + piece.dump() + ")");
        const auto entry = piece.begin();
        const std::string key = entry.key();
        const nlohmann::json& value = entry.value();
        if (!value.is_string()) fail(where + "." + key + " must be a string");
        const auto& v = value.get_ref<const std::string&>();
        if (key == "special") {
            pieces.push_back({template_piece::kind::special, v});
        } else if (key == "text") {
            pieces.push_back({template_piece::kind::text, v});
        } else if (key == "slot") {
            if (v == "prompt")
                pieces.push_back({template_piece::kind::prompt, {}});
            else if (v == "response")
                pieces.push_back({template_piece::kind::response, {}});
            else
                fail(where + " names slot '" + v + "' (prompt or response exist)");
        } else {
            fail(where + " has unknown key '" + key + "' (special, text or slot)");
        }
    }

    try {
        auto tok = std::make_shared<const byte_tokenizer>(std::move(specials));
        prompt_template format(std::move(pieces));
        format.check_against(*tok);
        return {std::move(tok), std::move(format)};
    } catch (const error& e) {
        throw error(source + ": " + e.what());
    }
}

/// Reads `directory`/cirm_tokenizer.json.
inline tokenizer_setup load_tokenizer_file(const std::filesystem::path& directory) {
    const auto path = directory / tokenizer_file_name;
    return parse_tokenizer_file(read_file(path), path.string());
}

}  // namespace cirm::reference
