#pragma once
/// \file
/// The testing area of cirm (namespace cirm::testing): a toy reward model with planted bias
/// neurons, for tests, examples and method research, with the synthetic arithmetic preference
/// pairs it is scored on and the platform-independent random numbers both use. Opt-in: not
/// included by cirm/cirm.hpp.

#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/rng.hpp"
#include "cirm/testing/small_planted.hpp"
#include "cirm/testing/synthetic_pairs.hpp"
