#pragma once
/// \file
/// Converts a Hugging Face reward-model directory (config.json, safetensors, tokenizer files) into
/// one GGUF file that llama.cpp loads, written with ggml's own gguf API: the architectures the
/// reference engine runs (Llama incl. linear and Llama-3 rope scaling, Qwen2, Qwen3, Gemma-2; see
/// cirm/io/llama_config.hpp) and the bundled model.
///
/// What the file holds:
///   - general.architecture "llama", "qwen2", "qwen3" or "gemma2" and that architecture's
///     hyperparameters (context, embedding and feed-forward lengths, blocks, heads, key/value
///     heads and lengths, rope base and scaling, RMS epsilon; Gemma-2's attention soft-cap and
///     sliding window);
///   - the tensors under llama.cpp's names: token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v,
///     attn_output, attn_q_norm, attn_k_norm, ffn_norm, ffn_gate, ffn_up, ffn_down,
///     post_attention_norm, post_ffw_norm} (weights and the biases the config has), output_norm,
///     and rope_freqs for Llama-3 rope scaling (per-frequency divisors). No output.weight: a
///     reward model has no language-model head, and llama.cpp then reuses token_embd for it;
///   - the tokenizer and chat template (cirm/llamacpp/gguf_vocabulary.hpp);
///   - the score head as `cirm.score_head` (hidden_size float32 values: the reward is their dot
///     product with the final-norm hidden state of the last token), `cirm.format_version`, and
///     `cirm.pad_token_id` where config.json names one;
///   - the model's own text files, verbatim, as strings `cirm.hf.<file name>`: config.json,
///     tokenizer.json, tokenizer_config.json and, where present, special_tokens_map.json and
///     chat_template.jinja (format version 2). cirm formats and tokenizes samples with its own
///     tokenizer from these (exactly as from the directory), so one file is the whole reward model.
///     llama.cpp ignores keys it does not know.
/// Matrices are written as F32, F16 or BF16 (convert_options::type); vectors (norms, biases,
/// rope_freqs) always as F32. Gemma-2's norm weights are written as 1 + w (llama.cpp multiplies by
/// the stored weight), as the reference engine computes them.
///
/// Llama's q and k rows: llama.cpp runs Llama with rotary pairs (2i, 2i+1) inside each head where
/// Hugging Face pairs (i, i + head_dim/2), so — as llama.cpp's own converter does — the rows of
/// q_proj and k_proj (and their biases) are permuted within each head: GGUF row h·d + 2i + j holds
/// Hugging Face row h·d + j·d/2 + i (d = head_dim, i < d/2, j ∈ {0, 1}). hf_row_of and
/// gguf_row_of map neuron indices between the two orders, so that one spec means the same neurons
/// in the reference engine and in llama.cpp. Qwen2,
/// Qwen3 and Gemma-2 use Hugging Face's pairing in llama.cpp and are not permuted.
///
/// Anything llama.cpp cannot represent is a cirm::error naming it: an unknown architecture, a
/// missing tensor (from the checkpoint reader), a tokenizer llama.cpp has no model for, a bias
/// llama.cpp does not load for that architecture, Gemma-2 settings its loader fixes otherwise.
///
/// Memory: the weights are read as F32 (cirm/reference/weights.hpp, which refuses a model that
/// does not fit in the memory available), and F16/BF16 copies are made before the file is written.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ggml.h>
#include <gguf.h>
#include <llama.h>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/llamacpp/gguf_vocabulary.hpp"
#include "cirm/reference/weights.hpp"

namespace cirm::llamacpp {

/// The version of the cirm.* keys this converter writes.
inline constexpr std::uint32_t gguf_format_version = 2;
/// Metadata key of the score head (array of float32, hidden_size values).
inline constexpr const char* score_head_key = "cirm.score_head";
/// Metadata key of gguf_format_version.
inline constexpr const char* format_version_key = "cirm.format_version";
/// Metadata key of config.json's pad_token_id (absent when it has none): the token whose trailing
/// occurrences are not scored, as in the reference engine. tokenizer.ggml.padding_token_id may
/// also come from tokenizer_config.json and is llama.cpp's, not the score's.
inline constexpr const char* score_pad_key = "cirm.pad_token_id";
/// Prefix of the metadata keys that carry the Hugging Face directory's text files (format 2).
inline constexpr const char* hf_file_key_prefix = "cirm.hf.";

/// The element type of the matrices in the written file.
enum class gguf_float_type { f32, f16, bf16 };

/// "f32", "f16" or "bf16".
inline std::string_view to_string(gguf_float_type t) noexcept {
    switch (t) {
        case gguf_float_type::f16: return "f16";
        case gguf_float_type::bf16: return "bf16";
        case gguf_float_type::f32: break;
    }
    return "f32";
}

/// Parses "f32", "f16" or "bf16"; anything else is an error naming the choices.
inline gguf_float_type parse_gguf_float_type(std::string_view text) {
    if (text == "f32") return gguf_float_type::f32;
    if (text == "f16") return gguf_float_type::f16;
    if (text == "bf16") return gguf_float_type::bf16;
    throw error("unknown GGUF type '" + std::string(text) + "' (f32, f16 and bf16 are supported)");
}

/// What convert_to_gguf wrote.
struct convert_summary {
    std::string architecture;  ///< general.architecture
    std::size_t tensors = 0;
    std::size_t tokens = 0;
    std::string tokenizer_model;  ///< tokenizer.ggml.model
    std::string pre_tokenizer;    ///< tokenizer.ggml.pre ("" for the "llama" model)
};

/// For Llama (whose q and k rows the conversion permutes within each head), the Hugging Face
/// row that GGUF row `row` of q_proj or k_proj holds; for the other architectures `row` itself.
inline std::size_t llama_row_of_gguf_row(const llama_config& c, std::size_t row) noexcept {
    if (c.model_type != "llama") return row;
    const std::size_t d = c.head_dim, half = d / 2;
    const std::size_t head = row / d, within = row % d;
    return head * d + (within % 2) * half + within / 2;
}

/// The GGUF row (the output neuron of the projection as llama.cpp computes it) that holds
/// Hugging Face's output neuron `hf_row` of projection `kind`: permuted within each head for
/// Llama's q_proj and k_proj, the same row everywhere else.
inline std::size_t gguf_row_of(const llama_config& c, module_kind kind, std::size_t hf_row) noexcept {
    if (c.model_type != "llama" || (kind != module_kind::q_proj && kind != module_kind::k_proj)) return hf_row;
    const std::size_t d = c.head_dim, half = d / 2;
    const std::size_t head = hf_row / d, within = hf_row % d;
    return head * d + 2 * (within % half) + within / half;
}

/// Hugging Face's output neuron that GGUF row `gguf_row` of projection `kind` holds (the inverse
/// of gguf_row_of).
inline std::size_t hf_row_of(const llama_config& c, module_kind kind, std::size_t gguf_row) noexcept {
    if (kind != module_kind::q_proj && kind != module_kind::k_proj) return gguf_row;
    return llama_row_of_gguf_row(c, gguf_row);
}

namespace detail {

/// The tensors of the file being written: ggml tensor descriptions whose data point at buffers
/// kept alive here until the file is written.
class gguf_tensor_list {
public:
    explicit gguf_tensor_list(std::size_t capacity) {
        ggml_init_params params{};
        params.mem_size = ggml_tensor_overhead() * (capacity + 1);
        params.mem_buffer = nullptr;
        params.no_alloc = true;
        ctx_ = ggml_init(params);
        if (!ctx_) throw error("ggml_init failed for the tensor list of the GGUF file");
    }
    ~gguf_tensor_list() { ggml_free(ctx_); }
    gguf_tensor_list(const gguf_tensor_list&) = delete;
    gguf_tensor_list& operator=(const gguf_tensor_list&) = delete;

    /// Adds `name` with `rows` rows of `cols` floats (a vector when rows == 1 and `vector`), as
    /// `type` for matrices and F32 for vectors.
    void add(gguf_context* gguf, const std::string& name, const float* values, std::size_t rows, std::size_t cols,
             gguf_float_type type, bool vector) {
        const std::size_t count = rows * cols;
        ggml_type element = GGML_TYPE_F32;
        if (!vector && type == gguf_float_type::f16) element = GGML_TYPE_F16;
        if (!vector && type == gguf_float_type::bf16) element = GGML_TYPE_BF16;
        ggml_tensor* t = vector ? ggml_new_tensor_1d(ctx_, element, static_cast<std::int64_t>(count))
                                : ggml_new_tensor_2d(ctx_, element, static_cast<std::int64_t>(cols),
                                                     static_cast<std::int64_t>(rows));
        if (!t) throw error("ggml could not describe tensor '" + name + "'");
        ggml_set_name(t, name.c_str());
        if (element == GGML_TYPE_F32) {
            t->data = const_cast<float*>(values);  // gguf only reads it
        } else {
            auto bytes = std::make_unique<std::vector<std::uint16_t>>(count);
            if (element == GGML_TYPE_F16)
                ggml_fp32_to_fp16_row(values, reinterpret_cast<ggml_fp16_t*>(bytes->data()),
                                      static_cast<std::int64_t>(count));
            else
                ggml_fp32_to_bf16_row_ref(values, reinterpret_cast<ggml_bf16_t*>(bytes->data()),
                                          static_cast<std::int64_t>(count));
            t->data = bytes->data();
            halves_.push_back(std::move(bytes));
        }
        gguf_add_tensor(gguf, t);
        ++count_;
    }
    /// Keeps a buffer of floats alive until the file is written; returns its data.
    const float* keep(std::vector<float> values) {
        floats_.push_back(std::make_unique<std::vector<float>>(std::move(values)));
        return floats_.back()->data();
    }
    std::size_t size() const noexcept { return count_; }

private:
    ggml_context* ctx_ = nullptr;
    std::vector<std::unique_ptr<std::vector<float>>> floats_;
    std::vector<std::unique_ptr<std::vector<std::uint16_t>>> halves_;
    std::size_t count_ = 0;
};

/// Owns a gguf_context.
struct gguf_handle {
    gguf_context* ctx = gguf_init_empty();
    gguf_handle() {
        if (!ctx) throw error("gguf_init_empty failed");
    }
    ~gguf_handle() { gguf_free(ctx); }
    gguf_handle(const gguf_handle&) = delete;
    gguf_handle& operator=(const gguf_handle&) = delete;
};

/// q_proj or k_proj rows (with `heads` heads of head_dim rows of `cols` values) permuted as
/// llama.cpp runs Llama (see the file comment).
inline std::vector<float> permute_llama_rows(const llama_config& c, const float* rows, std::size_t heads,
                                             std::size_t cols) {
    std::vector<float> out(heads * c.head_dim * cols);
    for (std::size_t r = 0; r < heads * c.head_dim; ++r) {
        const float* from = rows + llama_row_of_gguf_row(c, r) * cols;
        std::copy(from, from + cols, out.begin() + static_cast<std::ptrdiff_t>(r * cols));
    }
    return out;
}

/// Refuses what llama.cpp's loader cannot represent for this architecture, naming it.
inline void check_representable(const llama_config& c, const std::string& source) {
    const auto fail = [&](const std::string& what) { throw error(source + ": " + what + " (GGUF conversion)"); };
    if (c.model_type == "qwen3" && (c.o_bias || c.mlp_bias))
        fail("a Qwen3 model with attention_bias or mlp_bias: llama.cpp's qwen3 loads no o_proj or MLP bias");
    if (c.model_type == "qwen2" && (c.o_bias || c.mlp_bias))
        fail("a Qwen2 model with an o_proj or MLP bias: llama.cpp's qwen2 loads none");
    if (c.model_type == "gemma2") {
        if (c.qkv_bias || c.o_bias || c.mlp_bias)
            fail("a Gemma-2 model with attention_bias: llama.cpp's gemma2 loads no biases");
        // llama.cpp scales Gemma-2's queries by head_dim^(-1/2), or (hidden/heads)^(-1/2) for 46 layers (27B)
        const double fixed = c.num_hidden_layers == 46 ? static_cast<double>(c.hidden_size / c.num_attention_heads)
                                                       : static_cast<double>(c.head_dim);
        if (c.query_scale > 0.0 && c.query_scale != fixed)
            fail("query_pre_attn_scalar " + std::to_string(c.query_scale) + ": llama.cpp's gemma2 uses " +
                 std::to_string(fixed) + " for this shape");
        if (c.attention_softcap <= 0.0)
            fail("a Gemma-2 model without attn_logit_softcapping: llama.cpp's gemma2 always caps attention logits");
        if (c.sliding_window == 0)
            fail("a Gemma-2 model without a sliding window: llama.cpp's gemma2 always slides on the even layers");
        for (std::size_t l = 0; l < c.num_hidden_layers; ++l)
            if (c.slides(l) != (l % 2 == 0))
                fail("layer_types: llama.cpp's gemma2 slides on the even layers only (layer " + std::to_string(l) +
                     " differs)");
    }
    if (c.rope.type == rope_scaling::kind::llama3 && c.model_type != "llama")
        fail("rope type llama3 on a " + c.model_type + " model: llama.cpp reads rope_freqs for llama only");
}

}  // namespace detail

/// Converts the Hugging Face reward model in `hf_dir` into the GGUF file `out_path` (written
/// whole or not at all), matrices as `type`. Throws cirm::error naming what cannot be converted.
inline convert_summary convert_to_gguf(const std::filesystem::path& hf_dir, const std::filesystem::path& out_path,
                                       gguf_float_type type = gguf_float_type::f32) {
    const auto config_path = hf_dir / "config.json";
    const llama_config c = load_llama_config(config_path);
    detail::check_representable(c, config_path.string());
    const auto vocabulary = read_gguf_vocabulary(hf_dir, c);
    const auto weights = reference::llama_weights::load(hf_dir, c);

    detail::gguf_handle file;
    gguf_context* g = file.ctx;
    const std::string arch = c.model_type;
    const auto key = [&](const char* suffix) { return arch + "." + suffix; };
    const auto u32 = [](std::size_t v) { return static_cast<std::uint32_t>(v); };

    gguf_set_val_str(g, "general.architecture", arch.c_str());
    const auto named = hf_dir.has_filename() ? hf_dir : hf_dir.parent_path();  // "dir/" names dir
    gguf_set_val_str(g, "general.name", named.filename().string().c_str());
    gguf_set_val_u32(g, "general.file_type",
                     type == gguf_float_type::f32   ? LLAMA_FTYPE_ALL_F32
                     : type == gguf_float_type::f16 ? LLAMA_FTYPE_MOSTLY_F16
                                                    : LLAMA_FTYPE_MOSTLY_BF16);
    gguf_set_val_u32(g, key("vocab_size").c_str(), u32(c.vocab_size));
    gguf_set_val_u32(g, key("context_length").c_str(), u32(c.max_position_embeddings));
    gguf_set_val_u32(g, key("embedding_length").c_str(), u32(c.hidden_size));
    gguf_set_val_u32(g, key("block_count").c_str(), u32(c.num_hidden_layers));
    gguf_set_val_u32(g, key("feed_forward_length").c_str(), u32(c.intermediate_size));
    gguf_set_val_u32(g, key("attention.head_count").c_str(), u32(c.num_attention_heads));
    gguf_set_val_u32(g, key("attention.head_count_kv").c_str(), u32(c.num_key_value_heads));
    gguf_set_val_u32(g, key("attention.key_length").c_str(), u32(c.head_dim));
    gguf_set_val_u32(g, key("attention.value_length").c_str(), u32(c.head_dim));
    gguf_set_val_u32(g, key("rope.dimension_count").c_str(), u32(c.head_dim));
    gguf_set_val_f32(g, key("rope.freq_base").c_str(), static_cast<float>(c.rope_theta));
    gguf_set_val_f32(g, key("attention.layer_norm_rms_epsilon").c_str(), static_cast<float>(c.rms_norm_eps));
    if (c.rope.type == rope_scaling::kind::linear) {
        gguf_set_val_str(g, key("rope.scaling.type").c_str(), "linear");
        gguf_set_val_f32(g, key("rope.scaling.factor").c_str(), static_cast<float>(c.rope.factor));
    }
    if (c.model_type == "gemma2") {
        gguf_set_val_f32(g, key("attn_logit_softcapping").c_str(), static_cast<float>(c.attention_softcap));
        gguf_set_val_u32(g, key("attention.sliding_window").c_str(), u32(c.sliding_window));
    }

    // tokenizer
    gguf_set_val_str(g, "tokenizer.ggml.model", vocabulary.model.c_str());
    if (!vocabulary.pre.empty()) gguf_set_val_str(g, "tokenizer.ggml.pre", vocabulary.pre.c_str());
    std::vector<const char*> texts;
    texts.reserve(vocabulary.tokens.size());
    for (const auto& t : vocabulary.tokens) texts.push_back(t.c_str());
    gguf_set_arr_str(g, "tokenizer.ggml.tokens", texts.data(), texts.size());
    gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, vocabulary.types.data(),
                      vocabulary.types.size());
    if (vocabulary.model == "gpt2") {
        texts.clear();
        for (const auto& m : vocabulary.merges) texts.push_back(m.c_str());
        gguf_set_arr_str(g, "tokenizer.ggml.merges", texts.data(), texts.size());
    } else {
        gguf_set_arr_data(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, vocabulary.scores.data(),
                          vocabulary.scores.size());
        gguf_set_val_bool(g, "tokenizer.ggml.add_space_prefix", false);
    }
    if (vocabulary.bos) gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(*vocabulary.bos));
    if (vocabulary.eos) gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(*vocabulary.eos));
    if (vocabulary.pad)
        gguf_set_val_u32(g, "tokenizer.ggml.padding_token_id", static_cast<std::uint32_t>(*vocabulary.pad));
    if (vocabulary.unk)
        gguf_set_val_u32(g, "tokenizer.ggml.unknown_token_id", static_cast<std::uint32_t>(*vocabulary.unk));
    // the chat template writes the bos token itself
    gguf_set_val_bool(g, "tokenizer.ggml.add_bos_token", false);
    gguf_set_val_bool(g, "tokenizer.ggml.add_eos_token", false);
    if (vocabulary.chat_template) gguf_set_val_str(g, "tokenizer.chat_template", vocabulary.chat_template->c_str());

    // the score head
    gguf_set_val_u32(g, format_version_key, gguf_format_version);
    if (c.pad_token_id) gguf_set_val_u32(g, score_pad_key, static_cast<std::uint32_t>(*c.pad_token_id));
    gguf_set_arr_data(g, score_head_key, GGUF_TYPE_FLOAT32, weights.score, c.hidden_size);
    // the text files, so that cirm tokenizes from the GGUF alone as it does from the directory
    gguf_set_val_str(g, (std::string(hf_file_key_prefix) + "config.json").c_str(), read_file(config_path).c_str());
    for (const auto& [name, text] : read_model_text_files(hf_dir).files) {
        if (text.find('\0') != std::string::npos)
            throw error((hf_dir / name).string() + ": holds a NUL character, which a GGUF string cannot carry");
        gguf_set_val_str(g, (std::string(hf_file_key_prefix) + name).c_str(), text.c_str());
    }

    // tensors
    detail::gguf_tensor_list tensors(4 + 20 * c.num_hidden_layers);
    const std::size_t h = c.hidden_size;
    const auto matrix = [&](const std::string& name, const float* values, std::size_t rows, std::size_t cols) {
        tensors.add(g, name, values, rows, cols, type, false);
    };
    const auto vector = [&](const std::string& name, const float* values, std::size_t n) {
        tensors.add(g, name, values, 1, n, type, true);
    };
    matrix("token_embd.weight", weights.embedding, c.vocab_size, h);
    if (c.rope.type == rope_scaling::kind::llama3) {
        // llama.cpp divides each rotary frequency by its factor: base / scaled
        const auto base = rotary_inverse_frequencies(c.head_dim, c.rope_theta, rope_scaling{});
        const auto scaled = rotary_inverse_frequencies(c.head_dim, c.rope_theta, c.rope);
        std::vector<float> factors(base.size());
        for (std::size_t i = 0; i < base.size(); ++i) factors[i] = base[i] / scaled[i];
        vector("rope_freqs.weight", tensors.keep(std::move(factors)), c.head_dim / 2);
    }
    const bool permute = c.model_type == "llama";
    for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
        const auto& L = weights.layers[l];
        const std::string p = "blk." + std::to_string(l) + ".";
        vector(p + "attn_norm.weight", L.input_norm, h);
        const auto linear = [&](const std::string& name, const reference::linear_weights& lin, std::size_t heads) {
            const bool rows_permuted = permute && heads != 0;
            const float* w =
                rows_permuted ? tensors.keep(detail::permute_llama_rows(c, lin.weight, heads, lin.in)) : lin.weight;
            matrix(p + name + ".weight", w, lin.out, lin.in);
            if (lin.bias) {
                const float* b =
                    rows_permuted ? tensors.keep(detail::permute_llama_rows(c, lin.bias, heads, 1)) : lin.bias;
                vector(p + name + ".bias", b, lin.out);
            }
        };
        linear("attn_q", L.q, c.num_attention_heads);
        linear("attn_k", L.k, c.num_key_value_heads);
        linear("attn_v", L.v, 0);
        linear("attn_output", L.o, 0);
        if (L.q_norm) vector(p + "attn_q_norm.weight", L.q_norm, c.head_dim);
        if (L.k_norm) vector(p + "attn_k_norm.weight", L.k_norm, c.head_dim);
        if (c.sandwich_norms) {
            // Gemma-2: post_attention_layernorm normalizes the attention output, pre_feedforward the MLP input
            vector(p + "post_attention_norm.weight", L.post_attention_norm, h);
            vector(p + "ffn_norm.weight", L.pre_feedforward_norm, h);
            vector(p + "post_ffw_norm.weight", L.post_feedforward_norm, h);
        } else {
            vector(p + "ffn_norm.weight", L.post_attention_norm, h);
        }
        linear("ffn_gate", L.gate, 0);
        linear("ffn_up", L.up, 0);
        linear("ffn_down", L.down, 0);
    }
    vector("output_norm.weight", weights.final_norm, h);

    std::error_code ec;
    if (out_path.has_parent_path()) std::filesystem::create_directories(out_path.parent_path(), ec);
    const auto temporary = cirm::detail::temporary_sibling(out_path);
    if (!gguf_write_to_file(g, temporary.string().c_str(), false)) {
        std::filesystem::remove(temporary, ec);
        throw error("could not write the GGUF file '" + temporary.string() + "'");
    }
    std::filesystem::rename(temporary, out_path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        throw error("could not move the GGUF file into place at '" + out_path.string() + "'");
    }
    return {arch, tensors.size(), vocabulary.tokens.size(), vocabulary.model, vocabulary.pre};
}

}  // namespace cirm::llamacpp
