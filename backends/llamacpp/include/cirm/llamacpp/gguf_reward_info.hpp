#pragma once
/// \file
/// What a GGUF reward model says about itself, read from its header with ggml's gguf API (no
/// tensor data is read): the network's shape as a llama_config (so that the llama.cpp source has
/// the same llama_site_layout as the reference engine), the score head (metadata
/// `cirm.score_head`, float32 array of embedding_length values) and the padding token.
///
/// Keys read, with A = general.architecture (llama, qwen2, qwen3 or gemma2): A.block_count,
/// A.embedding_length, A.feed_forward_length, A.attention.head_count, A.attention.head_count_kv
/// (default: head_count), A.attention.key_length (default: embedding_length / head_count),
/// A.context_length, A.attention.layer_norm_rms_epsilon, A.rope.freq_base, A.vocab_size (default:
/// the length of tokenizer.ggml.tokens), cirm.pad_token_id (config.json's; else
/// tokenizer.ggml.padding_token_id; optional). The bias flags
/// come from the presence of blk.0.attn_q.bias, blk.0.attn_output.bias and blk.0.ffn_up.bias.
/// The Hugging Face text files a file of cirm convert's format 2 carries (`cirm.hf.<file name>`)
/// are read too: gguf_sample_format tokenizes and formats samples from them, exactly as from the
/// directory the GGUF was converted from.

#include <gguf.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/llama_layout.hpp"

namespace cirm::llamacpp {

/// The shape, score head and padding token of a GGUF reward model.
struct gguf_reward_info {
    llama_config config;                       ///< shape fields, model_type and bias flags
    std::vector<float> score_head;             ///< reward = score_head · final-norm hidden state
    std::optional<std::int32_t> pad_token_id;  ///< trailing tokens with this id are not scored
    /// The Hugging Face text files carried as `cirm.hf.<file name>` (none in files of format 1 or
    /// of other converters); source is the GGUF's path.
    model_text_files texts;
};

namespace detail {

struct gguf_closer {
    void operator()(gguf_context* g) const noexcept { gguf_free(g); }
};

/// Reads an integer-valued key of any integer type; nullopt when absent.
inline std::optional<std::uint64_t> gguf_integer(const gguf_context* g, const std::string& key,
                                                 const std::string& file) {
    const auto id = gguf_find_key(g, key.c_str());
    if (id < 0) return std::nullopt;
    const auto signed_value = [&](std::int64_t v) -> std::uint64_t {
        if (v < 0) throw error(file + ": metadata '" + key + "' is negative");
        return static_cast<std::uint64_t>(v);
    };
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_UINT8: return gguf_get_val_u8(g, id);
        case GGUF_TYPE_UINT16: return gguf_get_val_u16(g, id);
        case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
        case GGUF_TYPE_UINT64: return gguf_get_val_u64(g, id);
        case GGUF_TYPE_INT8: return signed_value(gguf_get_val_i8(g, id));
        case GGUF_TYPE_INT16: return signed_value(gguf_get_val_i16(g, id));
        case GGUF_TYPE_INT32: return signed_value(gguf_get_val_i32(g, id));
        case GGUF_TYPE_INT64: return signed_value(gguf_get_val_i64(g, id));
        default: throw error(file + ": metadata '" + key + "' is not an integer");
    }
}

inline std::uint64_t gguf_required_integer(const gguf_context* g, const std::string& key, const std::string& file) {
    const auto v = gguf_integer(g, key, file);
    if (!v) throw error(file + ": metadata '" + key + "' is missing");
    return *v;
}

/// Reads a float-valued key (float32 or float64); nullopt when absent.
inline std::optional<double> gguf_real(const gguf_context* g, const std::string& key, const std::string& file) {
    const auto id = gguf_find_key(g, key.c_str());
    if (id < 0) return std::nullopt;
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_FLOAT32: return gguf_get_val_f32(g, id);
        case GGUF_TYPE_FLOAT64: return gguf_get_val_f64(g, id);
        default: throw error(file + ": metadata '" + key + "' is not a number");
    }
}

}  // namespace detail

/// Reads the shape, score head and padding token of the GGUF reward model at `path`; errors name
/// the file and the key.
inline gguf_reward_info read_gguf_reward_info(const std::filesystem::path& path) {
    const std::string file = path.string();
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    std::unique_ptr<gguf_context, detail::gguf_closer> g(gguf_init_from_file(file.c_str(), params));
    if (!g) throw error(file + ": not a readable GGUF file");

    const auto arch_id = gguf_find_key(g.get(), "general.architecture");
    if (arch_id < 0 || gguf_get_kv_type(g.get(), arch_id) != GGUF_TYPE_STRING)
        throw error(file + ": metadata 'general.architecture' is missing");
    const std::string arch = gguf_get_val_str(g.get(), arch_id);
    check_llama_model_type(arch, file);

    gguf_reward_info info;
    llama_config& c = info.config;
    c.model_type = arch;
    const auto key = [&](const char* name) { return arch + "." + name; };
    const auto size = [](std::uint64_t v) { return static_cast<std::size_t>(v); };
    c.num_hidden_layers = size(detail::gguf_required_integer(g.get(), key("block_count"), file));
    c.hidden_size = size(detail::gguf_required_integer(g.get(), key("embedding_length"), file));
    c.intermediate_size = size(detail::gguf_required_integer(g.get(), key("feed_forward_length"), file));
    c.num_attention_heads = size(detail::gguf_required_integer(g.get(), key("attention.head_count"), file));
    c.num_key_value_heads =
        size(detail::gguf_integer(g.get(), key("attention.head_count_kv"), file).value_or(c.num_attention_heads));
    if (const auto head_dim = detail::gguf_integer(g.get(), key("attention.key_length"), file))
        c.head_dim = size(*head_dim);
    else
        derive_head_dim(c, file);
    if (const auto context = detail::gguf_integer(g.get(), key("context_length"), file))
        c.max_position_embeddings = size(*context);
    if (const auto eps = detail::gguf_real(g.get(), key("attention.layer_norm_rms_epsilon"), file))
        c.rms_norm_eps = *eps;
    if (const auto theta = detail::gguf_real(g.get(), key("rope.freq_base"), file)) c.rope_theta = *theta;
    if (const auto vocab = detail::gguf_integer(g.get(), key("vocab_size"), file)) {
        c.vocab_size = size(*vocab);
    } else {
        const auto tokens = gguf_find_key(g.get(), "tokenizer.ggml.tokens");
        if (tokens < 0) throw error(file + ": neither '" + key("vocab_size") + "' nor 'tokenizer.ggml.tokens' is set");
        c.vocab_size = gguf_get_arr_n(g.get(), tokens);
    }
    // The score's padding token is config.json's (cirm.pad_token_id, written by cirm convert);
    // files without that key fall back to the tokenizer's padding token.
    const bool has_score_pad = gguf_find_key(g.get(), "cirm.pad_token_id") >= 0;
    if (const auto pad = detail::gguf_integer(
            g.get(), has_score_pad ? "cirm.pad_token_id" : "tokenizer.ggml.padding_token_id", file))
        info.pad_token_id = static_cast<std::int32_t>(*pad);
    c.pad_token_id = info.pad_token_id;
    const auto has_tensor = [&](const char* name) { return gguf_find_tensor(g.get(), name) >= 0; };
    c.qkv_bias = has_tensor("blk.0.attn_q.bias");
    c.o_bias = has_tensor("blk.0.attn_output.bias");
    c.mlp_bias = has_tensor("blk.0.ffn_up.bias");
    c.qk_norm = has_tensor("blk.0.attn_q_norm.weight");
    check_llama_config(c, file);

    const auto head_id = gguf_find_key(g.get(), "cirm.score_head");
    if (head_id < 0) throw error(file + ": metadata 'cirm.score_head' (the reward head) is missing");
    if (gguf_get_kv_type(g.get(), head_id) != GGUF_TYPE_ARRAY ||
        gguf_get_arr_type(g.get(), head_id) != GGUF_TYPE_FLOAT32)
        throw error(file + ": metadata 'cirm.score_head' is not an array of float32");
    const std::size_t n = gguf_get_arr_n(g.get(), head_id);
    if (n != c.hidden_size)
        throw error(file + ": metadata 'cirm.score_head' has " + std::to_string(n) +
                    " values but embedding_length is " + std::to_string(c.hidden_size) +
                    " (one reward per model is supported)");
    const auto* values = static_cast<const float*>(gguf_get_arr_data(g.get(), head_id));
    info.score_head.assign(values, values + n);

    info.texts.source = file;
    info.texts.directory = false;
    const std::string_view prefix = "cirm.hf.";
    for (std::int64_t id = 0; id < gguf_get_n_kv(g.get()); ++id) {
        const std::string_view name = gguf_get_key(g.get(), id);
        if (!name.starts_with(prefix)) continue;
        if (gguf_get_kv_type(g.get(), id) != GGUF_TYPE_STRING)
            throw error(file + ": metadata '" + std::string(name) + "' is not a string");
        info.texts.files.emplace_back(std::string(name.substr(prefix.size())), gguf_get_val_str(g.get(), id));
    }
    return info;
}

/// How the GGUF reward model at `gguf` formats and tokenizes samples: cirm's own tokenizer and
/// chat template from the text files the file carries (cirm convert's format 2). A file without
/// them is an error that says what to do instead.
inline sample_format gguf_sample_format(const std::filesystem::path& gguf, const sample_format_options& options = {}) {
    const auto info = read_gguf_reward_info(gguf);
    if (!info.texts.find("tokenizer.json"))
        throw error(gguf.string() +
                    ": carries no tokenizer files (metadata 'cirm.hf.tokenizer.json'; files written before cirm "
                    "convert's format 2 or by other converters lack them): convert the model again with cirm "
                    "convert, or give the Hugging Face directory it was converted from");
    return sample_format_of(info.texts, options);
}

}  // namespace cirm::llamacpp
