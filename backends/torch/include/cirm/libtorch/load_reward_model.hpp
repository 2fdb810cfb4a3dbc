#pragma once
/// \file
/// Loads a reward model in the Hugging Face layout that the reference engine reads
/// (config.json + model.safetensors, LlamaForSequenceClassification: the body and `score`) into
/// the libtorch module of llama_module.hpp, as float32 parameters on the CPU. The bundled model
/// (models/cirm-tiny-rm) is one. A tensor of the wrong shape, a parameter the file lacks (other
/// than lm_head) or a tensor the module has no parameter for is an error naming it.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/libtorch/llama_module.hpp"

namespace cirm::libtorch {

/// The module shape that `directory`/config.json describes.
inline llama_shape read_llama_shape(const std::filesystem::path& directory) {
    const auto path = directory / "config.json";
    const auto c = nlohmann::json::parse(read_file(path));
    llama_shape s;
    try {
        s.vocab_size = c.at("vocab_size");
        s.hidden_size = c.at("hidden_size");
        s.intermediate_size = c.at("intermediate_size");
        s.num_hidden_layers = c.at("num_hidden_layers");
        s.num_attention_heads = c.at("num_attention_heads");
        s.num_key_value_heads = c.value("num_key_value_heads", s.num_attention_heads);
        s.max_position_embeddings = c.value("max_position_embeddings", s.max_position_embeddings);
        s.rms_norm_eps = c.value("rms_norm_eps", s.rms_norm_eps);
        s.rope_theta = c.value("rope_theta", s.rope_theta);
    } catch (const nlohmann::json::exception& e) {
        throw error(path.string() + ": " + e.what());
    }
    return s;
}

/// The reward model in `directory` as a libtorch module in eval mode.
inline llama_model load_reward_model(const std::filesystem::path& directory) {
    llama_model model(read_llama_shape(directory));
    const safetensors::mapped_file file(directory / "model.safetensors");
    torch::NoGradGuard no_grad;
    auto params = model->named_parameters();
    for (const auto& item : params) {
        const auto* tensor = file.find(item.key());
        if (!tensor) {
            if (item.key().rfind("lm_head.", 0) == 0) continue;  // a reward model has no language-model head
            throw error(directory.string() + ": model.safetensors has no tensor '" + item.key() + "'");
        }
        const std::vector<std::int64_t> shape(tensor->shape.begin(), tensor->shape.end());
        if (torch::IntArrayRef(shape) != item.value().sizes())
            throw error(directory.string() + ": tensor '" + item.key() + "' has shape " + c10::str(torch::IntArrayRef(shape)) +
                        " but the module's parameter has " + c10::str(item.value().sizes()));
        auto values = tensor->to_floats();
        item.value().copy_(torch::from_blob(values.data(), shape, torch::kFloat32));
    }
    for (const auto& t : file.tensors())
        if (!params.contains(t.name))
            throw error(directory.string() + ": tensor '" + t.name + "' is not a parameter of the module");
    model->eval();
    return model;
}

}  // namespace cirm::libtorch
