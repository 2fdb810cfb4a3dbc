#pragma once
/// \file
/// What a k sampler is: the KSampler concept and the trial record it learns from (docs/method.md §7).
///
/// A sampler S is built over a search space and has
///   - `configuration next(std::span<const trial> history)`: the configuration to evaluate next,
///     given every trial of this search so far (oldest first; the history only grows between
///     calls of one search). It must return one valid index per bias of its space.
/// Optionally it also has
///   - `bool exhausted() const`: true once it has nothing new to propose; joint_search then stops.
/// Samplers are deterministic for a seed: the same seed and history give the same proposals.
/// Models here: random_sampler, exhaustive_sampler, tpe_sampler.

#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "cirm/search/space.hpp"

namespace cirm {

/// One evaluated configuration of a search.
struct trial {
    std::size_t number = 0;            ///< position in the search's log; 0 is the base (nothing edited)
    configuration indices;             ///< one candidate index per bias; empty for a base outside the space
    std::vector<std::size_t> budgets;  ///< k per bias, in the space's bias order
    double objective = std::numeric_limits<double>::quiet_NaN();  ///< accuracy under the intervention (maximised)
    std::size_t total_k = 0;                                      ///< Σ_b k_b
    double seconds = 0.0;                                         ///< wall time of the objective call; 0 when cached
    bool cached = false;  ///< the configuration was evaluated before: its value was reused
};

template <class S>
concept KSampler = requires(S& s, std::span<const trial> history) {
    { s.next(history) } -> std::same_as<configuration>;
};

/// A sampler that can tell it has nothing new to propose.
template <class S>
concept FiniteKSampler = KSampler<S> && requires(const S& s) {
    { s.exhausted() } -> std::convertible_to<bool>;
};

}  // namespace cirm
