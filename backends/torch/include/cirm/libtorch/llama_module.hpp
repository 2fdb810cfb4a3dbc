#pragma once
/// \file
/// The reference architecture (a Llama-family decoder, as the engine in backends/reference runs
/// it) as a libtorch module: token embedding, per layer RMSNorm → grouped-query causal attention
/// with rotary positions (HF rotate_half convention) → residual, RMSNorm → SwiGLU MLP →
/// residual; a final RMSNorm; two heads on top: `lm_head` (next-token logits, the language-model
/// stage) and `score` (one reward, read at each sequence's last real token). Parameter names are
/// the HF names (model.layers.N.self_attn.q_proj.weight, ...), so exporting is a rename-free copy.
/// The trainer (tools/train) trains it; cirm uses it as an ActivationSource-like model.
///
/// Its shape is a cirm::llama_config (cirm/llama_layout.hpp), the one the reference engine runs:
/// every projection is sized, and has a bias or not, as llama_projection_of says (so Qwen2's q,
/// k, v biases and an explicit head_dim are the engine's too), and config.json is read by the
/// one reader, cirm/io/llama_config.hpp (see load_reward_model.hpp).
///
/// Every q, k, v, o, gate, up and down projection output is a site, in the engine's layout order
/// (llama_site_layout); a site_hook, when given, sees each site's output [batch × tokens × width]
/// right after the projection, before anything reads it, with each sequence's last position —
/// the place the reference engine applies an intervention. intervention_hook() applies any
/// Intervention there through the tensor adapter; collection_hook() gathers last-token
/// activations. Without a hook the forward pass is the trainer's, unchanged.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/libtorch/collect.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/site.hpp"

namespace cirm::libtorch {

/// The sites of a model of this shape: cirm::llama_site_layout, the reference engine's, so that a
/// spec made on either runs on the other.
using cirm::llama_site_layout;

/// A size of the shape as libtorch wants it.
inline std::int64_t torch_size(std::size_t size) { return static_cast<std::int64_t>(size); }

/// Called with (site, the site's output [batch × tokens × width], each sequence's last position
/// as int64 [batch], or an undefined tensor for "the last row"). It may write the output in place.
using site_hook = std::function<void(std::size_t site, const torch::Tensor& activations, const torch::Tensor& last)>;

/// What one layer's forward pass hands to the hook: the hook (null: none), the layer's first
/// site and the last positions.
struct layer_hook {
    const site_hook* hook = nullptr;
    std::size_t first_site = 0;
    const torch::Tensor* last = nullptr;

    /// Runs the hook on the layer's site of projection `kind` (a no-op without a hook); returns
    /// `activations`.
    const torch::Tensor& operator()(module_kind kind, const torch::Tensor& activations) const {
        if (hook && *hook) (*hook)(first_site + llama_site_in_layer(kind), activations, last ? *last : torch::Tensor());
        return activations;
    }
};

struct rms_norm_impl : torch::nn::Module {
    rms_norm_impl(std::int64_t width, double epsilon) : eps(epsilon) {
        weight = register_parameter("weight", torch::ones({width}));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
    }
    torch::Tensor weight;
    double eps;
};
TORCH_MODULE_IMPL(rms_norm, rms_norm_impl);

inline torch::nn::Linear linear_no_bias(std::int64_t in, std::int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

/// The projection `kind` of a layer of this shape: its widths and bias as llama_projection_of says.
inline torch::nn::Linear projection_linear(const llama_config& c, module_kind kind) {
    const auto p = llama_projection_of(c, kind);
    return torch::nn::Linear(torch::nn::LinearOptions(torch_size(p.in), torch_size(p.out)).bias(p.bias));
}

/// (x_i, x_{i+d/2}) → (x_i·cos − x_{i+d/2}·sin, x_{i+d/2}·cos + x_i·sin), x: [B, H, T, d].
inline torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    const auto half = x.size(-1) / 2;
    const auto a = x.narrow(-1, 0, half), b = x.narrow(-1, half, half);
    return torch::cat({a * cos - b * sin, b * cos + a * sin}, -1);
}

struct attention_impl : torch::nn::Module {
    explicit attention_impl(const llama_config& s) : shape(s) {
        q_proj = register_module("q_proj", projection_linear(s, module_kind::q_proj));
        k_proj = register_module("k_proj", projection_linear(s, module_kind::k_proj));
        v_proj = register_module("v_proj", projection_linear(s, module_kind::v_proj));
        o_proj = register_module("o_proj", projection_linear(s, module_kind::o_proj));
    }
    /// x: [B, T, d]; cos/sin: [T, head_dim/2]; mask: [T, T] additive causal mask; `hook`: the
    /// layer's q, k, v and o sites.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                          const torch::Tensor& mask, const layer_hook& hook = {}) {
        const auto B = x.size(0), T = x.size(1), H = torch_size(shape.num_attention_heads),
                   KV = torch_size(shape.num_key_value_heads), D = torch_size(shape.head_dim);
        auto q = hook(module_kind::q_proj, q_proj->forward(x)).view({B, T, H, D}).transpose(1, 2);
        auto k = hook(module_kind::k_proj, k_proj->forward(x)).view({B, T, KV, D}).transpose(1, 2);
        auto v = hook(module_kind::v_proj, v_proj->forward(x)).view({B, T, KV, D}).transpose(1, 2);
        q = rotate(q, cos, sin);
        k = rotate(k, cos, sin);
        if (KV != H) {  // query head h reads key/value head h / (H / KV)
            k = k.repeat_interleave(H / KV, 1);
            v = v.repeat_interleave(H / KV, 1);
        }
        auto scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(D))) + mask;
        auto out = torch::matmul(torch::softmax(scores, -1), v);
        return hook(module_kind::o_proj, o_proj->forward(out.transpose(1, 2).reshape({B, T, H * D})));
    }
    llama_config shape;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE_IMPL(attention, attention_impl);

struct mlp_impl : torch::nn::Module {
    explicit mlp_impl(const llama_config& s) {
        gate_proj = register_module("gate_proj", projection_linear(s, module_kind::gate_proj));
        up_proj = register_module("up_proj", projection_linear(s, module_kind::up_proj));
        down_proj = register_module("down_proj", projection_linear(s, module_kind::down_proj));
    }
    /// `hook`: the layer's gate, up and down sites.
    torch::Tensor forward(const torch::Tensor& x, const layer_hook& hook = {}) {
        const torch::Tensor gate = hook(module_kind::gate_proj, gate_proj->forward(x));
        const torch::Tensor up = hook(module_kind::up_proj, up_proj->forward(x));
        return hook(module_kind::down_proj, down_proj->forward(torch::silu(gate) * up));
    }
    torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE_IMPL(mlp, mlp_impl);

struct decoder_layer_impl : torch::nn::Module {
    explicit decoder_layer_impl(const llama_config& s) {
        input_layernorm = register_module("input_layernorm", rms_norm(torch_size(s.hidden_size), s.rms_norm_eps));
        self_attn = register_module("self_attn", attention(s));
        post_attention_layernorm =
            register_module("post_attention_layernorm", rms_norm(torch_size(s.hidden_size), s.rms_norm_eps));
        mlp_block = register_module("mlp", mlp(s));
    }
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& cos, const torch::Tensor& sin,
                          const torch::Tensor& mask, const layer_hook& hook = {}) {
        x = x + self_attn->forward(input_layernorm->forward(x), cos, sin, mask, hook);
        return x + mlp_block->forward(post_attention_layernorm->forward(x), hook);
    }
    rms_norm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
    attention self_attn{nullptr};
    mlp mlp_block{nullptr};
};
TORCH_MODULE_IMPL(decoder_layer, decoder_layer_impl);

/// The decoder body ("model." in HF names).
struct llama_body_impl : torch::nn::Module {
    explicit llama_body_impl(const llama_config& s) : shape(s) {
        embed_tokens =
            register_module("embed_tokens", torch::nn::Embedding(torch_size(s.vocab_size), torch_size(s.hidden_size)));
        layers = register_module("layers", torch::nn::ModuleList());
        for (std::size_t l = 0; l < s.num_hidden_layers; ++l) layers->push_back(decoder_layer(s));
        norm = register_module("norm", rms_norm(torch_size(s.hidden_size), s.rms_norm_eps));
    }
    /// ids: [B, T] → final-normed hidden states [B, T, d]; `hook` (may be null) sees every site,
    /// with `last` (may be null) the last positions it is given.
    torch::Tensor forward(const torch::Tensor& ids, const site_hook* hook = nullptr,
                          const torch::Tensor* last = nullptr) {
        const auto T = ids.size(1);
        // rotary tables as the engine computes them: angle = position · θ^(−2i/d), in double
        const auto half = torch_size(shape.head_dim / 2);
        auto exponent = torch::arange(half, torch::kFloat64) * (2.0 / static_cast<double>(shape.head_dim));
        auto inverse_frequency = torch::pow(shape.rope_theta, -exponent).to(torch::kFloat32).to(torch::kFloat64);
        auto positions = torch::arange(T, torch::kFloat64).to(torch::kFloat32).to(torch::kFloat64);
        auto angle = torch::outer(positions, inverse_frequency).to(torch::kFloat32).to(torch::kFloat64);
        // built on the CPU as the trainer always has; moved to the ids' device (a no-op on the CPU)
        auto cos = torch::cos(angle).to(torch::kFloat32).to(ids.device());
        auto sin = torch::sin(angle).to(torch::kFloat32).to(ids.device());
        auto mask = torch::full({T, T}, -std::numeric_limits<float>::infinity()).triu(1).to(ids.device());
        auto x = embed_tokens->forward(ids);
        std::size_t first_site = 0;
        for (const auto& layer : *layers) {
            x = layer->as<decoder_layer>()->forward(x, cos, sin, mask, layer_hook{hook, first_site, last});
            first_site += llama_sites_per_layer;
        }
        return norm->forward(x);
    }
    llama_config shape;
    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    rms_norm norm{nullptr};
};
TORCH_MODULE_IMPL(llama_body, llama_body_impl);

/// Body plus the two heads. Only `score` is exported with the reward model; `lm_head` with the
/// language-model checkpoint.
struct llama_model_impl : torch::nn::Module {
    /// A model of shape `s`, which must pass check_llama_config and be a Llama or Qwen2 without
    /// rope scaling (the reference engine also runs Qwen3, Gemma-2 and rope scaling; this module
    /// refuses them by name rather than run them wrongly).
    explicit llama_model_impl(const llama_config& s) : shape(s) {
        check_llama_config(s, "libtorch llama_model");
        if (s.model_type != "llama" && s.model_type != "qwen2")
            throw error("libtorch llama_model: model_type '" + s.model_type +
                        "' is not implemented by the libtorch module (llama and qwen2 are; the reference engine "
                        "runs it)");
        if (s.rope.type != rope_scaling::kind::none)
            throw error("libtorch llama_model: rope_scaling is not implemented by the libtorch module (the reference "
                        "engine runs it)");
        model = register_module("model", llama_body(s));
        lm_head = register_module("lm_head", linear_no_bias(torch_size(s.hidden_size), torch_size(s.vocab_size)));
        score = register_module("score", linear_no_bias(torch_size(s.hidden_size), 1));
    }
    /// Next-token logits [B, T, vocab].
    torch::Tensor logits(const torch::Tensor& ids) { return lm_head->forward(model->forward(ids)); }
    /// One reward per sequence, read at `last` (index of each sequence's last real token).
    torch::Tensor rewards(const torch::Tensor& ids, const torch::Tensor& last) {
        return rewards(ids, last, site_hook());
    }
    /// rewards() with `hook` run at every site (see site_hook; `last` is what it is given).
    torch::Tensor rewards(const torch::Tensor& ids, const torch::Tensor& last, const site_hook& hook) {
        auto h = model->forward(ids, &hook, &last);
        auto rows = torch::arange(ids.size(0), torch::kLong).to(ids.device());
        return score->forward(h.index({rows, last})).squeeze(-1);
    }
    llama_config shape;
    llama_body model{nullptr};
    torch::nn::Linear lm_head{nullptr}, score{nullptr};
};
TORCH_MODULE_IMPL(llama_model, llama_model_impl);

/// A hook that applies `intervention` (bound to `layout`, the model's llama_site_layout) at every
/// site through the tensor adapter. Both must outlive the hook. CPU tensors; score under
/// torch::NoGradGuard.
template <Intervention I>
site_hook intervention_hook(const I& intervention, const site_layout& layout) {
    return [&intervention, &layout](std::size_t site, const torch::Tensor& activations, const torch::Tensor& last) {
        apply(intervention, layout, site, activations, last);
    };
}

/// A hook that hands every site's last-token activations to `sink` (sink.put(b, site, values)
/// for sequence b of the batch). Both must outlive the hook.
template <ActivationSink K>
site_hook collection_hook(K& sink, const site_layout& layout) {
    return [&sink, &layout](std::size_t site, const torch::Tensor& activations, const torch::Tensor& last) {
        collect_last_tokens(sink, layout, site, activations, last);
    };
}

}  // namespace cirm::libtorch
