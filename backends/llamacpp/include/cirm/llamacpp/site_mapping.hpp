#pragma once
/// \file
/// Where cirm's sites are in a llama.cpp graph, and what a neuron index means there
/// (docs/architecture.md, backends).
///
/// A site is the output of one of the seven projections of a layer. In llama.cpp's graph it is the
/// matrix product (GGML_OP_MUL_MAT) whose first operand is the weight `blk.N.attn_q.weight`,
/// `attn_k`, `attn_v`, `attn_output`, `ffn_gate`, `ffn_up` or `ffn_down` — or, where the
/// projection has a bias (Qwen2's q, k and v), the addition that follows it, whose operands are
/// that product and `blk.N.<name>.bias`. Sites are found by the names of the weights, never by
/// node names: llama.cpp gives later reshape and rotary nodes the same names ("Qcur", "Kcur"),
/// and the names differ between architectures.
///
/// Neuron indices are those of the Hugging Face layout in both engines. Converting a Llama
/// checkpoint to GGUF reorders the rows of q_proj and k_proj inside each head, because llama.cpp
/// rotates interleaved pairs (2i, 2i+1) where Hugging Face rotates the two halves (i, i + d/2):
/// with d = head_dim, Hugging Face row h·d + p·d/2 + i (head h, half p ∈ {0, 1}, i < d/2) is GGUF
/// row h·d + 2i + p. The backend reads and writes q and k through this map, so that one spec
/// applies unchanged in the reference engine and in llama.cpp. Qwen2, Qwen3 and Gemma-2 rotate
/// halves in llama.cpp too; their rows are not reordered.

#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>

#include "cirm/llama_layout.hpp"
#include "cirm/site.hpp"

namespace cirm::llamacpp {

/// The GGUF name stem of projection `kind` ("attn_q", ..., "ffn_down").
constexpr std::string_view gguf_projection_name(module_kind kind) {
    switch (kind) {
        case module_kind::q_proj: return "attn_q";
        case module_kind::k_proj: return "attn_k";
        case module_kind::v_proj: return "attn_v";
        case module_kind::o_proj: return "attn_output";
        case module_kind::gate_proj: return "ffn_gate";
        case module_kind::up_proj: return "ffn_up";
        case module_kind::down_proj: return "ffn_down";
        case module_kind::other: break;
    }
    return {};
}

/// A projection parameter named in a GGUF: layer, projection and whether it is the bias.
struct gguf_projection_tensor {
    std::size_t layer = 0;
    module_kind kind = module_kind::other;
    bool bias = false;
};

/// Parses `blk.N.<projection>.weight` or `.bias` (projection one of gguf_projection_name's);
/// nullopt for any other name.
inline std::optional<gguf_projection_tensor> parse_gguf_projection_tensor(std::string_view name) {
    constexpr std::string_view prefix = "blk.";
    if (!name.starts_with(prefix)) return std::nullopt;
    name.remove_prefix(prefix.size());
    std::size_t layer = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), layer);
    if (ec != std::errc{} || end == name.data() || end == name.data() + name.size() || *end != '.') return std::nullopt;
    name.remove_prefix(static_cast<std::size_t>(end - name.data()) + 1);
    bool bias = false;
    if (name.ends_with(".weight")) {
        name.remove_suffix(7);
    } else if (name.ends_with(".bias")) {
        name.remove_suffix(5);
        bias = true;
    } else {
        return std::nullopt;
    }
    for (const auto kind : llama_layer_sites)
        if (name == gguf_projection_name(kind)) return gguf_projection_tensor{layer, kind, bias};
    return std::nullopt;
}

/// The position in llama_site_layout of projection `kind` of layer `layer`.
constexpr std::size_t llama_site_index(std::size_t layer, module_kind kind) {
    return layer * llama_sites_per_layer + llama_site_in_layer(kind);
}

/// The GGUF row of Hugging Face neuron `neuron` of a q_proj or k_proj output whose rows were
/// reordered inside each head of `head_dim` (even) rows: h·d + p·d/2 + i → h·d + 2i + p.
constexpr std::size_t gguf_row_of_hf_neuron(std::size_t neuron, std::size_t head_dim) noexcept {
    const std::size_t half = head_dim / 2;
    const std::size_t head = neuron / head_dim, within = neuron % head_dim;
    const std::size_t p = within / half, i = within % half;
    return head * head_dim + 2 * i + p;
}

/// The inverse of gguf_row_of_hf_neuron: h·d + 2i + p → h·d + p·d/2 + i.
constexpr std::size_t hf_neuron_of_gguf_row(std::size_t row, std::size_t head_dim) noexcept {
    const std::size_t half = head_dim / 2;
    const std::size_t head = row / head_dim, within = row % head_dim;
    return head * head_dim + (within % 2) * half + within / 2;
}

/// Whether the GGUF conversion of a model of this type reorders the rows of projection `kind`
/// (q and k of model_type "llama").
inline bool gguf_rows_reordered(const llama_config& c, module_kind kind) noexcept {
    return c.model_type == "llama" && (kind == module_kind::q_proj || kind == module_kind::k_proj);
}

}  // namespace cirm::llamacpp
