#pragma once
/// \file
/// The joint search of the budgets k_b (docs/method.md §7) over a model: every trial selects the
/// neurons for its budgets from a localization (Spearman top/bottom-k), pins them, and scores
/// the validation pairs; the objective is the accuracy (the method's). Any NeuronSelector can
/// stand in for the method's (e.g. shift_top_bottom_k). Returns the trial log and the spec of
/// the best trial.
///
/// Beyond the method, the objective can be the *robust accuracy*: (1 − w)·accuracy + w·counterfactual
/// accuracy (w = robust_weight, ½ by default: their mean), the latter being, per searched attribute that has a style edit
/// (eval/counterfactual.hpp), the share of validation pairs whose chosen response still beats the
/// rejected one after that attribute's style is injected into the rejected one, averaged over
/// those attributes. A configuration that ranks a pair correctly only by a margin that a style
/// edit overturns gains less than one that ranks it robustly. The edits are the ones the style
/// flip rate uses, applied to the validation responses: an objective tuned on them is tuned
/// towards the flip-rate metric's own family of edits.
///
/// With a last-token intervention and a PrefixCachingSource (the reference engine), every
/// validation response's prefix is encoded once and each trial scores only the last tokens.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/calibrate/localize.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/concepts/prefix_caching_source.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/counterfactual.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/modes.hpp"
#include "cirm/search/exhaustive_sampler.hpp"
#include "cirm/search/joint_search.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/search/random_sampler.hpp"
#include "cirm/search/space.hpp"
#include "cirm/search/tpe_sampler.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"

namespace cirm {

/// How the joint search proposes budgets: TPE (the default), uniformly at random, or every
/// configuration in order ("grid"; "exhaustive" is accepted too).
enum class sampler_kind { tpe, random, exhaustive };

template <>
struct mode_names<sampler_kind> {
    static constexpr std::string_view what = "sampler";
    static constexpr std::array<mode_name<sampler_kind>, 4> names{{{sampler_kind::tpe, "tpe"},
                                                                   {sampler_kind::random, "random"},
                                                                   {sampler_kind::exhaustive, "grid"},
                                                                   {sampler_kind::exhaustive, "exhaustive"}}};
};

/// What a trial maximises: the validation accuracy (the method) or the robust accuracy (beyond the
/// method; see the file comment).
enum class search_objective { accuracy, robust_accuracy };

template <>
struct mode_names<search_objective> {
    static constexpr std::string_view what = "search objective";
    static constexpr std::array<mode_name<search_objective>, 2> names{
        {{search_objective::accuracy, "accuracy"}, {search_objective::robust_accuracy, "robust"}}};
};

struct budget_search_options {
    std::vector<std::size_t> k_grid;  ///< candidate k per bias; empty = default_k_grid(neurons)
    std::size_t trials = 100;
    sampler_kind sampler = sampler_kind::tpe;
    std::uint64_t seed = 0;
    cirm::replacement replacement = replacement::median;
    cirm::positions positions = positions::last_token;
    std::size_t batch_size = 16;
    bool use_prefix_cache = true;  ///< score trials over cached prefixes where the source and mode allow it
    search_objective objective = search_objective::accuracy;
    double robust_weight = 0.5;  ///< the counterfactual accuracy's weight in the robust objective, in [0, 1]
    std::function<void(const trial&)> on_trial;  ///< e.g. progress output
};

struct budget_search_result {
    search_result search;          ///< every trial; trials[0] is the base (nothing edited)
    spec best;                     ///< the spec of the best trial
    std::vector<double> accuracy;  ///< per trial, the validation accuracy (= its objective for the method's)
};

/// The spec for given budgets (one per column of loc.table), the neurons chosen by `selector`
/// (the method's Spearman top/bottom-k unless another NeuronSelector is given).
template <NeuronSelector Selector = spearman_top_bottom_k>
spec spec_for_budgets(const localization& loc, std::span<const std::size_t> budgets,
                      cirm::replacement replacement = replacement::median,
                      cirm::positions positions = positions::last_token, const Selector& selector = {}) {
    const auto chosen = selector.select(loc.table, budgets);
    return make_spec(loc.layout, loc.table, chosen, budgets,
                     {replacement, positions, loc.data_hash, loc.model_neurons});
}

namespace detail {

/// One trial's figures: what the search maximises, and the plain validation accuracy.
struct trial_value {
    double objective = 0.0;
    double accuracy = 0.0;  ///< the plain validation accuracy (the objective, for the method's)
};

/// Scores a trial's spec on the validation pairs: the chosen responses, then the rejected ones,
/// then (robust objective) each edit group's style-injected rejected responses, over cached
/// prefixes where the source and the positions mode allow it. `attributes` are the searched
/// attributes and `constant` flags those constant over the validation samples (no edit group).
template <ActivationSource S>
class trial_scorer {
public:
    trial_scorer(S& source, std::span<const preference_pair> validation, const budget_search_options& options,
                 std::span<const std::string> attributes, std::span<const std::uint8_t> constant)
        : source_(source), validation_(validation), options_(options) {
        for (const auto& p : validation) responses_.push_back({p.prompt, p.chosen});
        for (const auto& p : validation) responses_.push_back({p.prompt, p.rejected});
        if (options.objective == search_objective::robust_accuracy) {
            if (!(options.robust_weight >= 0.0 && options.robust_weight <= 1.0))
                throw error("search: the robust objective's weight must be in [0, 1], got " +
                            std::to_string(options.robust_weight));
            for (std::size_t b = 0; b < attributes.size(); ++b) {
                const std::string& name = attributes[b];
                if (!has_style_edit(name) || (!constant.empty() && constant[b])) continue;
                edit_group g;
                g.first = responses_.size();
                for (std::size_t i = 0; i < validation.size(); ++i) {
                    auto edited = inject_style(name, validation[i].prompt, validation[i].rejected);
                    if (!edited) continue;
                    g.pairs.push_back(i);
                    edited_texts_.push_back(std::move(*edited));
                    responses_.push_back({validation[i].prompt, edited_texts_.back()});
                }
                if (!g.pairs.empty()) edit_groups_.push_back(std::move(g));
            }
            if (edit_groups_.empty())
                throw error("search: the robust objective needs an attribute with a style edit that applies to some "
                            "validation pair (edits exist for " +
                            style_edit_names() + ")");
        }
        if constexpr (PrefixCachingSource<S>) {
            if (options.use_prefix_cache && options.positions == positions::last_token) {
                auto caches = std::make_shared<const decltype(source.encode_prefixes(responses_))>(
                    source.encode_prefixes(responses_));
                cached_ = [&source, caches](const spec_pin& pin) {
                    std::vector<float> rewards(std::ranges::size(*caches));
                    source.score_cached(std::span(std::ranges::data(*caches), rewards.size()), pin, rewards);
                    return std::vector<double>(rewards.begin(), rewards.end());
                };
            }
        }
    }
    trial_scorer(const trial_scorer&) = delete;
    trial_scorer& operator=(const trial_scorer&) = delete;

    trial_value operator()(const spec_pin& pin) const {
        const auto rewards = cached_ ? cached_(pin) : score_samples(source_, responses_, pin, options_.batch_size);
        return value_of(rewards);
    }

private:
    struct edit_group {
        std::vector<std::size_t> pairs;  ///< the pairs the edit applies to, in order
        std::size_t first = 0;           ///< where the group's responses start in responses_
    };

    trial_value value_of(const std::vector<double>& rewards) const {
        const auto n = static_cast<std::ptrdiff_t>(validation_.size());
        const double plain = accuracy(std::vector<double>(rewards.begin(), rewards.begin() + n),
                                      std::vector<double>(rewards.begin() + n, rewards.begin() + 2 * n));
        if (edit_groups_.empty()) return {plain, plain};
        double counterfactual = 0.0;
        for (const auto& g : edit_groups_) {
            std::vector<double> chosen, edited;
            for (std::size_t j = 0; j < g.pairs.size(); ++j) {
                chosen.push_back(rewards[g.pairs[j]]);
                edited.push_back(rewards[g.first + j]);
            }
            counterfactual += accuracy(chosen, edited);
        }
        const double w = options_.robust_weight;
        return {(1.0 - w) * plain + w * (counterfactual / static_cast<double>(edit_groups_.size())), plain};
    }

    S& source_;
    std::span<const preference_pair> validation_;
    const budget_search_options& options_;
    std::vector<sample> responses_;
    std::vector<edit_group> edit_groups_;
    std::deque<std::string> edited_texts_;  // the edited responses (samples view them; a deque never moves them)
    std::function<std::vector<double>(const spec_pin&)> cached_;  // empty: full forwards
};

/// The joint search over `space`, each trial scoring `make_spec(budgets)` (plus the search's
/// bookkeeping: the best spec and every trial's plain accuracy).
template <ActivationSource S, class MakeSpec>
budget_search_result run_budget_search(S& source, const space& space, std::span<const preference_pair> validation,
                                       const budget_search_options& options, std::span<const std::string> attributes,
                                       std::span<const std::uint8_t> constant, MakeSpec&& make_spec) {
    if (validation.empty()) throw error("search: the validation set has no pairs");
    if (options.replacement == replacement::swap)
        throw error("search: the swap replacement scores pairs jointly and is not searched; use median, mean or zero");
    const trial_scorer<S> score_trial(source, validation, options, attributes, constant);
    std::map<std::vector<std::size_t>, double> accuracy_by_budgets;  // a repeated configuration is not scored again
    const auto objective = [&](std::span<const std::size_t> budgets) {
        const trial_value v = score_trial(spec_pin(make_spec(budgets), source.layout()));
        accuracy_by_budgets[std::vector<std::size_t>(budgets.begin(), budgets.end())] = v.accuracy;
        return v.objective;
    };
    const auto on_trial = [&](const trial& t) {
        if (options.on_trial) options.on_trial(t);
    };

    budget_search_result out;
    switch (options.sampler) {
        case sampler_kind::tpe: {
            tpe_sampler sampler(space, options.seed);
            out.search = joint_search(space, sampler, objective, options.trials, on_trial);
            break;
        }
        case sampler_kind::random: {
            random_sampler sampler(space, options.seed);
            out.search = joint_search(space, sampler, objective, options.trials, on_trial);
            break;
        }
        case sampler_kind::exhaustive: {
            exhaustive_sampler sampler(space);
            out.search = joint_search(space, sampler, objective, options.trials, on_trial);
            break;
        }
    }
    out.best = make_spec(std::span<const std::size_t>(out.search.best_trial().budgets));
    for (const auto& t : out.search.trials) out.accuracy.push_back(accuracy_by_budgets.at(t.budgets));
    return out;
}

}  // namespace detail

template <ActivationSource S, NeuronSelector Selector = spearman_top_bottom_k>
budget_search_result search_budgets(S& source, const localization& loc, std::span<const preference_pair> validation,
                                    const budget_search_options& options = {}, const Selector& selector = {}) {
    std::size_t available = 0;
    for (auto c : loc.table.constant) available += c == 0;
    auto grid = options.k_grid.empty() ? default_k_grid(loc.table.neurons) : options.k_grid;
    grid = clamp_k_grid(std::move(grid), available);

    // a constant attribute cannot be searched: its only candidate is 0
    std::vector<bias_candidates> biases;
    for (std::size_t b = 0; b < loc.table.biases(); ++b) {
        const bool constant = !loc.table.attribute_constant.empty() && loc.table.attribute_constant[b];
        biases.push_back({loc.table.attributes[b], constant ? std::vector<std::size_t>{0} : grid});
    }
    return detail::run_budget_search(source, space(std::move(biases)), validation, options, loc.table.attributes,
                                     loc.table.attribute_constant, [&](std::span<const std::size_t> budgets) {
                                         return spec_for_budgets(loc, budgets, options.replacement, options.positions,
                                                                 selector);
                                     });
}

}  // namespace cirm
