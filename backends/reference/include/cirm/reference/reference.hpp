#pragma once
/// \file
/// Umbrella header of the reference engine (cirm::reference): a Llama-family reward model on
/// Eigen with named hook sites and a prefix cache. Needs Eigen; the core (cirm.hpp) never
/// includes it.

#include "cirm/reference/config.hpp"
#include "cirm/reference/forward.hpp"
#include "cirm/reference/memory.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/reference/prefix_cache.hpp"
#include "cirm/reference/weights.hpp"
