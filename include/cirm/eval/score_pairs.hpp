#pragma once
/// \file
/// Scoring a preference dataset with an ActivationSource: the reward of every chosen and
/// rejected response under one intervention, in batches.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/pair_rewards.hpp"
#include "cirm/sample.hpp"

namespace cirm {

/// Rewards of `samples` under `intervention`, `batch_size` samples per call of source.score.
template <ActivationSource S, Intervention I>
std::vector<double> score_samples(S& source, std::span<const sample> samples, const I& intervention,
                                  std::size_t batch_size = 16) {
    if (batch_size == 0) throw error("score: batch size must be positive");
    std::vector<double> out(samples.size());
    std::vector<float> rewards(std::min(batch_size, samples.size()));
    for (std::size_t first = 0; first < samples.size(); first += batch_size) {
        const std::size_t count = std::min(batch_size, samples.size() - first);
        source.score(samples.subspan(first, count), intervention, std::span<float>(rewards.data(), count));
        std::copy(rewards.begin(), rewards.begin() + static_cast<std::ptrdiff_t>(count),
                  out.begin() + static_cast<std::ptrdiff_t>(first));
    }
    return out;
}

/// Rewards of every pair's chosen and rejected response under `intervention`.
template <ActivationSource S, Intervention I>
pair_rewards score_pairs(S& source, std::span<const preference_pair> pairs, const I& intervention,
                         std::size_t batch_size = 16) {
    std::vector<sample> samples;
    samples.reserve(2 * pairs.size());
    for (const auto& p : pairs) samples.push_back({p.prompt, p.chosen});
    for (const auto& p : pairs) samples.push_back({p.prompt, p.rejected});
    const auto all = score_samples(source, samples, intervention, batch_size);
    const auto half = static_cast<std::ptrdiff_t>(pairs.size());
    return {std::vector<double>(all.begin(), all.begin() + half), std::vector<double>(all.begin() + half, all.end())};
}

}  // namespace cirm
