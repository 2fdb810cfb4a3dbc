#pragma once
// cirm::llamacpp: the method inside llama.cpp, and Hugging Face model directories converted to GGUF.
// The umbrella header: it includes every header of the backend.
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/gguf_vocabulary.hpp"
