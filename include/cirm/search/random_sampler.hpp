#pragma once
/// \file
/// The random k sampler: every configuration of the space equally likely, seeded. A baseline for
/// the TPE sampler, and the start-up phase of it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "cirm/portable_random.hpp"
#include "cirm/search/evaluated_set.hpp"
#include "cirm/search/sampler.hpp"
#include "cirm/search/space.hpp"

namespace cirm {

/// A configuration with each bias's candidate drawn uniformly and independently.
inline configuration uniform_configuration(const space& s, random_engine& engine) {
    configuration c(s.biases());
    for (std::size_t b = 0; b < s.biases(); ++b) c[b] = uniform_index(engine, s.categories(b));
    return c;
}

/// A uniform configuration that is not in `evaluated`, trying at most `tries` draws; if all of
/// them were evaluated already, the last draw (the search then reuses its cached value).
inline configuration fresh_uniform_configuration(const space& s, random_engine& engine, const evaluated_set& evaluated,
                                                 std::size_t tries) {
    configuration c = uniform_configuration(s, engine);
    for (std::size_t t = 1; t < tries && evaluated.contains(c); ++t) c = uniform_configuration(s, engine);
    return c;
}

class random_sampler {
public:
    /// Redraws allowed to find a configuration not evaluated yet. With 100 trials in a space of
    /// 32,768 a redraw is rarely needed; the bound keeps a nearly exhausted small space from
    /// looping long.
    static constexpr std::size_t default_max_tries = 64;

    explicit random_sampler(space s, std::uint64_t seed = 0, std::size_t max_tries = default_max_tries)
        : space_(std::move(s)), engine_(seed), max_tries_(max_tries == 0 ? 1 : max_tries) {}

    /// A uniformly random configuration, avoiding those in `history` for up to max_tries draws.
    configuration next(std::span<const trial> history) {
        evaluated_.update(history);
        return fresh_uniform_configuration(space_, engine_, evaluated_, max_tries_);
    }

    const space& search_space() const noexcept { return space_; }

private:
    space space_;
    random_engine engine_;
    std::size_t max_tries_;
    evaluated_set evaluated_;
};

static_assert(KSampler<random_sampler>);

}  // namespace cirm
