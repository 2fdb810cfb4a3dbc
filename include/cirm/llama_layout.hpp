#pragma once
/// \file
/// The Llama-family architecture (Llama, Qwen2, Qwen3 and Gemma-2 decoders with a score head),
/// described once for every engine that runs it: the shape of the network (llama_config), the consistency rules of
/// that shape, and its site layout (docs/method.md §3): per layer, the seven projections q, k, v,
/// o, gate, up and down, named by their Hugging Face module paths, in that order.
///
/// This header reads no file: the Hugging Face `config.json` reader is cirm/io/llama_config.hpp.
/// The reference engine (cirm::reference) and the libtorch module (cirm::libtorch) both size
/// their projections and expose their sites from these definitions, so a spec made on one runs
/// on the other.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/site.hpp"

namespace cirm {

/// How rotary frequencies are rescaled for long contexts (config.json's `rope_scaling`).
struct rope_scaling {
    enum class kind {
        none,    ///< the frequencies θ^(−2i/d) as they are
        linear,  ///< every frequency divided by `factor`
        llama3,  ///< Llama-3.1's banded rule: low frequencies divided by `factor`, high ones kept,
                 ///< the band between interpolated (low_freq_factor, high_freq_factor,
                 ///< original_max_position_embeddings)
    };
    kind type = kind::none;
    double factor = 1.0;
    double low_freq_factor = 1.0;
    double high_freq_factor = 4.0;
    std::size_t original_max_position_embeddings = 8192;

    friend bool operator==(const rope_scaling&, const rope_scaling&) = default;
};

/// Writes the inverse frequencies of a head of `head_dim` into out[0 … head_dim/2), as F32:
/// θ^(−2i/d) (as Hugging Face rounds it), rescaled as `scaling` says.
inline void rotary_inverse_frequencies(std::size_t head_dim, double theta, const rope_scaling& scaling, float* out) {
    constexpr double two_pi = 6.283185307179586476925286766559;
    for (std::size_t i = 0; i < head_dim / 2; ++i) {
        const auto exponent = static_cast<double>(2 * i) / static_cast<double>(head_dim);
        const auto base = static_cast<float>(1.0 / std::pow(theta, exponent));
        double f = base;
        switch (scaling.type) {
            case rope_scaling::kind::none: break;
            case rope_scaling::kind::linear: f = base / scaling.factor; break;
            case rope_scaling::kind::llama3: {
                const double context = static_cast<double>(scaling.original_max_position_embeddings);
                const double wavelength = two_pi / base;
                const double longest = context / scaling.low_freq_factor;    // above: low frequency
                const double shortest = context / scaling.high_freq_factor;  // below: high frequency
                if (wavelength > longest) {
                    f = base / scaling.factor;
                } else if (wavelength >= shortest) {
                    const double smooth = (context / wavelength - scaling.low_freq_factor) /
                                          (scaling.high_freq_factor - scaling.low_freq_factor);
                    f = (1.0 - smooth) * base / scaling.factor + smooth * base;
                }
                break;
            }
        }
        out[i] = static_cast<float>(f);
    }
}

/// The inverse frequencies of a head of `head_dim` (head_dim / 2 values).
inline std::vector<float> rotary_inverse_frequencies(std::size_t head_dim, double theta, const rope_scaling& scaling) {
    std::vector<float> out(head_dim / 2);
    rotary_inverse_frequencies(head_dim, theta, scaling, out.data());
    return out;
}

/// The activation of the gated MLP.
enum class mlp_activation {
    silu,       ///< x·σ(x) (Llama, Qwen)
    gelu_tanh,  ///< 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Gemma-2's gelu_pytorch_tanh)
};

/// The shape of a Llama-family network. Sizes are those of Hugging Face's config.json; the bias
/// flags are resolved per projection (see cirm/io/llama_config.hpp for how the model types set
/// them). check_llama_config() says whether a shape is one the engines can run.
struct llama_config {
    std::string model_type = "llama";  ///< "llama", "qwen2", "qwen3" or "gemma2"
    std::size_t hidden_size = 0;
    std::size_t intermediate_size = 0;
    std::size_t num_hidden_layers = 0;
    std::size_t num_attention_heads = 0;
    std::size_t num_key_value_heads = 0;
    /// Size of one attention head; may differ from hidden_size / num_attention_heads.
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
    rope_scaling rope;      ///< rescaling of the rotary frequencies (none by default)

    // --- Qwen3 ---
    /// q and k are RMS-normalized per head (weights self_attn.q_norm / k_norm, head_dim each)
    /// after their projections and before the rotary step.
    bool qk_norm = false;

    // --- Gemma-2 (defaults: Llama's behaviour) ---
    mlp_activation activation = mlp_activation::silu;
    /// RMSNorm weights are applied as (1 + w) instead of w.
    bool norm_adds_one = false;
    /// The attention output and the MLP output are RMS-normalized before the residual adds them
    /// (weights post_attention_layernorm and post_feedforward_layernorm), and the MLP reads
    /// pre_feedforward_layernorm.
    bool sandwich_norms = false;
    /// Token embeddings are multiplied by √hidden_size (rounded to F32).
    bool scale_embeddings = false;
    /// Attention logits are multiplied by query_scale^(−1/2); 0 means head_dim.
    double query_scale = 0.0;
    /// Attention logits s become tanh(s / cap)·cap after scaling; 0 means no cap.
    double attention_softcap = 0.0;
    /// Tokens a sliding-window layer attends to, itself included (position i sees j when
    /// i − window < j ≤ i); 0 when no layer slides.
    std::size_t sliding_window = 0;
    /// One flag per layer: 1 if the layer attends within sliding_window, 0 if to all positions.
    std::vector<char> sliding_layers;

    /// Whether layer `l` attends within the sliding window.
    bool slides(std::size_t l) const noexcept {
        return sliding_window != 0 && l < sliding_layers.size() && sliding_layers[l] != 0;
    }
    /// The factor attention logits are multiplied by, as F32: head_dim^(−1/2), or
    /// query_pre_attn_scalar^(−1/2) where set.
    float attention_scale() const noexcept {
        if (query_scale > 0.0) return static_cast<float>(1.0 / std::sqrt(query_scale));
        return 1.0f / std::sqrt(static_cast<float>(head_dim));
    }

    /// Width of the q_proj output (and of the attention output that o_proj reads).
    std::size_t q_width() const noexcept { return num_attention_heads * head_dim; }
    /// Width of the k_proj and v_proj outputs.
    std::size_t kv_width() const noexcept { return num_key_value_heads * head_dim; }
    /// Query heads that share one key/value head (grouped-query attention).
    std::size_t heads_per_kv_head() const noexcept { return num_attention_heads / num_key_value_heads; }

    friend bool operator==(const llama_config&, const llama_config&) = default;
};

/// Sizes above this are refused, so that products of two sizes never overflow 64 bits.
inline constexpr std::uint64_t max_llama_size = std::uint64_t{1} << 31;

/// The model types the engines implement.
inline constexpr std::array<std::string_view, 4> supported_llama_model_types{"llama", "qwen2", "qwen3", "gemma2"};

/// Sets c.head_dim to hidden_size / num_attention_heads, Hugging Face's value when config.json
/// gives none. Throws an error starting with `source` when the heads do not divide hidden_size.
inline void derive_head_dim(llama_config& c, std::string_view source) {
    if (c.num_attention_heads == 0 || c.hidden_size % c.num_attention_heads != 0)
        throw error(std::string(source) + ": num_attention_heads (" + std::to_string(c.num_attention_heads) +
                    ") does not divide hidden_size (" + std::to_string(c.hidden_size) + ") and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
}

/// Refuses a model type the engines do not implement, with an error starting with `source`.
inline void check_llama_model_type(std::string_view model_type, std::string_view source) {
    for (auto type : supported_llama_model_types)
        if (model_type == type) return;
    throw error(std::string(source) + ": model_type '" + std::string(model_type) +
                "' is not supported (llama, qwen2, qwen3 and gemma2 are)");
}

/// Refuses a shape the engines cannot run, with an error starting with `source` and naming the
/// field: an unsupported model_type, a size of 0 or above max_llama_size, an odd head_dim
/// (rotary embeddings pair a head's two halves), key/value heads that do not divide the heads.
inline void check_llama_config(const llama_config& c, std::string_view source) {
    const auto fail = [&](const std::string& what) { throw error(std::string(source) + ": " + what); };
    check_llama_model_type(c.model_type, source);
    const std::pair<const char*, std::size_t> sizes[] = {{"hidden_size", c.hidden_size},
                                                         {"intermediate_size", c.intermediate_size},
                                                         {"num_hidden_layers", c.num_hidden_layers},
                                                         {"num_attention_heads", c.num_attention_heads},
                                                         {"num_key_value_heads", c.num_key_value_heads},
                                                         {"head_dim", c.head_dim},
                                                         {"vocab_size", c.vocab_size},
                                                         {"max_position_embeddings", c.max_position_embeddings}};
    for (const auto& [field, value] : sizes) {
        if (value == 0) fail(std::string("field '") + field + "' must be a positive integer (found 0)");
        if (value > max_llama_size)
            fail(std::string("field '") + field + "' is " + std::to_string(value) + ", above the supported limit of " +
                 std::to_string(max_llama_size));
    }
    if (!(c.rms_norm_eps > 0.0) || !std::isfinite(c.rms_norm_eps))
        fail("field 'rms_norm_eps' must be a positive number");
    if (!(c.rope_theta > 0.0) || !std::isfinite(c.rope_theta)) fail("field 'rope_theta' must be a positive number");
    if (c.head_dim % 2 != 0)
        fail("head_dim " + std::to_string(c.head_dim) + " is odd; rotary embeddings need an even head size");
    if (c.num_attention_heads % c.num_key_value_heads != 0)
        fail("num_key_value_heads (" + std::to_string(c.num_key_value_heads) +
             ") does not divide num_attention_heads (" + std::to_string(c.num_attention_heads) + ")");
    if (c.num_attention_heads * c.head_dim > max_llama_size)
        fail("num_attention_heads × head_dim is above the supported limit");
    if (c.rope.type != rope_scaling::kind::none) {
        if (!(c.rope.factor > 0.0) || !std::isfinite(c.rope.factor))
            fail("rope_scaling 'factor' must be a positive number");
        if (c.rope.type == rope_scaling::kind::llama3) {
            if (!(c.rope.low_freq_factor > 0.0) || !(c.rope.high_freq_factor > c.rope.low_freq_factor) ||
                !std::isfinite(c.rope.high_freq_factor))
                fail("rope_scaling of type llama3 needs 0 < low_freq_factor < high_freq_factor");
            if (c.rope.original_max_position_embeddings == 0)
                fail("rope_scaling 'original_max_position_embeddings' must be a positive integer");
        }
    }
    if (c.query_scale < 0.0 || !std::isfinite(c.query_scale)) fail("field 'query_pre_attn_scalar' must be positive");
    if (c.attention_softcap < 0.0 || !std::isfinite(c.attention_softcap))
        fail("field 'attn_logit_softcapping' must be a positive number");
    if (c.sliding_window != 0 && c.sliding_layers.size() != c.num_hidden_layers)
        fail("the sliding-window layers (" + std::to_string(c.sliding_layers.size()) +
             ") do not match num_hidden_layers (" + std::to_string(c.num_hidden_layers) + ")");
}

/// The sites of one layer, in layout order.
inline constexpr std::array<module_kind, 7> llama_layer_sites{
    module_kind::q_proj,    module_kind::k_proj,  module_kind::v_proj,   module_kind::o_proj,
    module_kind::gate_proj, module_kind::up_proj, module_kind::down_proj};
/// Sites per transformer block.
inline constexpr std::size_t llama_sites_per_layer = llama_layer_sites.size();

/// The position of projection `kind` among its layer's sites (q 0, k 1, ..., down 6).
constexpr std::size_t llama_site_in_layer(module_kind kind) {
    for (std::size_t k = 0; k < llama_layer_sites.size(); ++k)
        if (llama_layer_sites[k] == kind) return k;
    throw error("module kind '" + std::string(to_string(kind)) + "' is not a projection of a Llama-family layer");
}

/// One projection of a layer: its module path under the layer, its input and output widths, and
/// whether it has a bias. The output is the site's activation.
struct llama_projection {
    module_kind kind = module_kind::other;
    std::string_view path;  ///< e.g. "self_attn.q_proj" or "mlp.down_proj"
    std::size_t in = 0;
    std::size_t out = 0;
    bool bias = false;
};

/// Projection `kind` of every layer of a model with this shape.
inline llama_projection llama_projection_of(const llama_config& c, module_kind kind) {
    switch (kind) {
        case module_kind::q_proj: return {kind, "self_attn.q_proj", c.hidden_size, c.q_width(), c.qkv_bias};
        case module_kind::k_proj: return {kind, "self_attn.k_proj", c.hidden_size, c.kv_width(), c.qkv_bias};
        case module_kind::v_proj: return {kind, "self_attn.v_proj", c.hidden_size, c.kv_width(), c.qkv_bias};
        case module_kind::o_proj: return {kind, "self_attn.o_proj", c.q_width(), c.hidden_size, c.o_bias};
        case module_kind::gate_proj: return {kind, "mlp.gate_proj", c.hidden_size, c.intermediate_size, c.mlp_bias};
        case module_kind::up_proj: return {kind, "mlp.up_proj", c.hidden_size, c.intermediate_size, c.mlp_bias};
        case module_kind::down_proj: return {kind, "mlp.down_proj", c.intermediate_size, c.hidden_size, c.mlp_bias};
        case module_kind::other: break;
    }
    throw error("module kind '" + std::string(to_string(kind)) + "' is not a projection of a Llama-family layer");
}

/// The Hugging Face module path of layer `layer`: "model.layers.N.".
inline std::string llama_layer_path(std::size_t layer) { return "model.layers." + std::to_string(layer) + "."; }

/// The site layout of a model with this shape: for each layer l, in this order,
/// model.layers.l.self_attn.{q,k,v,o}_proj and model.layers.l.mlp.{gate,up,down}_proj, each as
/// wide as its projection's output (heads × head_dim for q, kv_heads × head_dim for k and v,
/// hidden_size for o and down, intermediate_size for gate and up).
inline site_layout llama_site_layout(const llama_config& c) {
    std::vector<site_info> sites;
    sites.reserve(c.num_hidden_layers * llama_sites_per_layer);
    for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
        const std::string prefix = llama_layer_path(l);
        for (const auto kind : llama_layer_sites) {
            const auto projection = llama_projection_of(c, kind);
            sites.push_back({prefix + std::string(projection.path), static_cast<int>(l), kind, projection.out});
        }
    }
    return site_layout(std::move(sites));
}

}  // namespace cirm
