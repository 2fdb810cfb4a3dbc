#pragma once
/// \file
/// The forward pass of a Llama-family reward model on Eigen, with a hook at every site. Internal
/// to the engine (model.hpp drives it); kept apart so the numerics can be read on their own.
///
///   x = embed(tokens) (× √hidden for Gemma-2)
///   per layer: h = rmsnorm(x)·w_in; q, k, v = h·Wqᵀ (+b), h·Wkᵀ (+b), h·Wvᵀ (+b)   [sites q, k, v]
///              Qwen3: q, k RMS-normalized per head (q_norm, k_norm)
///              rotary(q), rotary(k) (HF rotate_half convention, frequencies rescaled as the
///              config's rope_scaling says); grouped-query causal softmax attention, logits
///              scaled by head_dim^−½ (Gemma-2: query_pre_attn_scalar^−½, then soft-capped,
///              and within the sliding window on the sliding layers); o = a·Woᵀ (+b)   [site o]
///              Gemma-2: o = rmsnorm(o)·w_post_attention
///              x += o; h = rmsnorm(x)·w (Llama, Qwen: post_attention_layernorm; Gemma-2:
///              pre_feedforward_layernorm); g = h·Wgᵀ, u = h·Wuᵀ            [sites gate, up]
///              d = (act(g) ⊙ u)·Wdᵀ, act = silu (GELU-tanh for Gemma-2)      [site down]
///              Gemma-2: d = rmsnorm(d)·w_post_feedforward
///              x += d
///   reward = score · rmsnorm(x_last)·w_final
/// Gemma-2's norms multiply by 1 + w; the loader stores that sum, so every norm here multiplies
/// by its stored weight.
/// An intervention is applied to each site's output right after the projection, before anything
/// reads it. All arithmetic is F32.
///
/// Two passes share these steps:
///   - forward_sequence: all tokens of one sample (rows = positions), optionally storing the
///     keys and values for a prefix cache;
///   - forward_last_tokens: the last token of several cached samples at once (rows = samples),
///     each attending to its own cached keys and values. Batching the rows turns the weight
///     products into matrix–matrix products that read each weight once per batch, not once per
///     sample — the fast path of the budget search.
/// Activations are rows × features row-major matrices in a per-thread workspace that only grows;
/// nothing is allocated per token.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "cirm/activation_view.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/weights.hpp"

namespace cirm::reference::detail {

using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using const_row_map = Eigen::Map<const row_matrix>;
using const_strided_map = Eigen::Map<const row_matrix, 0, Eigen::OuterStride<>>;
using const_row_vector_map = Eigen::Map<const Eigen::RowVectorXf>;

/// Scratch memory of the passes; one per thread, reused across samples.
struct workspace {
    row_matrix x, normed, q, k, v, attention, projected, gate, up;
    row_matrix scores;                       ///< attention weights, one head at a time
    row_matrix rotary_cos, rotary_sin;       ///< rows × head_dim/2
    std::vector<float> captured;             ///< last-token activations of every site (collect only)
    std::vector<float> inverse_frequencies;  ///< the rotary frequencies of the current pass

    /// Makes room for `rows` rows of activations.
    void reserve_rows(const llama_config& c, std::size_t rows) {
        if (static_cast<std::size_t>(x.rows()) >= rows) return;
        const auto n = static_cast<Eigen::Index>(rows);
        const auto h = static_cast<Eigen::Index>(c.hidden_size);
        const auto qw = static_cast<Eigen::Index>(c.q_width());
        const auto kvw = static_cast<Eigen::Index>(c.kv_width());
        const auto inter = static_cast<Eigen::Index>(c.intermediate_size);
        x.resize(n, h);
        normed.resize(n, h);
        projected.resize(n, h);
        q.resize(n, qw);
        attention.resize(n, qw);
        k.resize(n, kvw);
        v.resize(n, kvw);
        gate.resize(n, inter);
        up.resize(n, inter);
        rotary_cos.resize(n, static_cast<Eigen::Index>(c.head_dim / 2));
        rotary_sin.resize(n, static_cast<Eigen::Index>(c.head_dim / 2));
    }

    /// Makes room for a rows × columns block of attention weights. Rows start at a multiple of
    /// 16 floats, so every row has the same alignment whatever the capacity: Eigen's vectorized
    /// sums then add in the same order, and a reward is bit-identical however the workspace was
    /// used before.
    void reserve_scores(std::size_t rows, std::size_t columns) {
        const auto need_rows = static_cast<Eigen::Index>(rows);
        const auto need_cols = static_cast<Eigen::Index>((columns + 15) / 16 * 16);
        if (scores.rows() < need_rows || scores.cols() < need_cols)
            scores.resize(std::max(scores.rows(), need_rows), std::max(scores.cols(), need_cols));
    }
};

/// The keys (after rotary) and values of a sample's first `positions` positions: for layer l,
/// `positions` rows of kv_width floats at keys + l·layer_stride and values + l·layer_stride.
struct kv_context {
    const float* keys = nullptr;
    const float* values = nullptr;
    std::size_t positions = 0;
    std::size_t layer_stride = 0;
};

/// Where forward_sequence stores keys and values (same layout as kv_context).
struct kv_store {
    float* keys = nullptr;
    float* values = nullptr;
    std::size_t layer_stride = 0;
};

/// One sample of forward_last_tokens: its last token and the context before it.
struct cached_token {
    std::int32_t token = 0;
    kv_context context;
};

/// Does nothing with site activations (a pass that only scores).
struct no_capture {
    static constexpr bool active = false;
    void operator()(std::size_t, const float*, std::size_t) const noexcept {}
};

/// out[0..rows) = rmsnorm(in[0..rows)) ⊙ weight.
inline void rms_norm(const row_matrix& in, row_matrix& out, std::size_t rows, const float* weight, float eps) {
    const auto h = in.cols();
    const const_row_vector_map w(weight, h);
    for (Eigen::Index t = 0; t < static_cast<Eigen::Index>(rows); ++t) {
        const float mean_square = in.row(t).squaredNorm() / static_cast<float>(h);
        const float inverse_rms = 1.0f / std::sqrt(mean_square + eps);
        out.row(t) = (in.row(t) * inverse_rms).cwiseProduct(w);
    }
}

/// out[0..rows) = in[0..rows) · Wᵀ + b (W row-major out × in, used in place).
inline void linear(const row_matrix& in, std::size_t rows, const linear_weights& lin, row_matrix& out) {
    assert(static_cast<std::size_t>(in.cols()) == lin.in && static_cast<std::size_t>(out.cols()) == lin.out);
    const auto n = static_cast<Eigen::Index>(rows);
    const const_row_map w(lin.weight, static_cast<Eigen::Index>(lin.out), static_cast<Eigen::Index>(lin.in));
    out.topRows(n).noalias() = in.topRows(n) * w.transpose();
    if (lin.bias) out.topRows(n).rowwise() += const_row_vector_map(lin.bias, static_cast<Eigen::Index>(lin.out));
}

/// Fills row r of the rotary tables with cos and sin of position(r)·f_i, i < d/2, for the
/// inverse frequencies f_i of rotary_inverse_frequencies (θ^(−2i/d) rounded to F32 as Hugging
/// Face computes them, rescaled by the config's rope_scaling).
template <class Position>
void rotary_tables(const llama_config& c, std::size_t rows, Position position, workspace& ws) {
    const std::size_t half = c.head_dim / 2;
    ws.inverse_frequencies.resize(half);  // grows once: nothing is allocated per pass
    rotary_inverse_frequencies(c.head_dim, c.rope_theta, c.rope, ws.inverse_frequencies.data());
    for (std::size_t i = 0; i < half; ++i) {
        const float inverse_frequency = ws.inverse_frequencies[i];
        for (std::size_t r = 0; r < rows; ++r) {
            const float angle = static_cast<float>(position(r)) * inverse_frequency;
            const auto row = static_cast<Eigen::Index>(r), col = static_cast<Eigen::Index>(i);
            ws.rotary_cos(row, col) = static_cast<float>(std::cos(static_cast<double>(angle)));
            ws.rotary_sin(row, col) = static_cast<float>(std::sin(static_cast<double>(angle)));
        }
    }
}

/// Rotates every head of `m` (rows × heads·head_dim) by the tables' row: for i < d/2,
/// (x_i, x_{i+d/2}) → (x_i·cos − x_{i+d/2}·sin, x_{i+d/2}·cos + x_i·sin).
inline void apply_rotary(row_matrix& m, std::size_t rows, std::size_t heads, std::size_t head_dim,
                         const workspace& ws) {
    const std::size_t half = head_dim / 2;
    for (std::size_t r = 0; r < rows; ++r) {
        float* row = m.data() + r * static_cast<std::size_t>(m.cols());
        const float* cos = ws.rotary_cos.data() + r * half;
        const float* sin = ws.rotary_sin.data() + r * half;
        for (std::size_t h = 0; h < heads; ++h) {
            float* x = row + h * head_dim;
            for (std::size_t i = 0; i < half; ++i) {
                const float a = x[i], b = x[i + half];
                x[i] = a * cos[i] - b * sin[i];
                x[i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}

/// How attention logits become weights: scaled, optionally soft-capped (tanh(s/cap)·cap).
struct logit_rule {
    float scale = 1.0f;
    float softcap = 0.0f;  ///< 0: no cap
};

/// The logit rule of a config: scale head_dim^−½ or query_pre_attn_scalar^−½, and its cap.
inline logit_rule logit_rule_of(const llama_config& c) {
    return {c.attention_scale(), static_cast<float>(c.attention_softcap)};
}

/// The first position that position `position` sees in layer `layer`: 0, or within the sliding
/// window on a sliding layer (position − window < first).
inline std::size_t first_visible(const llama_config& c, std::size_t layer, std::size_t position) {
    if (!c.slides(layer) || position < c.sliding_window) return 0;
    return position + 1 - c.sliding_window;
}

/// Softmax of the entries [begin, end) of a row of raw scores under `rule`; the rest of `row` is
/// zeroed.
template <class Row>
void window_softmax(Row row, Eigen::Index begin, Eigen::Index end, const logit_rule& rule) {
    auto seen = row.segment(begin, end - begin);
    seen *= rule.scale;
    if (rule.softcap > 0.0f) seen = ((seen.array() / rule.softcap).tanh() * rule.softcap).matrix();
    const float largest = seen.maxCoeff();
    seen = (seen.array() - largest).exp().matrix();
    seen /= seen.sum();
    row.head(begin).setZero();
    row.tail(row.size() - end).setZero();
}

/// Per-head RMSNorm of `m` (rows × heads·head_dim) with one weight of head_dim floats (Qwen3's
/// q_norm and k_norm).
inline void head_rms_norm(row_matrix& m, std::size_t rows, std::size_t heads, std::size_t head_dim, const float* weight,
                          float eps) {
    const const_row_vector_map w(weight, static_cast<Eigen::Index>(head_dim));
    const auto d = static_cast<Eigen::Index>(head_dim);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t h = 0; h < heads; ++h) {
            auto x = m.row(static_cast<Eigen::Index>(r)).segment(static_cast<Eigen::Index>(h) * d, d);
            const float inverse_rms = 1.0f / std::sqrt(x.squaredNorm() / static_cast<float>(head_dim) + eps);
            x = (x * inverse_rms).cwiseProduct(w);
        }
}

/// Grouped-query causal attention of a whole sequence (rows = positions) into ws.attention.
inline void attend_sequence(const llama_config& c, std::size_t layer, std::size_t tokens, workspace& ws) {
    const auto T = static_cast<Eigen::Index>(tokens);
    const auto d = static_cast<Eigen::Index>(c.head_dim);
    const logit_rule rule = logit_rule_of(c);
    auto scores = ws.scores.topLeftCorner(T, T);
    for (std::size_t head = 0; head < c.num_attention_heads; ++head) {
        const auto kv_head = static_cast<Eigen::Index>(head / c.heads_per_kv_head());
        const auto q = ws.q.block(0, static_cast<Eigen::Index>(head) * d, T, d);
        const auto k = ws.k.block(0, kv_head * d, T, d);
        const auto v = ws.v.block(0, kv_head * d, T, d);
        scores.noalias() = q * k.transpose();
        for (Eigen::Index t = 0; t < T; ++t)  // position t sees first_visible … t
            window_softmax(scores.row(t),
                           static_cast<Eigen::Index>(first_visible(c, layer, static_cast<std::size_t>(t))), t + 1,
                           rule);
        ws.attention.block(0, static_cast<Eigen::Index>(head) * d, T, d).noalias() = scores * v;
    }
}

/// Attention of each row's token (rows = samples) over its own cached positions and itself.
inline void attend_last_tokens(const llama_config& c, std::size_t layer, std::span<const cached_token> inputs,
                               workspace& ws) {
    const auto d = static_cast<Eigen::Index>(c.head_dim);
    const auto kvw = static_cast<Eigen::Index>(c.kv_width());
    const logit_rule rule = logit_rule_of(c);
    for (std::size_t r = 0; r < inputs.size(); ++r) {
        const kv_context& context = inputs[r].context;
        const auto row = static_cast<Eigen::Index>(r);
        const auto P = static_cast<Eigen::Index>(context.positions);
        const auto first = static_cast<Eigen::Index>(first_visible(c, layer, context.positions));
        auto scores = ws.scores.row(0).head(P + 1);
        for (std::size_t head = 0; head < c.num_attention_heads; ++head) {
            const auto kv_head = static_cast<Eigen::Index>(head / c.heads_per_kv_head());
            const auto q = ws.q.row(row).segment(static_cast<Eigen::Index>(head) * d, d);
            const auto k = ws.k.row(row).segment(kv_head * d, d);
            const auto v = ws.v.row(row).segment(kv_head * d, d);
            auto out = ws.attention.row(row).segment(static_cast<Eigen::Index>(head) * d, d);
            if (P) {
                const const_strided_map cached_k(context.keys + layer * context.layer_stride + kv_head * d, P, d,
                                                 Eigen::OuterStride<>(kvw));
                scores.head(P).noalias() = q * cached_k.transpose();
            }
            scores(P) = q.dot(k);
            window_softmax(scores, first, P + 1, rule);
            out = scores(P) * v;
            if (P) {
                const const_strided_map cached_v(context.values + layer * context.layer_stride + kv_head * d, P, d,
                                                 Eigen::OuterStride<>(kvw));
                out.noalias() += scores.head(P) * cached_v;
            }
        }
    }
}

/// Applies the intervention to one site's output (if it touches the site) and hands the last
/// row to `capture`. `samples_are_rows`: each row is the last token of a different sample, so the
/// intervention sees one 1-row view per sample; otherwise the rows are one sample's positions.
template <class I, class Capture>
void at_site(std::size_t site, row_matrix& m, std::size_t rows, bool samples_are_rows, const I& intervention,
             Capture& capture) {
    const auto width = static_cast<std::size_t>(m.cols());
    if (intervention.touches(site)) {
        if (samples_are_rows) {
            for (std::size_t r = 0; r < rows; ++r) intervention.apply(site, make_view(m.data() + r * width, 1, width));
        } else {
            intervention.apply(site, make_view(m.data(), rows, width));
        }
    }
    if constexpr (Capture::active) capture(site, m.data() + (rows - 1) * width, width);
}

/// The transformer blocks over ws.x[0..rows), whose rotary tables are filled; `attend` is called
/// after the rotary step of every layer, `store_kv` before it returns from the rotary step.
template <class I, class Capture, class Attend, class StoreKV>
void run_blocks(const llama_config& c, const llama_weights& w, workspace& ws, std::size_t rows, bool samples_are_rows,
                const I& intervention, Capture& capture, Attend attend, StoreKV store_kv) {
    const auto n = static_cast<Eigen::Index>(rows);
    const auto eps = static_cast<float>(c.rms_norm_eps);
    for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
        const layer_weights& L = w.layers[l];
        // the layer's sites, at the positions of cirm/llama_layout.hpp's order
        static_assert(llama_site_in_layer(module_kind::q_proj) == 0 && llama_site_in_layer(module_kind::k_proj) == 1 &&
                      llama_site_in_layer(module_kind::v_proj) == 2 && llama_site_in_layer(module_kind::o_proj) == 3 &&
                      llama_site_in_layer(module_kind::gate_proj) == 4 &&
                      llama_site_in_layer(module_kind::up_proj) == 5 &&
                      llama_site_in_layer(module_kind::down_proj) == 6);
        const std::size_t site = l * llama_sites_per_layer;

        rms_norm(ws.x, ws.normed, rows, L.input_norm, eps);
        linear(ws.normed, rows, L.q, ws.q);
        at_site(site + 0, ws.q, rows, samples_are_rows, intervention, capture);
        linear(ws.normed, rows, L.k, ws.k);
        at_site(site + 1, ws.k, rows, samples_are_rows, intervention, capture);
        linear(ws.normed, rows, L.v, ws.v);
        at_site(site + 2, ws.v, rows, samples_are_rows, intervention, capture);

        if (c.qk_norm) {
            head_rms_norm(ws.q, rows, c.num_attention_heads, c.head_dim, L.q_norm, eps);
            head_rms_norm(ws.k, rows, c.num_key_value_heads, c.head_dim, L.k_norm, eps);
        }
        apply_rotary(ws.q, rows, c.num_attention_heads, c.head_dim, ws);
        apply_rotary(ws.k, rows, c.num_key_value_heads, c.head_dim, ws);
        store_kv(l);
        attend(l);

        linear(ws.attention, rows, L.o, ws.projected);
        at_site(site + 3, ws.projected, rows, samples_are_rows, intervention, capture);
        if (c.sandwich_norms) rms_norm(ws.projected, ws.projected, rows, L.post_attention_norm, eps);
        ws.x.topRows(n) += ws.projected.topRows(n);

        rms_norm(ws.x, ws.normed, rows, c.sandwich_norms ? L.pre_feedforward_norm : L.post_attention_norm, eps);
        linear(ws.normed, rows, L.gate, ws.gate);
        at_site(site + 4, ws.gate, rows, samples_are_rows, intervention, capture);
        linear(ws.normed, rows, L.up, ws.up);
        at_site(site + 5, ws.up, rows, samples_are_rows, intervention, capture);
        auto g = ws.gate.topRows(n).array();
        if (c.activation == mlp_activation::silu) {
            // silu(g) ⊙ u, in place in the gate buffer: g / (1 + e^−g) · u.
            g = g / (1.0f + (-g).exp()) * ws.up.topRows(n).array();
        } else {
            // GELU, tanh form: 0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³))) · u.
            constexpr float root_two_over_pi = 0.7978845608028654f;
            g = 0.5f * g * (1.0f + (root_two_over_pi * (g + 0.044715f * g.cube())).tanh()) * ws.up.topRows(n).array();
        }
        linear(ws.gate, rows, L.down, ws.projected);
        at_site(site + 6, ws.projected, rows, samples_are_rows, intervention, capture);
        if (c.sandwich_norms) rms_norm(ws.projected, ws.projected, rows, L.post_feedforward_norm, eps);
        ws.x.topRows(n) += ws.projected.topRows(n);
    }
}

/// The score head on row `row` of ws.x: score · rmsnorm(x)·w_final.
inline float reward_of_row(const llama_config& c, const llama_weights& w, const workspace& ws, std::size_t row) {
    const auto h = static_cast<Eigen::Index>(c.hidden_size);
    const auto x = ws.x.row(static_cast<Eigen::Index>(row));
    const float inverse_rms =
        1.0f / std::sqrt(x.squaredNorm() / static_cast<float>(h) + static_cast<float>(c.rms_norm_eps));
    const const_row_vector_map final_norm(w.final_norm, h), score(w.score, h);
    return (x * inverse_rms).cwiseProduct(final_norm).dot(score);
}

inline void embed(const llama_config& c, const llama_weights& w, workspace& ws, std::size_t row, std::int32_t token) {
    const const_row_map embedding(w.embedding, static_cast<Eigen::Index>(c.vocab_size),
                                  static_cast<Eigen::Index>(c.hidden_size));
    ws.x.row(static_cast<Eigen::Index>(row)) = embedding.row(token);
    if (c.scale_embeddings)  // √hidden rounded to F32, as Gemma-2 multiplies
        ws.x.row(static_cast<Eigen::Index>(row)) *= static_cast<float>(std::sqrt(static_cast<double>(c.hidden_size)));
}

/// Runs all `tokens` of one sample (ids already checked against the vocabulary) from position 0;
/// stores keys and values if `store` is given; returns the reward at the last token when
/// `want_reward`, else 0.
template <class I, class Capture>
float forward_sequence(const llama_config& c, const llama_weights& w, workspace& ws,
                       std::span<const std::int32_t> tokens, const kv_store* store, const I& intervention,
                       Capture& capture, bool want_reward) {
    assert(!tokens.empty());
    const std::size_t T = tokens.size();
    ws.reserve_rows(c, T);
    ws.reserve_scores(T, T);
    rotary_tables(
        c, T, [](std::size_t r) { return r; }, ws);
    for (std::size_t t = 0; t < T; ++t) embed(c, w, ws, t, tokens[t]);
    const std::size_t kv_floats = T * c.kv_width();
    run_blocks(
        c, w, ws, T, false, intervention, capture, [&](std::size_t layer) { attend_sequence(c, layer, T, ws); },
        [&](std::size_t layer) {
            if (!store) return;
            std::copy_n(ws.k.data(), kv_floats, store->keys + layer * store->layer_stride);
            std::copy_n(ws.v.data(), kv_floats, store->values + layer * store->layer_stride);
        });
    return want_reward ? reward_of_row(c, w, ws, T - 1) : 0.0f;
}

/// Runs the last token of each cached sample (one row per sample) under `intervention` and writes
/// each sample's reward.
template <class I>
void forward_last_tokens(const llama_config& c, const llama_weights& w, workspace& ws,
                         std::span<const cached_token> inputs, const I& intervention, std::span<float> rewards) {
    assert(!inputs.empty() && rewards.size() == inputs.size());
    const std::size_t B = inputs.size();
    std::size_t longest = 0;
    for (const auto& in : inputs) longest = std::max(longest, in.context.positions);
    ws.reserve_rows(c, B);
    ws.reserve_scores(1, longest + 1);
    rotary_tables(
        c, B, [&](std::size_t r) { return inputs[r].context.positions; }, ws);
    for (std::size_t r = 0; r < B; ++r) embed(c, w, ws, r, inputs[r].token);
    no_capture none;
    run_blocks(
        c, w, ws, B, true, intervention, none, [&](std::size_t layer) { attend_last_tokens(c, layer, inputs, ws); },
        [](std::size_t) {});
    for (std::size_t r = 0; r < B; ++r) rewards[r] = reward_of_row(c, w, ws, r);
}

}  // namespace cirm::reference::detail
