#pragma once
/// \file
/// Umbrella of the libtorch backend (cirm::libtorch, CPU tensors): tensor views, interventions
/// and collection on tensors, and the reference architecture as a libtorch module with site
/// hooks. cirm/torch/cuda.hpp (CUDA tensors through the CUDA backend) is left out: it needs the
/// CUDA toolkit.

#include "cirm/torch/collect.hpp"
#include "cirm/torch/intervene.hpp"
#include "cirm/torch/llama_module.hpp"
#include "cirm/torch/load_reward_model.hpp"
#include "cirm/torch/tensor_view.hpp"
