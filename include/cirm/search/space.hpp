#pragma once
/// \file
/// The search space of the joint k search (docs/method.md §7): B biases, each with its own list of
/// candidate budgets k. A budget is categorical: a configuration picks one candidate per bias by
/// its index in that bias's list, so samplers never see the k values, only the categories.

#include <cstddef>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

/// One index per bias into that bias's candidate list.
using configuration = std::vector<std::size_t>;

/// A bias and the budgets k the search may give it.
struct bias_candidates {
    std::string bias;
    std::vector<std::size_t> k_values;  ///< each value once, in any order
    friend bool operator==(const bias_candidates&, const bias_candidates&) = default;
};

class space {
public:
    space() = default;

    /// A space over these biases. Names must be non-empty and unique; every candidate list
    /// non-empty with each k once.
    explicit space(std::vector<bias_candidates> biases) : biases_(std::move(biases)) {
        if (biases_.empty()) throw error("search space: no biases");
        std::set<std::string_view> names;
        for (std::size_t b = 0; b < biases_.size(); ++b) {
            const auto& d = biases_[b];
            if (d.bias.empty()) throw error("search space: bias " + std::to_string(b) + " has an empty name");
            if (!names.insert(d.bias).second) throw error("search space: bias '" + d.bias + "' is listed twice");
            if (d.k_values.empty()) throw error("search space: bias '" + d.bias + "' has no candidate k");
            if (std::set<std::size_t>(d.k_values.begin(), d.k_values.end()).size() != d.k_values.size())
                throw error("search space: bias '" + d.bias + "' lists a candidate k twice");
        }
    }

    /// Every bias gets the same candidate list (e.g. a k_grid).
    space(const std::vector<std::string>& bias_names, const std::vector<std::size_t>& k_values)
        : space(same_grid(bias_names, k_values)) {}

    std::size_t biases() const noexcept { return biases_.size(); }
    const bias_candidates& operator[](std::size_t b) const noexcept { return biases_[b]; }
    std::span<const bias_candidates> dimensions() const noexcept { return biases_; }
    /// Number of candidates of bias b.
    std::size_t categories(std::size_t b) const noexcept { return biases_[b].k_values.size(); }
    std::vector<std::string> bias_names() const {
        std::vector<std::string> names;
        for (const auto& d : biases_) names.push_back(d.bias);
        return names;
    }

    /// Throws unless c has one valid candidate index per bias.
    void check(const configuration& c) const {
        if (c.size() != biases_.size())
            throw error("configuration has " + std::to_string(c.size()) + " entries but the search space has " +
                        std::to_string(biases_.size()) + " biases");
        for (std::size_t b = 0; b < c.size(); ++b)
            if (c[b] >= categories(b))
                throw error("configuration index " + std::to_string(c[b]) + " for bias '" + biases_[b].bias +
                            "' is out of range (it has " + std::to_string(categories(b)) + " candidates)");
    }

    /// The budgets k_b a configuration stands for, in bias order.
    std::vector<std::size_t> budgets(const configuration& c) const {
        check(c);
        std::vector<std::size_t> k(c.size());
        for (std::size_t b = 0; b < c.size(); ++b) k[b] = biases_[b].k_values[c[b]];
        return k;
    }

    /// Σ_b k_b of a configuration (the tie-breaker between equally good trials).
    std::size_t total_k(const configuration& c) const {
        std::size_t total = 0;
        for (std::size_t k : budgets(c)) total += k;
        return total;
    }

    /// The configuration that edits nothing (k = 0 for every bias), if every list has a 0.
    std::optional<configuration> base() const {
        configuration c(biases_.size());
        for (std::size_t b = 0; b < biases_.size(); ++b) {
            const auto& ks = biases_[b].k_values;
            std::size_t i = 0;
            while (i < ks.size() && ks[i] != 0) ++i;
            if (i == ks.size()) return std::nullopt;
            c[b] = i;
        }
        return c;
    }

    /// Number of configurations (the product of the list sizes), or nothing if it does not fit
    /// in std::size_t.
    std::optional<std::size_t> checked_size() const noexcept {
        std::size_t n = 1;
        for (std::size_t b = 0; b < biases_.size(); ++b) {
            if (n > std::numeric_limits<std::size_t>::max() / categories(b)) return std::nullopt;
            n *= categories(b);
        }
        return n;
    }
    /// Number of configurations; an error if it does not fit in std::size_t.
    std::size_t size() const {
        if (auto n = checked_size()) return *n;
        throw error("search space: the number of configurations of " + std::to_string(biases_.size()) +
                    " biases overflows std::size_t");
    }

    /// The first configuration in enumeration order (all indices 0).
    configuration first() const { return configuration(biases_.size(), 0); }

    /// Steps c to the next configuration in enumeration order: the last bias varies fastest, as
    /// in nested loops over the biases in order. Returns false (and leaves c at first()) after
    /// the last one.
    bool advance(configuration& c) const {
        check(c);
        for (std::size_t b = c.size(); b-- > 0;) {
            if (++c[b] < categories(b)) return true;
            c[b] = 0;
        }
        return false;
    }

    /// Calls f(const configuration&) for every configuration, in enumeration order.
    template <class F>
    void for_each_configuration(F&& f) const {
        auto c = first();
        do f(std::as_const(c));
        while (advance(c));
    }

    friend bool operator==(const space&, const space&) = default;

private:
    static std::vector<bias_candidates> same_grid(const std::vector<std::string>& names,
                                                  const std::vector<std::size_t>& k_values) {
        std::vector<bias_candidates> biases;
        for (const auto& n : names) biases.push_back({n, k_values});
        return biases;
    }

    std::vector<bias_candidates> biases_;
};

}  // namespace cirm
