#pragma once
/// \file
/// Deterministic random numbers and a string hash for the toy reward model and the synthetic data
/// of cirm::testing (tests, examples, method research): the same on every platform and standard
/// library (unlike std::normal_distribution).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cirm::testing {

/// splitmix64: a small, well-mixed generator whose output is the same on every platform.
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// Uniform in (0, 1).
    double uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53; }
    /// Standard normal (Box–Muller).
    double normal() noexcept {
        const double u = uniform(), v = uniform();
        return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
    }
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(uniform() * static_cast<double>(n)); }
};

inline std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

}  // namespace cirm::testing
