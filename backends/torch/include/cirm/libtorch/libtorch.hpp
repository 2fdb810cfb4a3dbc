#pragma once
/// \file
/// Umbrella of the libtorch backend (cirm::libtorch, CPU tensors): tensor views, interventions
/// and collection on tensors, and the reference architecture as a libtorch module with site
/// hooks. cirm/libtorch/cuda.hpp (CUDA tensors through the CUDA backend) is left out: it needs the
/// CUDA toolkit.

#include "cirm/libtorch/collect.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "cirm/libtorch/llama_module.hpp"
#include "cirm/libtorch/load_reward_model.hpp"
#include "cirm/libtorch/tensor_view.hpp"
