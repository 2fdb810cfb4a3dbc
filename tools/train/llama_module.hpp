#pragma once
/// \file
/// The trainer's model is the torch backend's: backends/torch/include/cirm/libtorch/llama_module.hpp
/// (same parameter names, numerics and checkpoint layout), of a shape described by
/// cirm/llama_layout.hpp. This header keeps the trainer's names.

#include "cirm/libtorch/llama_module.hpp"
#include "cirm/llama_layout.hpp"

namespace cirm::train {
using cirm::llama_config;
using libtorch::attention;
using libtorch::decoder_layer;
using libtorch::linear_no_bias;
using libtorch::llama_body;
using libtorch::llama_model;
using libtorch::mlp;
using libtorch::rms_norm;
using libtorch::rotate;
}  // namespace cirm::train
