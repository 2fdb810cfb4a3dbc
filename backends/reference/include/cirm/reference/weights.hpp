#pragma once
/// \file
/// The tensors of a Llama-family reward model, loaded from `model.safetensors` or, when there is
/// none, from the shards listed in `model.safetensors.index.json` (Hugging Face layout and
/// names), and checked against the config: every expected tensor present once, with its exact
/// shape; nothing else present; each shard holding exactly what the index puts in it.
///
/// Tensors are kept as F32, row-major as stored (a linear layer's weight is out × in). F32
/// tensors whose bytes are 4-byte aligned are used in place from the read-only file mapping (no
/// copy); misaligned F32 and F16/BF16 tensors are converted once into owned memory. A mapping
/// from which nothing is used in place is released after loading, so no tensor is held twice.
///
/// Expected names, for layer N: model.embed_tokens.weight [vocab, hidden];
/// model.layers.N.input_layernorm.weight [hidden];
/// model.layers.N.self_attn.{q,k,v,o}_proj.weight (+ .bias where the config says so);
/// model.layers.N.post_attention_layernorm.weight [hidden];
/// model.layers.N.mlp.{gate,up,down}_proj.weight (+ .bias with mlp_bias);
/// model.norm.weight [hidden]; score.weight [1, hidden] (one label: the reward).
/// `model.layers.N.self_attn.rotary_emb.inv_freq`, a buffer older transformers versions saved,
/// is recomputed from rope_theta and therefore skipped.

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
#include "cirm/reference/config.hpp"

namespace cirm::reference {

/// A linear layer y = x · Wᵀ + b: `weight` points at out × in floats (row-major), `bias` at out
/// floats or is null.
struct linear_weights {
    const float* weight = nullptr;
    const float* bias = nullptr;
    std::size_t out = 0;
    std::size_t in = 0;
};

/// The tensors of one transformer block.
struct layer_weights {
    const float* input_norm = nullptr;  ///< hidden floats
    linear_weights q, k, v, o;
    const float* post_attention_norm = nullptr;  ///< hidden floats
    linear_weights gate, up, down;
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

    const float* embedding = nullptr;   ///< vocab × hidden
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
        auto want_linear = [&](const std::string& name, linear_weights& lin, std::size_t out, std::size_t in, bool bias) {
            lin.out = out;
            lin.in = in;
            want(name + ".weight", {out, in}, &lin.weight);
            if (bias) want(name + ".bias", {out}, &lin.bias);
        };
        const std::size_t h = c.hidden_size;
        want("model.embed_tokens.weight", {c.vocab_size, h}, &embedding);
        layers.assign(c.num_hidden_layers, layer_weights{});
        for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
            const std::string p = "model.layers." + std::to_string(l) + ".";
            layer_weights& L = layers[l];
            want(p + "input_layernorm.weight", {h}, &L.input_norm);
            want_linear(p + "self_attn.q_proj", L.q, c.q_width(), h, c.qkv_bias);
            want_linear(p + "self_attn.k_proj", L.k, c.kv_width(), h, c.qkv_bias);
            want_linear(p + "self_attn.v_proj", L.v, c.kv_width(), h, c.qkv_bias);
            want_linear(p + "self_attn.o_proj", L.o, h, c.q_width(), c.o_bias);
            want(p + "post_attention_layernorm.weight", {h}, &L.post_attention_norm);
            want_linear(p + "mlp.gate_proj", L.gate, c.intermediate_size, h, c.mlp_bias);
            want_linear(p + "mlp.up_proj", L.up, c.intermediate_size, h, c.mlp_bias);
            want_linear(p + "mlp.down_proj", L.down, h, c.intermediate_size, c.mlp_bias);
        }
        want("model.norm.weight", {h}, &final_norm);
        want("score.weight", {1, h}, &score);
        return list;
    }

    /// Shard file names from an index, each with the tensors the index puts in it.
    static std::map<std::string, std::set<std::string>> read_index(const std::filesystem::path& index_path) {
        const std::string source = index_path.string();
        auto parsed = cirm::detail::parse_json_rejecting_duplicates<nlohmann::json>(read_file(index_path));
        using outcome = decltype(parsed)::outcome;
        if (parsed.status == outcome::syntax_error) throw error(source + ": not valid JSON: " + parsed.syntax_message);
        if (parsed.status == outcome::duplicate_key)
            throw error(source + ": key '" + parsed.duplicate + "' appears twice" +
                        (parsed.duplicate_path.empty() ? std::string() : " in '" + parsed.duplicate_path + "'"));
        const auto& json = parsed.value;
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

    void load_from(const std::filesystem::path& directory, const llama_config& config) {
        auto expected_list = expected_tensors(config);
        std::map<std::string, expected_tensor*, std::less<>> expected;
        for (auto& [name, tensor] : expected_list) expected.emplace(name, &tensor);

        const auto single = directory / "model.safetensors";
        const auto index = directory / "model.safetensors.index.json";
        std::error_code ec;
        if (std::filesystem::exists(single, ec)) {
            take_tensors_from(single, nullptr, expected);
        } else if (std::filesystem::exists(index, ec)) {
            for (const auto& [shard, listed] : read_index(index)) {
                const auto path = directory / shard;
                const auto held = take_tensors_from(path, &listed, expected);
                for (const auto& name : listed)
                    if (held.count(name) == 0)
                        throw error(index.string() + ": weight_map puts tensor '" + name + "' in '" + shard +
                                    "', which has no tensor of that name");
            }
        } else {
            throw error("no model.safetensors or model.safetensors.index.json in '" + directory.string() + "'");
        }
        for (const auto& [name, tensor] : expected_list)
            if (!tensor.found)
                throw error("missing tensor '" + name + "' (shape " + shape_text(tensor.shape) + ") in the checkpoint in '" +
                            directory.string() + "'");
    }

    /// Takes every tensor of one file and returns their names; `listed` is the index's list for
    /// this shard (null for a single-file checkpoint).
    std::set<std::string> take_tensors_from(const std::filesystem::path& path, const std::set<std::string>* listed,
                                            std::map<std::string, expected_tensor*, std::less<>>& expected) {
        safetensors::mapped_file file(path);
        const std::string source = path.string();
        bool used_in_place = false;
        std::set<std::string> held;
        for (const auto& t : file.tensors()) {
            held.insert(t.name);
            if (listed && listed->count(t.name) == 0)
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
                    throw error(source + ": tensor '" + t.name + "' has dtype " + std::string(safetensors::to_string(t.type)) +
                                "; weights must be F32, F16 or BF16");
            }
            e.found = true;
        }
        if (used_in_place) mappings_.push_back(std::make_unique<safetensors::mapped_file>(std::move(file)));
        return held;
    }

    std::vector<std::unique_ptr<safetensors::mapped_file>> mappings_;
    std::vector<std::unique_ptr<std::vector<float>>> owned_;
    std::size_t in_place_ = 0;
    std::size_t converted_ = 0;
};

}  // namespace cirm::reference
