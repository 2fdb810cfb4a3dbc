#pragma once
/// \file
/// Which biases' directions to pin (beyond the method): the joint search of search_budgets.hpp
/// over a direction localization (localize_directions.hpp). Where the method searches a budget
/// k_b ∈ {0, 50, …} of neurons per bias, a direction search gives each bias k_b ∈ {0, 1}: 1 pins
/// the bias's direction at every localized site, 0 leaves the bias alone. With five biases that
/// is 32 configurations, so the exhaustive sampler (`sampler_kind::exhaustive`) tries them all.
/// With the candidates {1} alone (options.k_grid = {1}) every bias's direction is pinned and the
/// search only compares that configuration with the base.
/// The objective (accuracy or robust accuracy), the prefix cache, the trial log and the rule
/// that trial 0 is the base are those of the budget search.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/sample.hpp"
#include "cirm/search/space.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// The spec that pins the directions of the biases whose budget is 1 (budgets: one 0 or 1 per
/// attribute of `loc`, in its order); all zero gives an empty spec. The budgets are recorded in
/// the spec (k = 1: the bias's direction is pinned at every site of the localization).
inline spec direction_spec_for_budgets(const direction_localization& loc, std::span<const std::size_t> budgets,
                                       replacement value = replacement::median,
                                       positions where = positions::last_token) {
    if (budgets.size() != loc.biases())
        throw error("direction spec: " + std::to_string(budgets.size()) + " budgets for " +
                    std::to_string(loc.biases()) + " attributes");
    std::vector<std::string> chosen;
    for (std::size_t b = 0; b < budgets.size(); ++b) {
        if (budgets[b] > 1)
            throw error("direction spec: the budget of '" + loc.attributes.names[b] + "' is " +
                        std::to_string(budgets[b]) + "; a direction is pinned (1) or not (0)");
        if (budgets[b] == 1) chosen.push_back(loc.attributes.names[b]);
    }
    spec out;
    if (chosen.empty()) {
        if (value == replacement::swap)
            throw error("direction spec: the swap replacement is defined for neurons only; use median, mean or zero");
        out.positions = where;
        out.replacement = value;
        out.provenance = {loc.attributes.names, loc.samples(), loc.data_hash, loc.activations.source_neurons()};
    } else {
        out = direction_spec(loc, chosen, value, where);
    }
    for (std::size_t b = 0; b < budgets.size(); ++b) out.budgets.push_back({loc.attributes.names[b], budgets[b]});
    return out;
}

/// Searches which biases' directions to pin on the validation pairs. options.k_grid lists the
/// candidates of every bias among 0 and 1 (empty = {0, 1}); a constant attribute's only
/// candidate is 0.
template <ActivationSource S>
budget_search_result search_directions(S& source, const direction_localization& loc,
                                       std::span<const preference_pair> validation,
                                       const budget_search_options& options = {}) {
    std::vector<std::size_t> candidates = options.k_grid.empty() ? std::vector<std::size_t>{0, 1} : options.k_grid;
    for (std::size_t k : candidates)
        if (k > 1)
            throw error("search: a direction search's candidates are 0 (not pinned) and 1 (pinned), not " +
                        std::to_string(k));
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<bias_candidates> biases;
    for (std::size_t b = 0; b < loc.biases(); ++b)
        biases.push_back(
            {loc.attributes.names[b], loc.attribute_constant[b] ? std::vector<std::size_t>{0} : candidates});
    return detail::run_budget_search(source, space(std::move(biases)), validation, options, loc.attributes.names,
                                     loc.attribute_constant, [&](std::span<const std::size_t> budgets) {
                                         return direction_spec_for_budgets(loc, budgets, options.replacement,
                                                                           options.positions);
                                     });
}

}  // namespace cirm
