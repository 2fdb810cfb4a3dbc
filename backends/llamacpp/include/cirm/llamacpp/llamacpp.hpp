#pragma once
// cirm::llamacpp: the method inside llama.cpp (a GGUF reward model as an ActivationSource and
// PrefixCachingSource through the eval callback), and Hugging Face model directories converted to GGUF.
// The umbrella header: it includes every header of the backend.
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/eval_hook.hpp"
#include "cirm/llamacpp/gguf_reward_info.hpp"
#include "cirm/llamacpp/gguf_vocabulary.hpp"
#include "cirm/llamacpp/site_mapping.hpp"
#include "cirm/llamacpp/source.hpp"
