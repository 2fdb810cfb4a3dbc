#pragma once
/// \file
/// The joint search for the budgets k_b of all biases at once (docs/method.md §7): a sampler proposes
/// configurations, an objective (accuracy on the validation pairs under the intervention built
/// from the budgets) scores them, and the best trial wins; ties go to the smaller total k, then
/// to the earlier trial. The search knows nothing of models: the objective does all of that.
///
/// Trial 0 is always the base, every k = 0 (nothing edited), so the log shows the unedited model
/// beside the chosen budgets. When every bias's candidate list holds a 0, the base is a
/// configuration of the space: it counts as one of the `trials`, the sampler learns from it, and
/// it can win (nothing beat leaving the model alone). Otherwise (e.g. the paper's grid without 0)
/// it is logged as an extra row with no indices that the sampler does not see and that cannot
/// win, and `trials` configurations of the space follow it.
///
/// Cache: a configuration proposed again is not re-evaluated; its earlier value is reused and
/// the trial is logged with `cached = true` and 0 seconds. It still counts as a trial, so that
/// `trials` bounds the number of proposals and a search always ends, even when a sampler keeps
/// proposing what it has seen (the samplers here avoid that while they can). The search stops
/// early once every configuration of the space has been evaluated, or when a FiniteKSampler
/// says it is exhausted.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/search/sampler.hpp"
#include "cirm/search/space.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// The outcome of a joint search: the full trial log and the best trial.
struct search_result {
    std::vector<std::string> biases;  ///< bias names, the order of every trial's indices and budgets
    std::vector<trial> trials;        ///< in evaluation order; trials[0] is the base
    std::size_t best = 0;             ///< position of the best trial in `trials`

    const trial& best_trial() const { return trials.at(best); }
    const trial& base_trial() const { return trials.at(0); }
    /// The best budgets, named, as a spec records them.
    std::vector<bias_budget> best_budgets() const {
        std::vector<bias_budget> out;
        const auto& t = best_trial();
        for (std::size_t b = 0; b < biases.size(); ++b) out.push_back({biases[b], t.budgets[b]});
        return out;
    }
};

/// True if trial a beats trial b: higher objective, then smaller total k, then earlier.
inline bool better_trial(const trial& a, const trial& b) noexcept {
    if (a.objective != b.objective) return a.objective > b.objective;
    if (a.total_k != b.total_k) return a.total_k < b.total_k;
    return a.number < b.number;
}

/// The default per-trial callback: does nothing.
struct ignore_trial {
    void operator()(const trial&) const noexcept {}
};

/// Runs the search. `objective(std::span<const std::size_t> budgets) -> double` is called with
/// the k of every bias in the space's bias order and returns the accuracy to maximise (finite;
/// anything else is an error). `on_trial(const trial&)` is called after each trial, cached ones
/// included (e.g. for progress output). `trials` (≥ 1) is the most configurations of the space
/// to try, the base included when it belongs to the space.
// clang-format off (clang-format 14 garbles requires-clauses)
template <KSampler Sampler, class Objective, class OnTrial = ignore_trial>
requires std::invocable<Objective&, std::span<const std::size_t>> &&
    std::convertible_to < std::invoke_result_t<Objective&, std::span<const std::size_t>>,
double > &&std::invocable<OnTrial&, const trial&> search_result joint_search(const space& s, Sampler& sampler,
                                                                             Objective&& objective, std::size_t trials,
                                                                             OnTrial&& on_trial = {}) {
    // clang-format on
    if (s.biases() == 0) throw error("joint search: the search space has no biases");
    if (trials == 0) throw error("joint search: trials must be at least 1");

    search_result result;
    result.biases = s.bias_names();
    std::map<configuration, std::size_t> first_evaluation;  // configuration → its trial number
    const auto space_size = s.checked_size();               // nothing: too many to ever exhaust

    auto evaluate = [&](configuration indices, std::vector<std::size_t> budgets) {
        trial t;
        t.number = result.trials.size();
        t.total_k = 0;
        for (std::size_t k : budgets) t.total_k += k;
        auto known = indices.empty() ? first_evaluation.end() : first_evaluation.find(indices);
        if (known != first_evaluation.end()) {
            t.objective = result.trials[known->second].objective;
            t.cached = true;
        } else {
            const auto start = std::chrono::steady_clock::now();
            t.objective = static_cast<double>(objective(std::span<const std::size_t>(budgets)));
            t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (!std::isfinite(t.objective)) {
                std::string named;
                for (std::size_t b = 0; b < budgets.size(); ++b)
                    named += (b ? ", " : "") + result.biases[b] + "=" + std::to_string(budgets[b]);
                throw error("joint search: the objective returned a non-finite value for budgets " + named);
            }
            if (!indices.empty()) first_evaluation.emplace(indices, t.number);
        }
        t.indices = std::move(indices);
        t.budgets = std::move(budgets);
        result.trials.push_back(std::move(t));
        on_trial(std::as_const(result.trials.back()));
    };

    // Trial 0: the base. The sampler sees the log from its first trial of the space on.
    const auto base = s.base();
    std::size_t history_start = 0;
    std::size_t remaining = trials;
    if (base) {
        evaluate(*base, s.budgets(*base));
        --remaining;
    } else {
        evaluate({}, std::vector<std::size_t>(s.biases(), 0));
        history_start = 1;
    }

    for (; remaining > 0; --remaining) {
        if (space_size && first_evaluation.size() >= *space_size) break;
        if constexpr (FiniteKSampler<Sampler>)
            if (sampler.exhausted()) break;
        const std::span<const trial> history(result.trials.data() + history_start,
                                             result.trials.size() - history_start);
        configuration next = sampler.next(history);
        try {
            s.check(next);
        } catch (const error& e) {
            throw error(std::string("joint search: the sampler proposed an invalid configuration: ") + e.what());
        }
        auto budgets = s.budgets(next);
        evaluate(std::move(next), std::move(budgets));
    }

    if (result.trials.size() == history_start)
        throw error("joint search: the sampler was exhausted before proposing a configuration");
    // The best trial of the space; a base outside it is only there for comparison.
    result.best = history_start;
    for (std::size_t i = history_start + 1; i < result.trials.size(); ++i)
        if (better_trial(result.trials[i], result.trials[result.best])) result.best = i;
    return result;
}

}  // namespace cirm
