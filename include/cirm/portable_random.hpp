#pragma once
/// \file
/// Random draws that give the same results with every standard library, for the k samplers of
/// search/ and for any seeded generator (the dataset generator in tools/datagen draws through them).
/// std::mt19937_64 is specified bit for bit by the standard, but the distributions
/// (std::uniform_int_distribution, std::discrete_distribution, …) are not: libstdc++, libc++ and
/// MSVC turn the same engine output into different numbers. The samplers therefore draw only
/// through the functions here, which use integer arithmetic and exactly rounded floating point.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>

#include "cirm/error.hpp"

namespace cirm {

/// The engine of every sampler: its output sequence for a seed is fixed by the standard.
using random_engine = std::mt19937_64;

/// An engine whose outputs are full 64-bit words (as mt19937_64's are); the draws below rely on it.
template <class E>
concept full_64_bit_engine = std::uniform_random_bit_generator<E> &&
                             std::same_as<typename E::result_type, std::uint64_t> &&(E::min() == 0) &&
                             (E::max() == std::numeric_limits<std::uint64_t>::max());

/// A uniformly distributed index in [0, n), n > 0. Unbiased: engine outputs from the incomplete
/// last block of n values are rejected and redrawn.
template <full_64_bit_engine Engine>
std::size_t uniform_index(Engine& engine, std::size_t n) {
    if (n == 0) throw error("uniform_index: cannot draw from an empty range");
    const auto range = static_cast<std::uint64_t>(n);
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    // 2^64 mod n, computed without 2^64: the engine values above max - excess would bias r % n.
    const std::uint64_t excess = (max % range + 1) % range;
    std::uint64_t r = engine();
    while (r > max - excess) r = engine();
    return static_cast<std::size_t>(r % range);
}

/// A uniformly distributed double in [0, 1) with 53 random bits (exact, no rounding).
template <full_64_bit_engine Engine>
double uniform_unit(Engine& engine) {
    return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

/// An index drawn with probability proportional to weights[i] (weights non-negative, sum > 0).
template <full_64_bit_engine Engine>
std::size_t weighted_index(Engine& engine, std::span<const double> weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    if (!(total > 0.0)) throw error("weighted_index: the weights do not sum to a positive number");
    const double target = uniform_unit(engine) * total;
    double cumulative = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] <= 0.0) continue;
        cumulative += weights[i];
        last_positive = i;
        if (target < cumulative) return i;
    }
    return last_positive;  // target fell past the rounded cumulative sum: the last category with weight
}

}  // namespace cirm
