#pragma once
// cirm::llamacpp: the method inside llama.cpp (an activation source over a llama_model and its
// context), and Hugging Face model directories converted to GGUF. The umbrella header: it includes
// every header of the backend.
#include <llama.h>
