#pragma once
/// \file
/// The architecture of a Llama-family reward model, read from its Hugging Face `config.json`.
///
/// Fields read (HF names): hidden_size, intermediate_size, num_hidden_layers,
/// num_attention_heads, vocab_size, rms_norm_eps (required); num_key_value_heads (default: the
/// number of heads), head_dim (default hidden_size / num_attention_heads), rope_theta (default
/// 10000), max_position_embeddings (default 2048), tie_word_embeddings, attention_bias, mlp_bias
/// (default false), pad_token_id (default none), model_type ("llama" or "qwen2", default
/// "llama"), hidden_act (must be
/// "silu" if given), architectures (must name a *ForSequenceClassification if given),
/// rope_scaling and use_sliding_window (must be absent, null or false: not supported). A null
/// value counts as absent. Other fields are ignored.
///
/// Which projections carry a bias follows the model types: Llama puts `attention_bias` on q, k,
/// v and o and `mlp_bias` on gate, up and down; Qwen2 always has q, k, v biases and none on o or
/// the MLP. tie_word_embeddings is read and kept, but changes nothing for a sequence classifier:
/// it has no language-model head to tie.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"

namespace cirm::reference {

/// The shape of the network, with every derived size checked for consistency.
struct llama_config {
    std::string model_type = "llama";
    std::size_t hidden_size = 0;
    std::size_t intermediate_size = 0;
    std::size_t num_hidden_layers = 0;
    std::size_t num_attention_heads = 0;
    std::size_t num_key_value_heads = 0;
    std::size_t head_dim = 0;
    std::size_t vocab_size = 0;
    std::size_t max_position_embeddings = 2048;
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    bool tie_word_embeddings = false;
    /// The padding token: the score is read at the last token that is not this one (as
    /// Hugging Face's *ForSequenceClassification pools).
    std::optional<std::int32_t> pad_token_id;
    bool qkv_bias = false;  ///< q_proj, k_proj and v_proj have a bias
    bool o_bias = false;    ///< o_proj has a bias
    bool mlp_bias = false;  ///< gate_proj, up_proj and down_proj have a bias

    /// Width of the q_proj output (and of the attention output that o_proj reads).
    std::size_t q_width() const noexcept { return num_attention_heads * head_dim; }
    /// Width of the k_proj and v_proj outputs.
    std::size_t kv_width() const noexcept { return num_key_value_heads * head_dim; }
    /// Query heads that share one key/value head (grouped-query attention).
    std::size_t heads_per_kv_head() const noexcept { return num_attention_heads / num_key_value_heads; }
};

namespace detail {

/// Sizes above this are refused, so that products of two sizes never overflow 64 bits.
inline constexpr std::uint64_t max_config_size = std::uint64_t{1} << 31;

class config_reader {
public:
    config_reader(const nlohmann::json& json, std::string source) : json_(json), source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& what) const { throw error(source_ + ": " + what); }

    const nlohmann::json* find(const char* field) const {
        auto it = json_.find(field);
        if (it == json_.end() || it->is_null()) return nullptr;
        return &*it;
    }
    const nlohmann::json& require(const char* field) const {
        if (const auto* value = find(field)) return *value;
        fail(std::string("missing field '") + field + "'");
    }
    std::size_t positive_integer(const char* field, const nlohmann::json& value) const {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
            fail(std::string("field '") + field + "' must be a positive integer (found " + value.dump() + ")");
        const auto v = value.get<std::uint64_t>();
        if (v > max_config_size)
            fail(std::string("field '") + field + "' is " + std::to_string(v) + ", above the supported limit of " +
                 std::to_string(max_config_size));
        return static_cast<std::size_t>(v);
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
        if (!value->is_boolean()) fail(std::string("field '") + field + "' must be true or false (found " + value->dump() + ")");
        return value->get<bool>();
    }
    std::string string_or(const char* field, std::string fallback) const {
        const auto* value = find(field);
        if (!value) return fallback;
        if (!value->is_string()) fail(std::string("field '") + field + "' must be a string (found " + value->dump() + ")");
        return value->get<std::string>();
    }

private:
    const nlohmann::json& json_;
    std::string source_;
};

}  // namespace detail

/// Parses the text of a config.json. `source` names the file in error messages; every error
/// names the field that is wrong.
inline llama_config parse_llama_config(std::string_view text, const std::string& source = "config.json") {
    auto parsed = cirm::detail::parse_json_rejecting_duplicates<nlohmann::json>(text);
    using outcome = decltype(parsed)::outcome;
    if (parsed.status == outcome::syntax_error) throw error(source + ": not valid JSON: " + parsed.syntax_message);
    if (parsed.status == outcome::duplicate_key) throw error(source + ": field '" + parsed.duplicate + "' appears twice");
    if (!parsed.value.is_object()) throw error(source + ": not a JSON object");
    const detail::config_reader read(parsed.value, source);

    llama_config c;
    c.model_type = read.string_or("model_type", "llama");
    if (c.model_type != "llama" && c.model_type != "qwen2")
        read.fail("model_type '" + c.model_type + "' is not supported (llama or qwen2 are)");
    if (const auto* architectures = read.find("architectures")) {
        bool classifier = false;
        if (!architectures->is_array()) read.fail("field 'architectures' must be a list of strings");
        for (const auto& a : *architectures) {
            if (!a.is_string()) read.fail("field 'architectures' must be a list of strings (found " + a.dump() + ")");
            const auto& name = a.get_ref<const std::string&>();
            constexpr std::string_view suffix = "ForSequenceClassification";
            if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                classifier = true;
        }
        if (!classifier)
            read.fail("architectures " + architectures->dump() +
                      " names no *ForSequenceClassification: not a reward model with a score head");
    }
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

    if (read.find("head_dim")) {
        c.head_dim = read.positive_integer("head_dim");
    } else {
        if (c.hidden_size % c.num_attention_heads != 0)
            read.fail("num_attention_heads (" + std::to_string(c.num_attention_heads) + ") does not divide hidden_size (" +
                      std::to_string(c.hidden_size) + ") and no head_dim is given");
        c.head_dim = c.hidden_size / c.num_attention_heads;
    }
    if (c.head_dim % 2 != 0)
        read.fail("head_dim " + std::to_string(c.head_dim) + " is odd; rotary embeddings need an even head size");
    if (c.num_attention_heads % c.num_key_value_heads != 0)
        read.fail("num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ") does not divide num_attention_heads (" +
                  std::to_string(c.num_attention_heads) + ")");
    if (c.num_attention_heads * c.head_dim > detail::max_config_size)
        read.fail("num_attention_heads × head_dim is above the supported limit");

    if (c.model_type == "qwen2") {
        c.qkv_bias = true;
        c.o_bias = false;
        c.mlp_bias = false;
    } else {
        c.qkv_bias = c.o_bias = read.boolean_or("attention_bias", false);
        c.mlp_bias = read.boolean_or("mlp_bias", false);
    }
    return c;
}

/// Reads and parses a config.json file.
inline llama_config load_llama_config(const std::filesystem::path& path) {
    return parse_llama_config(read_file(path), path.string());
}

}  // namespace cirm::reference
