#pragma once
/// \file
/// Loads a reward model in the Hugging Face layout that the reference engine reads
/// (config.json + model.safetensors, a Llama or Qwen2 *ForSequenceClassification: the body and
/// `score`) into the libtorch module of llama_module.hpp, as float32 parameters on the CPU. The
/// config is read, and refused, by the engine's reader (cirm/io/llama_config.hpp). The bundled model
/// (models/cirm-tiny-rm) is one. A tensor of the wrong shape, a parameter the file lacks (other
/// than lm_head) or a tensor the module has no parameter for is an error naming it.

#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cirm/error.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/libtorch/llama_module.hpp"

namespace cirm::libtorch {

/// The reward model in `directory` as a libtorch module in eval mode.
inline llama_model load_reward_model(const std::filesystem::path& directory) {
    llama_model model(load_llama_config(directory / "config.json"));
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
            throw error(directory.string() + ": tensor '" + item.key() + "' has shape " +
                        c10::str(torch::IntArrayRef(shape)) + " but the module's parameter has " +
                        c10::str(item.value().sizes()));
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
