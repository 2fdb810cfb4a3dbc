#pragma once
/// \file
/// The architecture the reference engine runs: the Llama-family shape and site layout of
/// cirm/llama_layout.hpp, read from a model's config.json by cirm/io/llama_config.hpp (see there
/// for the fields read and the configurations refused). The libtorch module reads and lays out
/// the same way, so a model has the same sites on both. This header brings those names into
/// cirm::reference, where the engine's users have found them.

#include "cirm/io/llama_config.hpp"
#include "cirm/llama_layout.hpp"

namespace cirm::reference {

using cirm::llama_config;
using cirm::llama_site_layout;
using cirm::load_llama_config;
using cirm::parse_llama_config;

}  // namespace cirm::reference
