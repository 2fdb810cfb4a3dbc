#pragma once
/// \file
/// The trainer's model is the torch backend's: backends/torch/include/cirm/libtorch/llama_module.hpp
/// (same parameter names, numerics and checkpoint layout). This header keeps the trainer's names.

#include "cirm/libtorch/llama_module.hpp"

namespace cirm::train {
using libtorch::attention;
using libtorch::decoder_layer;
using libtorch::linear_no_bias;
using libtorch::llama_body;
using libtorch::llama_model;
using libtorch::llama_shape;
using libtorch::mlp;
using libtorch::rms_norm;
using libtorch::rotate;
}  // namespace cirm::train
