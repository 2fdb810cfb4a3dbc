#pragma once
/// \file
/// The set of configurations a search has already evaluated, kept up to date from the trial
/// history that samplers receive, so that samplers can avoid proposing them again. It reads only
/// the trials added since the last call, so keeping it current costs O(log n) per trial even for
/// the 32,768 trials of an exhaustive search.

#include <cstddef>
#include <set>
#include <span>

#include "cirm/search/sampler.hpp"

namespace cirm {

class evaluated_set {
public:
    /// Brings the set up to date with `history`. The history of one search only grows; a history
    /// that is shorter than the last one, or whose last read trial differs, is taken to be a new
    /// search and the set is rebuilt from it.
    void update(std::span<const trial> history) {
        const bool same_search = history.size() >= read_ && (read_ == 0 || history[read_ - 1].indices == last_read_);
        if (!same_search) {
            seen_.clear();
            read_ = 0;
        }
        for (; read_ < history.size(); ++read_)
            if (!history[read_].indices.empty()) seen_.insert(history[read_].indices);
        if (read_ > 0) last_read_ = history[read_ - 1].indices;
    }

    bool contains(const configuration& c) const { return seen_.count(c) != 0; }
    /// Number of distinct configurations seen.
    std::size_t size() const noexcept { return seen_.size(); }

private:
    std::set<configuration> seen_;
    std::size_t read_ = 0;
    configuration last_read_;
};

}  // namespace cirm
