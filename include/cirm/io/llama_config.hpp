#pragma once
/// \file
/// Reads a Hugging Face `config.json` into the shape of a Llama-family model (cirm/llama_layout.hpp):
/// the one reader that the reference engine, the libtorch module and the trainer use.
///
/// Fields read (HF names): hidden_size, intermediate_size, num_hidden_layers,
/// num_attention_heads, vocab_size, rms_norm_eps (required); num_key_value_heads (default: the
/// number of heads), head_dim (default hidden_size / num_attention_heads, which must then divide
/// evenly), rope_theta (default 10000), rope_scaling or rope_parameters (types default, linear and
/// llama3; any other type is refused by name), max_position_embeddings (default 2048),
/// tie_word_embeddings, attention_bias, mlp_bias (default false), pad_token_id (default none),
/// model_type ("llama", "qwen2", "qwen3" or "gemma2"; default "llama"), hidden_act /
/// hidden_activation (silu; gelu_pytorch_tanh for gemma2), architectures (if given, must name a
/// *ForSequenceClassification for a reward model, a *ForCausalLM for a language model),
/// partial_rotary_factor (1 if given). Gemma-2 adds query_pre_attn_scalar (default 256),
/// attn_logit_softcapping (default 50; null: no cap), sliding_window (default 4096; null: no
/// window) and layer_types (default: the even layers slide), and its head_dim defaults to 256
/// (Qwen3's to 128), as the Hugging Face config classes define them; final_logit_softcapping caps a language-model head's logits, which a score head does
/// not have, and is ignored. For the other types, use_sliding_window must be false and
/// layer_types, if given, all full_attention. A null value counts as absent. Other fields are
/// ignored. The shape read is then checked by check_llama_config.
///
/// Which projections carry a bias follows the model types: Llama and Qwen3 put `attention_bias`
/// on q, k, v and o and (Llama) `mlp_bias` on gate, up and down; Qwen2 always has q, k, v biases
/// and none on o or the MLP; Gemma-2 has `attention_bias` and no MLP bias. tie_word_embeddings is
/// read and kept, but changes nothing for a sequence classifier: it has no language-model head to
/// tie.

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
    /// True when the field is written as null (which, for a few Gemma-2 fields, turns a
    /// mechanism off, while an absent field takes the config class's default).
    bool is_null(const char* field) const {
        auto it = json_.find(field);
        return it != json_.end() && it->is_null();
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

namespace detail {

/// Reads `rope_scaling` (or, in newer files, `rope_parameters`, which also carries rope_theta).
/// Types implemented: default (none), linear, llama3; any other is refused by name.
inline void read_rope(const llama_config_fields& read, llama_config& c) {
    const nlohmann::json* scaling = read.find("rope_scaling");
    const char* field = "rope_scaling";
    if (const auto* parameters = read.find("rope_parameters")) {
        if (scaling) read.fail("both 'rope_scaling' and 'rope_parameters' are set; give one");
        scaling = parameters;
        field = "rope_parameters";
    }
    if (!scaling) return;
    const std::string where = std::string("field '") + field + "'";
    if (!scaling->is_object()) read.fail(where + " must be an object (found " + scaling->dump() + ")");
    const llama_config_fields sub(*scaling, read.source() + ": " + field);
    if (sub.find("rope_theta")) c.rope_theta = sub.positive_number("rope_theta", *sub.find("rope_theta"));
    std::string type;
    if (const auto* t = sub.find("rope_type")) {
        if (!t->is_string()) sub.fail("'rope_type' must be a string");
        type = t->get<std::string>();
    } else if (const auto* t2 = sub.find("type")) {
        if (!t2->is_string()) sub.fail("'type' must be a string");
        type = t2->get<std::string>();
    } else {
        sub.fail("no 'rope_type' (or 'type') is given");
    }
    if (type == "default") return;
    if (type == "linear") {
        c.rope.type = rope_scaling::kind::linear;
        c.rope.factor = sub.positive_number("factor", sub.require("factor"));
        return;
    }
    if (type == "llama3") {
        c.rope.type = rope_scaling::kind::llama3;
        c.rope.factor = sub.positive_number("factor", sub.require("factor"));
        c.rope.low_freq_factor = sub.positive_number("low_freq_factor", sub.require("low_freq_factor"));
        c.rope.high_freq_factor = sub.positive_number("high_freq_factor", sub.require("high_freq_factor"));
        c.rope.original_max_position_embeddings = sub.positive_integer("original_max_position_embeddings");
        if (!(c.rope.high_freq_factor > c.rope.low_freq_factor))
            sub.fail("high_freq_factor must be above low_freq_factor");
        return;
    }
    sub.fail("rope type '" + type + "' is not supported (default, linear and llama3 are)");
}

/// Reads `layer_types` (a list of "full_attention" / "sliding_attention", one per layer) into
/// c.sliding_layers; returns false when the field is absent.
inline bool read_layer_types(const llama_config_fields& read, llama_config& c) {
    const auto* types = read.find("layer_types");
    if (!types) return false;
    if (!types->is_array() || types->size() != c.num_hidden_layers)
        read.fail("field 'layer_types' must list one type per layer (" + std::to_string(c.num_hidden_layers) +
                  "), found " + types->dump().substr(0, 80));
    c.sliding_layers.assign(c.num_hidden_layers, 0);
    for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
        const auto& t = (*types)[l];
        if (t == "sliding_attention")
            c.sliding_layers[l] = 1;
        else if (t != "full_attention")
            read.fail("field 'layer_types' entry " + std::to_string(l) + " is " + t.dump() +
                      "; full_attention and sliding_attention are supported");
    }
    return true;
}

/// The activation named by `hidden_activation` (Gemma) or `hidden_act`.
inline mlp_activation read_activation(const llama_config_fields& read, const std::string& model_type) {
    const bool gemma = model_type == "gemma2";
    const char* field = gemma && read.find("hidden_activation") ? "hidden_activation" : "hidden_act";
    const std::string fallback = gemma ? "gelu_pytorch_tanh" : "silu";
    const auto act = read.string_or(field, fallback);
    if (act == "silu" && !gemma) return mlp_activation::silu;
    if (act == "gelu_pytorch_tanh" && gemma) return mlp_activation::gelu_tanh;
    read.fail(std::string(field) + " '" + act + "' is not supported for " + model_type + " (the engine implements " +
              fallback + ")");
}

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
    c.activation = detail::read_activation(read, c.model_type);

    c.hidden_size = read.positive_integer("hidden_size");
    c.intermediate_size = read.positive_integer("intermediate_size");
    c.num_hidden_layers = read.positive_integer("num_hidden_layers");
    c.num_attention_heads = read.positive_integer("num_attention_heads");
    c.num_key_value_heads = read.positive_integer_or("num_key_value_heads", c.num_attention_heads);
    c.vocab_size = read.positive_integer("vocab_size");
    c.max_position_embeddings = read.positive_integer_or("max_position_embeddings", 2048);
    c.rms_norm_eps = read.positive_number("rms_norm_eps", read.require("rms_norm_eps"));
    c.rope_theta = read.positive_number_or("rope_theta", 10000.0);
    detail::read_rope(read, c);
    if (const auto* partial = read.find("partial_rotary_factor"); partial && *partial != 1 && *partial != 1.0)
        read.fail("field 'partial_rotary_factor' is " + partial->dump() +
                  "; only rotary embeddings over the whole head are supported");
    c.tie_word_embeddings = read.boolean_or("tie_word_embeddings", c.model_type == "gemma2");
    if (const auto* pad = read.find("pad_token_id")) {
        if (!pad->is_number_unsigned() || pad->get<std::uint64_t>() > INT32_MAX)
            read.fail("field 'pad_token_id' must be a non-negative integer (found " + pad->dump() + ")");
        c.pad_token_id = static_cast<std::int32_t>(pad->get<std::uint64_t>());
    }
    if (read.find("head_dim"))
        c.head_dim = read.positive_integer("head_dim");
    else if (c.model_type == "qwen3")
        c.head_dim = 128;  // Qwen3Config's default
    else if (c.model_type == "gemma2")
        c.head_dim = 256;  // Gemma2Config's default
    else
        derive_head_dim(c, source);

    if (c.model_type == "qwen2") {
        c.qkv_bias = true;
        c.o_bias = false;
        c.mlp_bias = false;
    } else {
        c.qkv_bias = c.o_bias = read.boolean_or("attention_bias", false);
        c.mlp_bias = c.model_type == "gemma2" ? false : read.boolean_or("mlp_bias", false);
    }

    // Attention over a window: Gemma-2 slides on alternate layers; Llama and Qwen attend to all
    // positions (a Qwen config that turns its window on is refused).
    if (c.model_type == "gemma2") {
        c.qk_norm = false;
        c.norm_adds_one = c.sandwich_norms = c.scale_embeddings = true;
        // Absent fields take Gemma2Config's defaults (query_pre_attn_scalar 256, soft-cap 50,
        // window 4096); a null soft-cap or window turns that mechanism off, as it does there.
        c.query_scale = read.positive_number_or("query_pre_attn_scalar", 256.0);
        c.attention_softcap =
            read.is_null("attn_logit_softcapping") ? 0.0 : read.positive_number_or("attn_logit_softcapping", 50.0);
        c.sliding_window = read.is_null("sliding_window") ? 0 : read.positive_integer_or("sliding_window", 4096);
        if (!detail::read_layer_types(read, c)) {
            // Without layer_types, Gemma-2 slides on the even layers (0, 2, 4, ...).
            c.sliding_layers.assign(c.num_hidden_layers, 0);
            for (std::size_t l = 0; l < c.num_hidden_layers; l += 2) c.sliding_layers[l] = 1;
        }
    } else {
        c.qk_norm = c.model_type == "qwen3";
        if (read.boolean_or("use_sliding_window", false))
            read.fail("field 'use_sliding_window' is true; sliding-window attention is implemented for gemma2 only");
        llama_config layers = c;
        if (detail::read_layer_types(read, layers))
            for (std::size_t l = 0; l < layers.sliding_layers.size(); ++l)
                if (layers.sliding_layers[l])
                    read.fail("field 'layer_types' makes layer " + std::to_string(l) +
                              " sliding_attention; "
                              "sliding-window attention is implemented for gemma2 only");
        for (const char* gemma_only : {"attn_logit_softcapping", "query_pre_attn_scalar"})
            if (read.find(gemma_only))
                read.fail(std::string("field '") + gemma_only + "' is set; it is implemented for gemma2 only");
    }
    check_llama_config(c, source);
    return c;
}

/// Reads and parses a config.json file (see parse_llama_config).
inline llama_config load_llama_config(const std::filesystem::path& path, llama_head head = llama_head::score) {
    return parse_llama_config(read_file(path), path.string(), head);
}

}  // namespace cirm
