#pragma once
/// \file
/// PrefixCachingSource: an ActivationSource that can also score the last token of each sample
/// over a cache of its prefix (docs/method.md §7, speed). With a last-token intervention, every earlier
/// position is the same in every trial of a budget search, so a trial needs only the last token.
///
/// A model S additionally has
///   - `encode_prefixes(std::span<const sample>) const`: a contiguous range of caches, one per sample;
///   - `score_cached(std::span<const Cache>, const I& intervention, std::span<float> rewards) const`
///     for any Intervention I whose mode() is positions::last_token.
/// The reference engine (cirm::reference::llama_reward_model) is one.

#include <ranges>
#include <span>
#include <utility>

#include "cirm/concepts/activation_source.hpp"

namespace cirm {

/// The cache type of a source's encode_prefixes.
template <class S>
using prefix_cache_of =
    std::ranges::range_value_t<decltype(std::declval<const S&>().encode_prefixes(std::span<const sample>{}))>;

// clang-format off (clang-format 14 garbles requires-expressions in concepts)
template <class S>
concept PrefixCachingSource = ActivationSource<S> && requires(const S& s, std::span<const sample> batch) {
    { s.encode_prefixes(batch) } -> std::ranges::contiguous_range;
    // clang-format on
} && requires(const S& s, std::span<const prefix_cache_of<S>> caches, const archetypes::intervention& iv,
              std::span<float> rewards) {
    s.score_cached(caches, iv, rewards);
};

}  // namespace cirm
