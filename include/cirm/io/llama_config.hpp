#pragma once
/// \file
/// Reads a Hugging Face `config.json` into the shape of a Llama-family model (cirm/llama_layout.hpp):
/// the one reader that the reference engine, the libtorch module and the trainer use.
///
/// Fields read (HF names): hidden_size, intermediate_size, num_hidden_layers,
/// num_attention_heads, vocab_size, rms_norm_eps (required); num_key_value_heads (default: the
/// number of heads), head_dim (default hidden_size / num_attention_heads, which must then divide
/// evenly), rope_theta (default 10000), max_position_embeddings (default 2048),
/// tie_word_embeddings, attention_bias, mlp_bias (default false), pad_token_id (default none),
/// model_type ("llama" or "qwen2", default "llama"), hidden_act (must be "silu" if given),
/// architectures (if given, must name a *ForSequenceClassification for a reward model, a
/// *ForCausalLM for a language model), rope_scaling and use_sliding_window (must be absent, null
/// or false: not supported). A null value counts as absent. Other fields are ignored. The shape
/// read is then checked by check_llama_config.
///
/// Which projections carry a bias follows the model types: Llama puts `attention_bias` on q, k,
/// v and o and `mlp_bias` on gate, up and down; Qwen2 always has q, k, v biases and none on o or
/// the MLP. tie_word_embeddings is read and kept, but changes nothing for a sequence classifier:
/// it has no language-model head to tie.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/llama_layout.hpp"

namespace cirm {

/// The head a checkpoint is expected to carry, as its `architectures` names it.
enum class llama_head {
    score,           ///< a reward model: *ForSequenceClassification (one label, the reward)
    language_model,  ///< a language model: *ForCausalLM
};

namespace detail {

/// Typed access to the fields of one config.json; every error starts with the file and names
/// the field.
class llama_config_fields {
public:
    llama_config_fields(const nlohmann::json& json, std::string source) : json_(json), source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& what) const { throw error(source_ + ": " + what); }
    const std::string& source() const noexcept { return source_; }

    const nlohmann::json* find(const char* field) const {
        auto it = json_.find(field);
        if (it == json_.end() || it->is_null()) return nullptr;
        return &*it;
    }
    const nlohmann::json& require(const char* field) const {
        if (const auto* value = find(field)) return *value;
        fail(std::string("missing field '") + field + "'");
    }
    /// A positive integer; sizes above max_llama_size are left to check_llama_config.
    std::size_t positive_integer(const char* field, const nlohmann::json& value) const {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
            fail(std::string("field '") + field + "' must be a positive integer (found " + value.dump() + ")");
        return static_cast<std::size_t>(value.get<std::uint64_t>());
    }
    std::size_t positive_integer(const char* field) const { return positive_integer(field, require(field)); }
    std::size_t positive_integer_or(const char* field, std::size_t fallback) const {
        const auto* value = find(field);
        return value ? positive_integer(field, *value) : fallback;
    }
    double positive_number(const char* field, const nlohmann::json& value) const {
        if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0.0)
            fail(std::string("field '") + field + "' must be a positive number (found " + value.dump() + ")");
        return value.get<double>();
    }
    double positive_number_or(const char* field, double fallback) const {
        const auto* value = find(field);
        return value ? positive_number(field, *value) : fallback;
    }
    bool boolean_or(const char* field, bool fallback) const {
        const auto* value = find(field);
        if (!value) return fallback;
        if (!value->is_boolean())
            fail(std::string("field '") + field + "' must be true or false (found " + value->dump() + ")");
        return value->get<bool>();
    }
    std::string string_or(const char* field, std::string fallback) const {
        const auto* value = find(field);
        if (!value) return fallback;
        if (!value->is_string())
            fail(std::string("field '") + field + "' must be a string (found " + value->dump() + ")");
        return value->get<std::string>();
    }

    /// Refuses `architectures` when given and naming no class of the expected head.
    void check_architectures(llama_head head) const {
        const auto* architectures = find("architectures");
        if (!architectures) return;
        if (!architectures->is_array()) fail("field 'architectures' must be a list of strings");
        const std::string_view suffix = head == llama_head::score ? "ForSequenceClassification" : "ForCausalLM";
        bool named = false;
        for (const auto& a : *architectures) {
            if (!a.is_string()) fail("field 'architectures' must be a list of strings (found " + a.dump() + ")");
            const auto& name = a.get_ref<const std::string&>();
            if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                named = true;
        }
        if (!named)
            fail("architectures " + architectures->dump() + " names no *" + std::string(suffix) +
                 (head == llama_head::score ? ": not a reward model with a score head" : ": not a language model"));
    }

private:
    const nlohmann::json& json_;
    std::string source_;
};

}  // namespace detail

/// Parses the text of a config.json. `source` names the file in error messages; every error
/// names the field that is wrong. `head` is what `architectures`, when given, must name.
inline llama_config parse_llama_config(std::string_view text, const std::string& source = "config.json",
                                       llama_head head = llama_head::score) {
    const auto json = parse_strict_json(text, source, {}, "field");
    if (!json.is_object()) throw error(source + ": not a JSON object");
    const detail::llama_config_fields read(json, source);

    llama_config c;
    c.model_type = read.string_or("model_type", "llama");
    check_llama_model_type(c.model_type, source);
    read.check_architectures(head);
    if (const auto act = read.string_or("hidden_act", "silu"); act != "silu")
        read.fail("hidden_act '" + act + "' is not supported (the engine implements silu)");
    if (read.find("rope_scaling")) read.fail("field 'rope_scaling' is set; rotary scaling is not supported");
    if (read.boolean_or("use_sliding_window", false))
        read.fail("field 'use_sliding_window' is true; sliding-window attention is not supported");

    c.hidden_size = read.positive_integer("hidden_size");
    c.intermediate_size = read.positive_integer("intermediate_size");
    c.num_hidden_layers = read.positive_integer("num_hidden_layers");
    c.num_attention_heads = read.positive_integer("num_attention_heads");
    c.num_key_value_heads = read.positive_integer_or("num_key_value_heads", c.num_attention_heads);
    c.vocab_size = read.positive_integer("vocab_size");
    c.max_position_embeddings = read.positive_integer_or("max_position_embeddings", 2048);
    c.rms_norm_eps = read.positive_number("rms_norm_eps", read.require("rms_norm_eps"));
    c.rope_theta = read.positive_number_or("rope_theta", 10000.0);
    c.tie_word_embeddings = read.boolean_or("tie_word_embeddings", false);
    if (const auto* pad = read.find("pad_token_id")) {
        if (!pad->is_number_unsigned() || pad->get<std::uint64_t>() > INT32_MAX)
            read.fail("field 'pad_token_id' must be a non-negative integer (found " + pad->dump() + ")");
        c.pad_token_id = static_cast<std::int32_t>(pad->get<std::uint64_t>());
    }
    if (read.find("head_dim"))
        c.head_dim = read.positive_integer("head_dim");
    else
        derive_head_dim(c, source);

    if (c.model_type == "qwen2") {
        c.qkv_bias = true;
        c.o_bias = false;
        c.mlp_bias = false;
    } else {
        c.qkv_bias = c.o_bias = read.boolean_or("attention_bias", false);
        c.mlp_bias = read.boolean_or("mlp_bias", false);
    }
    check_llama_config(c, source);
    return c;
}

/// Reads and parses a config.json file (see parse_llama_config).
inline llama_config load_llama_config(const std::filesystem::path& path, llama_head head = llama_head::score) {
    return parse_llama_config(read_file(path), path.string(), head);
}

}  // namespace cirm
