#pragma once
/// \file
/// The exhaustive k sampler: every configuration of the space once, in the space's enumeration
/// order (the last bias varies fastest). Configurations that the search evaluated on its own
/// (the base, trial 0) are skipped, so that each is evaluated exactly once. For comparison with
/// TPE on small spaces: five biases over the 8-value grid are 32,768 configurations.

#include <cstddef>
#include <span>
#include <utility>

#include "cirm/error.hpp"
#include "cirm/search/evaluated_set.hpp"
#include "cirm/search/sampler.hpp"
#include "cirm/search/space.hpp"

namespace cirm {

class exhaustive_sampler {
public:
    explicit exhaustive_sampler(space s) : space_(std::move(s)), cursor_(space_.first()) {}

    /// The next configuration in enumeration order that is not in `history`; an error when
    /// there is none left.
    configuration next(std::span<const trial> history) {
        evaluated_.update(history);
        while (!done_ && evaluated_.contains(cursor_)) step();
        if (done_) throw error("exhaustive sampler: every configuration of the search space has been proposed");
        configuration c = cursor_;
        step();
        return c;
    }

    /// True once every configuration has been proposed (those the history held are skipped when
    /// next() reaches them, so this may turn true one call late for them).
    bool exhausted() const noexcept { return done_; }

    const space& search_space() const noexcept { return space_; }

private:
    void step() { done_ = !space_.advance(cursor_); }

    space space_;
    configuration cursor_;
    bool done_ = false;
    evaluated_set evaluated_;
};

static_assert(FiniteKSampler<exhaustive_sampler>);

}  // namespace cirm
