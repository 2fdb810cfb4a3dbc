#pragma once
/// \file
/// The tensors of a Llama-family reward model, loaded from `model.safetensors` or, when there is
/// none, from the shards listed in `model.safetensors.index.json` (Hugging Face layout and
/// names), and checked against the config: every expected tensor present once, with its exact
/// shape; nothing else present; each shard holding exactly what the index puts in it; every
/// element finite (a NaN weight is refused, naming the tensor and element). The files' headers
/// are read before anything is sized by the config, so a config that claims far more tensors than
/// the checkpoint holds (a huge num_hidden_layers) is refused before it can allocate.
///
/// Tensors are kept as F32, row-major as stored (a linear layer's weight is out × in). F32
/// tensors whose bytes are 4-byte aligned are used in place from the read-only file mapping (no
/// copy); misaligned F32 and F16/BF16 tensors are converted once into owned memory. A mapping
/// from which nothing is used in place is released after loading, so no tensor is held twice.
///
/// Expected names, for layer N: model.embed_tokens.weight [vocab, hidden];
/// model.layers.N.input_layernorm.weight [hidden];
/// model.layers.N.self_attn.{q,k,v,o}_proj.weight (+ .bias where the config says so);
/// model.layers.N.self_attn.{q,k}_norm.weight [head_dim] (Qwen3);
/// model.layers.N.post_attention_layernorm.weight [hidden];
/// model.layers.N.pre_feedforward_layernorm.weight [hidden] (Gemma-2);
/// model.layers.N.mlp.{gate,up,down}_proj.weight (+ .bias with mlp_bias);
/// model.layers.N.post_feedforward_layernorm.weight [hidden] (Gemma-2);
/// model.norm.weight [hidden]; score.weight [1, hidden] (one label: the reward). Tied embeddings
/// need nothing more: a sequence classifier has no language-model head.
///
/// Memory: before any tensor is converted, the bytes the weights take as F32 are compared with
/// the memory available (cirm/reference/memory.hpp); a model that does not fit is refused with
/// both numbers instead of being killed part-way through loading.
/// `model.layers.N.self_attn.rotary_emb.inv_freq`, a buffer older transformers versions saved,
/// is recomputed from rope_theta and therefore skipped.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/memory.hpp"
#include "cirm/site.hpp"

namespace cirm::reference {

/// A linear layer y = x · Wᵀ + b: `weight` points at out × in floats (row-major), `bias` at out
/// floats or is null.
struct linear_weights {
    const float* weight = nullptr;
    const float* bias = nullptr;
    std::size_t out = 0;
    std::size_t in = 0;
};

/// The tensors of one transformer block. Norm weights are the factors the normalized values are
/// multiplied by: for a model whose norms add one (Gemma-2), 1 + w as F32, computed at load.
struct layer_weights {
    const float* input_norm = nullptr;  ///< hidden floats
    linear_weights q, k, v, o;
    const float* q_norm = nullptr;  ///< head_dim floats (Qwen3), else null
    const float* k_norm = nullptr;  ///< head_dim floats (Qwen3), else null
    /// hidden floats: the norm before the MLP (Llama, Qwen), or the norm of the attention
    /// output (Gemma-2's sandwich norms)
    const float* post_attention_norm = nullptr;
    const float* pre_feedforward_norm = nullptr;   ///< hidden floats (Gemma-2), else null
    const float* post_feedforward_norm = nullptr;  ///< hidden floats (Gemma-2), else null
    linear_weights gate, up, down;

    /// The projection of this kind (one of the layer's sites).
    linear_weights& projection(module_kind kind) {
        switch (kind) {
            case module_kind::q_proj: return q;
            case module_kind::k_proj: return k;
            case module_kind::v_proj: return v;
            case module_kind::o_proj: return o;
            case module_kind::gate_proj: return gate;
            case module_kind::up_proj: return up;
            case module_kind::down_proj: return down;
            case module_kind::other: break;
        }
        throw error("a Llama-family layer has no projection of kind '" + std::string(to_string(kind)) + "'");
    }
};

/// All tensors of the model, as F32. Move-only; pointers stay valid across moves.
class llama_weights {
public:
    /// Loads the tensors of the model in `directory` and checks them against `config`.
    static llama_weights load(const std::filesystem::path& directory, const llama_config& config) {
        llama_weights w;
        w.load_from(directory, config);
        return w;
    }

    const float* embedding = nullptr;  ///< vocab × hidden
    std::vector<layer_weights> layers;
    const float* final_norm = nullptr;  ///< hidden floats
    const float* score = nullptr;       ///< hidden floats (the one row of score.weight)

    /// How many tensors are used in place from the mapping, and how many were converted/copied.
    std::size_t tensors_in_place() const noexcept { return in_place_; }
    std::size_t tensors_converted() const noexcept { return converted_; }

    llama_weights(llama_weights&&) noexcept = default;
    llama_weights& operator=(llama_weights&&) noexcept = default;
    llama_weights(const llama_weights&) = delete;
    llama_weights& operator=(const llama_weights&) = delete;

private:
    llama_weights() = default;

    /// One tensor the model needs: its shape and where to store the pointer to its floats.
    struct expected_tensor {
        std::vector<std::size_t> shape;
        const float** slot = nullptr;
        bool found = false;
    };

    static std::string shape_text(const std::vector<std::size_t>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
        return s + "]";
    }

    static bool is_rotary_buffer(std::string_view name) {
        constexpr std::string_view prefix = "model.layers.", suffix = ".self_attn.rotary_emb.inv_freq";
        if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix ||
            name.substr(name.size() - suffix.size()) != suffix)
            return false;
        const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
        for (char ch : digits)
            if (ch < '0' || ch > '9') return false;
        return true;
    }

    /// The expected tensors in canonical order (the order a missing one is reported in).
    std::vector<std::pair<std::string, expected_tensor>> expected_tensors(const llama_config& c) {
        std::vector<std::pair<std::string, expected_tensor>> list;
        auto want = [&](std::string name, std::vector<std::size_t> shape, const float** slot) {
            list.emplace_back(std::move(name), expected_tensor{std::move(shape), slot, false});
        };
        auto want_linear = [&](const std::string& name, linear_weights& lin, std::size_t out, std::size_t in,
                               bool bias) {
            lin.out = out;
            lin.in = in;
            want(name + ".weight", {out, in}, &lin.weight);
            if (bias) want(name + ".bias", {out}, &lin.bias);
        };
        const std::size_t h = c.hidden_size;
        want("model.embed_tokens.weight", {c.vocab_size, h}, &embedding);
        layers.assign(c.num_hidden_layers, layer_weights{});
        for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
            const std::string p = llama_layer_path(l);
            layer_weights& L = layers[l];
            want(p + "input_layernorm.weight", {h}, &L.input_norm);
            for (const auto kind : llama_layer_sites) {
                if (kind == module_kind::o_proj && c.qk_norm) {
                    want(p + "self_attn.q_norm.weight", {c.head_dim}, &L.q_norm);
                    want(p + "self_attn.k_norm.weight", {c.head_dim}, &L.k_norm);
                }
                if (kind == module_kind::gate_proj) {
                    want(p + "post_attention_layernorm.weight", {h}, &L.post_attention_norm);
                    if (c.sandwich_norms) want(p + "pre_feedforward_layernorm.weight", {h}, &L.pre_feedforward_norm);
                }
                const auto projection = llama_projection_of(c, kind);
                want_linear(p + std::string(projection.path), L.projection(kind), projection.out, projection.in,
                            projection.bias);
            }
            if (c.sandwich_norms) want(p + "post_feedforward_layernorm.weight", {h}, &L.post_feedforward_norm);
        }
        want("model.norm.weight", {h}, &final_norm);
        want("score.weight", {1, h}, &score);
        return list;
    }

    /// Shard file names from an index, each with the tensors the index puts in it.
    static std::map<std::string, std::set<std::string>> read_index(const std::filesystem::path& index_path) {
        const std::string source = index_path.string();
        const auto json = parse_strict_json(read_file(index_path), source);
        if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object())
            throw error(source + ": missing object 'weight_map' (tensor name → shard file)");
        std::map<std::string, std::set<std::string>> shards;
        for (const auto& [tensor, file] : json["weight_map"].items()) {
            if (!file.is_string()) throw error(source + ": weight_map entry '" + tensor + "' is not a file name");
            const auto& name = file.get_ref<const std::string&>();
            // Shards live next to the index: a path that leaves the directory is refused.
            if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
                name.find('\\') != std::string::npos)
                throw error(source + ": weight_map entry '" + tensor + "' names shard '" + name +
                            "', which is not a plain file name in the model directory");
            shards[name].insert(tensor);
        }
        if (shards.empty()) throw error(source + ": weight_map is empty");
        return shards;
    }

    /// Tensors a checkpoint for this config holds (rotary buffers aside), computed without
    /// building the list: per layer 2 norms and the projections (weights and biases), then the
    /// embedding, the final norm and the score head.
    static std::uint64_t expected_tensor_count(const llama_config& c) {
        std::uint64_t per_layer = 2 + (c.qk_norm ? 2 : 0) + (c.sandwich_norms ? 2 : 0);
        for (const auto kind : llama_layer_sites) per_layer += llama_projection_of(c, kind).bias ? 2 : 1;
        return 3 + per_layer * static_cast<std::uint64_t>(c.num_hidden_layers);  // layers <= 2^31: no overflow
    }

    /// One safetensors file of the checkpoint, mapped and parsed; `listed` is what the index puts
    /// in it (empty for a single-file checkpoint).
    struct checkpoint_file {
        std::filesystem::path path;
        std::unique_ptr<safetensors::mapped_file> file;
        std::set<std::string> listed;
        bool sharded = false;
    };

    void load_from(const std::filesystem::path& directory, const llama_config& config) {
        const auto single = directory / "model.safetensors";
        const auto index = directory / "model.safetensors.index.json";
        // Every file is mapped and its header checked before anything is sized by the config, so
        // that a config claiming a huge model (e.g. 2^31 layers) is refused by comparing it with
        // what the files hold, instead of by a failed allocation.
        std::vector<checkpoint_file> files;
        std::error_code ec;
        if (std::filesystem::exists(single, ec)) {
            files.push_back({single, std::make_unique<safetensors::mapped_file>(single), {}, false});
        } else if (std::filesystem::exists(index, ec)) {
            for (auto& [shard, listed] : read_index(index)) {
                const auto path = directory / shard;
                files.push_back({path, std::make_unique<safetensors::mapped_file>(path), std::move(listed), true});
            }
        } else {
            throw error("no model.safetensors or model.safetensors.index.json in '" + directory.string() + "'");
        }
        std::uint64_t held = 0, bytes_as_f32 = 0;
        for (const auto& f : files)
            for (const auto& t : f.file->tensors()) {
                if (is_rotary_buffer(t.name)) continue;
                ++held;
                bytes_as_f32 += 4 * t.elements();
            }
        // Refused here, before anything is converted or paged in, rather than killed half-way.
        check_memory_fits(bytes_as_f32, "the weights of '" + directory.string() + "' as F32");
        // A few missing tensors are named one by one below; a config that needs far more tensors
        // than the files hold is refused here, so the list of expected tensors stays bounded by
        // the size of the headers.
        if (const auto needed = expected_tensor_count(config); needed > 2 * held + 16)
            throw error("the config of '" + directory.string() + "' describes a model of " +
                        std::to_string(config.num_hidden_layers) + " layers with " + std::to_string(needed) +
                        " tensors, but its checkpoint holds only " + std::to_string(held));

        auto expected_list = expected_tensors(config);
        std::map<std::string, expected_tensor*, std::less<>> expected;
        for (auto& [name, tensor] : expected_list) expected.emplace(name, &tensor);
        for (auto& f : files) {
            const auto names = take_tensors_from(f, expected);
            if (f.sharded)
                for (const auto& name : f.listed)
                    if (names.count(name) == 0)
                        throw error(index.string() + ": weight_map puts tensor '" + name + "' in '" +
                                    f.path.filename().string() + "', which has no tensor of that name");
        }
        for (const auto& [name, tensor] : expected_list)
            if (!tensor.found)
                throw error("missing tensor '" + name + "' (shape " + shape_text(tensor.shape) +
                            ") in the checkpoint in '" + directory.string() + "'");
        if (config.norm_adds_one) add_one_to_norms(config.hidden_size);
    }

    /// Replaces every RMSNorm weight w of the model by 1 + w (rounded to F32, as the model
    /// computes it), so that the forward pass multiplies by the stored factor either way.
    void add_one_to_norms(std::size_t h) {
        auto add_one = [&](const float*& norm, std::size_t n) {
            if (!norm) return;
            auto shifted = std::make_unique<std::vector<float>>(n);
            for (std::size_t i = 0; i < n; ++i) (*shifted)[i] = 1.0f + norm[i];
            norm = shifted->data();
            owned_.push_back(std::move(shifted));
        };
        for (auto& L : layers) {
            add_one(L.input_norm, h);
            add_one(L.post_attention_norm, h);
            add_one(L.pre_feedforward_norm, h);
            add_one(L.post_feedforward_norm, h);
        }
        add_one(final_norm, h);
    }

    /// Refuses a weight with a NaN or infinite element: it would make every reward NaN (written
    /// as null) instead of failing.
    static void check_finite(const std::string& source, const std::string& name, const float* values, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isfinite(values[i]))
                throw error(source + ": tensor '" + name + "' element " + std::to_string(i) + " is " +
                            (std::isnan(values[i]) ? "NaN" : "infinite") + "; weights must be finite");
    }

    /// Takes every tensor of one file and returns their names (the index's list for this shard
    /// is checked for a sharded checkpoint).
    std::set<std::string> take_tensors_from(checkpoint_file& f,
                                            std::map<std::string, expected_tensor*, std::less<>>& expected) {
        const safetensors::mapped_file& file = *f.file;
        const std::string source = f.path.string();
        bool used_in_place = false;
        std::set<std::string> held;
        for (const auto& t : file.tensors()) {
            held.insert(t.name);
            if (f.sharded && f.listed.count(t.name) == 0)
                throw error(source + ": tensor '" + t.name + "' is in this shard but the index does not list it here");
            if (is_rotary_buffer(t.name)) continue;
            auto it = expected.find(t.name);
            if (it == expected.end())
                throw error(source + ": unexpected tensor '" + t.name +
                            "' (not part of a Llama-family reward model with this config)");
            expected_tensor& e = *it->second;
            if (e.found) throw error(source + ": tensor '" + t.name + "' appears in more than one shard");
            if (t.shape != e.shape)
                throw error(source + ": tensor '" + t.name + "' has shape " + shape_text(t.shape) + ", expected " +
                            shape_text(e.shape));
            switch (t.type) {
                case safetensors::dtype::f32:
                    if (reinterpret_cast<std::uintptr_t>(t.bytes.data()) % alignof(float) == 0) {
                        // In place: the mapping stays alive as long as these weights.
                        *e.slot = reinterpret_cast<const float*>(t.bytes.data());
                        used_in_place = true;
                        ++in_place_;
                        break;
                    }
                    [[fallthrough]];
                case safetensors::dtype::f16:
                case safetensors::dtype::bf16:
                    owned_.push_back(std::make_unique<std::vector<float>>(t.to_floats()));
                    *e.slot = owned_.back()->data();
                    ++converted_;
                    break;
                default:
                    throw error(source + ": tensor '" + t.name + "' has dtype " +
                                std::string(safetensors::to_string(t.type)) + "; weights must be F32, F16 or BF16");
            }
            check_finite(source, t.name, *e.slot, t.elements());
            e.found = true;
        }
        if (used_in_place) mappings_.push_back(std::move(f.file));
        return held;
    }

    std::vector<std::unique_ptr<safetensors::mapped_file>> mappings_;
    std::vector<std::unique_ptr<std::vector<float>>> owned_;
    std::size_t in_place_ = 0;
    std::size_t converted_ = 0;
};

}  // namespace cirm::reference
