#pragma once
/// \file
/// The text side of a model directory in the Hugging Face layout: `tokenizer.json` (the
/// tokenizer, io/tokenizer_json.hpp), `tokenizer_config.json` (the chat template and the special
/// tokens), `special_tokens_map.json` where present, and `chat_template.jinja` where present.
/// load_sample_format reads them into the sample_format that turns (prompt, response) into the
/// ids the model scores (text/sample_format.hpp). The files can also come from memory
/// (model_text_files, sample_format_of): a GGUF made by cirm convert carries them.
///
/// tokenizer_config.json, fields read: `chat_template` (a string, or a list of {"name",
/// "template"} of which the one named "default" is used), `bos_token`, `eos_token`, `pad_token`,
/// `unk_token` (a string, null, or an object with "content", as transformers writes added
/// tokens). Other fields are left alone. special_tokens_map.json gives the special tokens that
/// tokenizer_config.json does not name. chat_template.jinja, where present, is the template (as
/// transformers saves it since 4.43) and takes the place of tokenizer_config.json's.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/io/tokenizer_json.hpp"
#include "cirm/text/chat_template.hpp"
#include "cirm/text/hf_tokenizer.hpp"
#include "cirm/text/sample_format.hpp"

namespace cirm {

/// What tokenizer_config.json (and special_tokens_map.json) say about the text of a model.
struct tokenizer_config {
    std::optional<std::string> chat_template;  ///< the Jinja source, if the file has one
    std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
};

namespace detail {

/// A special token as transformers writes it: "text", null, or {"content": "text", ...}.
inline std::optional<std::string> special_token_field(const nlohmann::json& json, const char* field,
                                                      const std::string& source) {
    const auto it = json.find(field);
    if (it == json.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object()) {
        const auto content = it->find("content");
        if (content != it->end() && content->is_string()) return content->get<std::string>();
    }
    throw error(source + ": '" + field + "' must be a string, null or an object with a string 'content' (found " +
                it->dump() + ")");
}

inline void read_special_tokens(const nlohmann::json& json, tokenizer_config& into, const std::string& source) {
    auto fill = [&](std::optional<std::string>& slot, const char* field) {
        if (!slot) slot = special_token_field(json, field, source);
    };
    fill(into.bos_token, "bos_token");
    fill(into.eos_token, "eos_token");
    fill(into.pad_token, "pad_token");
    fill(into.unk_token, "unk_token");
}

}  // namespace detail

/// Parses the text of a tokenizer_config.json; `source` names the file in errors.
inline tokenizer_config parse_tokenizer_config(std::string_view text,
                                               const std::string& source = "tokenizer_config.json") {
    const auto json = parse_strict_json(text, source);
    if (!json.is_object()) throw error(source + ": not a JSON object");
    tokenizer_config config;
    detail::read_special_tokens(json, config, source);
    const auto it = json.find("chat_template");
    if (it == json.end() || it->is_null()) return config;
    if (it->is_string()) {
        config.chat_template = it->get<std::string>();
        return config;
    }
    if (!it->is_array())
        throw error(source + ": 'chat_template' must be a string or a list of {\"name\", \"template\"} (found " +
                    std::string(it->type_name()) + ")");
    std::string names;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const auto& entry = (*it)[i];
        const auto where = source + ": chat_template[" + std::to_string(i) + "]";
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
            !entry.contains("template") || !entry["template"].is_string())
            throw error(where + " must be an object with string fields 'name' and 'template'");
        const auto& name = entry["name"].get_ref<const std::string&>();
        names += (names.empty() ? "" : ", ") + name;
        if (name == "default") config.chat_template = entry["template"].get<std::string>();
    }
    if (!config.chat_template)
        throw error(source + ": 'chat_template' lists the templates " + names +
                    " but none named 'default' (the one rendered for scoring)");
    return config;
}

/// The text files of a model in the Hugging Face layout, held in memory: read from a directory,
/// or carried elsewhere (a GGUF made by cirm convert embeds them). Errors name a file as
/// where(name): "DIR/tokenizer.json" for a directory, "FILE.gguf [tokenizer.json]" otherwise.
struct model_text_files {
    /// The file names a model's text is read from (the ones present are kept).
    static constexpr const char* names[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                            "chat_template.jinja"};
    std::string source;                                      ///< the directory, or the file that carries the texts
    bool directory = true;                                   ///< whether `source` is a directory
    std::vector<std::pair<std::string, std::string>> files;  ///< (name, text) of each file present

    /// The text of `name`, or nullptr where the model has no such file.
    const std::string* find(std::string_view name) const noexcept {
        for (const auto& [n, text] : files)
            if (n == name) return &text;
        return nullptr;
    }
    /// How errors name the file `name`.
    std::string where(std::string_view name) const {
        return directory ? (std::filesystem::path(source) / name).string() : source + " [" + std::string(name) + "]";
    }
};

/// Reads the files of model_text_files::names that exist in `directory`.
inline model_text_files read_model_text_files(const std::filesystem::path& directory) {
    model_text_files texts;
    texts.source = directory.string();
    std::error_code ec;
    for (const char* name : model_text_files::names)
        if (std::filesystem::exists(directory / name, ec)) texts.files.emplace_back(name, read_file(directory / name));
    return texts;
}

/// tokenizer_config.json (required), with the special tokens it does not name filled from
/// special_tokens_map.json and the template of chat_template.jinja where those files exist.
inline tokenizer_config tokenizer_config_of(const model_text_files& texts) {
    const std::string* config_text = texts.find("tokenizer_config.json");
    if (!config_text)
        throw error(texts.source + ": no tokenizer_config.json (the Hugging Face layout needs it: the chat "
                                   "template and the special tokens)");
    auto config = parse_tokenizer_config(*config_text, texts.where("tokenizer_config.json"));
    if (const std::string* map_text = texts.find("special_tokens_map.json")) {
        const auto map_path = texts.where("special_tokens_map.json");
        const auto json = parse_strict_json(*map_text, map_path);
        if (!json.is_object()) throw error(map_path + ": not a JSON object");
        detail::read_special_tokens(json, config, map_path);
    }
    if (const std::string* jinja = texts.find("chat_template.jinja")) config.chat_template = *jinja;
    return config;
}

/// Reads DIR/tokenizer_config.json (required), then fills the special tokens it does not name
/// from DIR/special_tokens_map.json and takes the template of DIR/chat_template.jinja where
/// those files exist.
inline tokenizer_config load_tokenizer_config(const std::filesystem::path& directory) {
    return tokenizer_config_of(read_model_text_files(directory));
}

/// How samples are formatted for one model: settings plus an optional user format replacing
/// the model's chat template.
struct sample_format_options {
    std::optional<std::string> user_template;  ///< text with {prompt} and {response} (and maybe {system})
    sample_format_settings settings;
};

/// The tokenizer and template of a model's text files, as the model scores samples. Without a
/// user template the model's chat template is required; it must parse (a construct the renderer
/// does not implement is an error naming it, with the advice to pass a user format).
inline sample_format sample_format_of(const model_text_files& texts, const sample_format_options& options = {}) {
    const std::string* tokenizer_text = texts.find("tokenizer.json");
    if (!tokenizer_text) throw error(texts.source + ": no tokenizer.json (the Hugging Face layout needs it)");
    auto tokenizer =
        std::make_shared<const hf_tokenizer>(parse_tokenizer_json(*tokenizer_text, texts.where("tokenizer.json")));
    const auto config = tokenizer_config_of(texts);

    chat_render_options tokens;
    tokens.bos_token = config.bos_token.value_or("");
    tokens.eos_token = config.eos_token.value_or("");

    if (options.user_template)
        return sample_format(std::move(tokenizer), user_format(*options.user_template), std::move(tokens),
                             options.settings, "--template");
    const auto origin = texts.find("chat_template.jinja") ? texts.where("chat_template.jinja")
                                                          : texts.where("tokenizer_config.json") + ": chat_template";
    if (!config.chat_template)
        throw error(texts.source +
                    ": the model has no chat template (tokenizer_config.json has no 'chat_template'); give the "
                    "format of its inputs as a template with {prompt} and {response} (--template)");
    try {
        return sample_format(std::move(tokenizer), chat_template(*config.chat_template, origin), std::move(tokens),
                             options.settings, origin);
    } catch (const error& e) {
        throw error(std::string(e.what()) +
                    " (the chat template cannot be rendered exactly here; give the format of the model's inputs "
                    "as a template with {prompt} and {response} instead: --template)");
    }
}

/// The tokenizer and template of the model in `directory` (sample_format_of its text files).
inline sample_format load_sample_format(const std::filesystem::path& directory,
                                        const sample_format_options& options = {}) {
    return sample_format_of(read_model_text_files(directory), options);
}

}  // namespace cirm
