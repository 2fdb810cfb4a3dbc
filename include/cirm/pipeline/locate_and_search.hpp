#pragma once
/// \file
/// The offline stage of the method as one call over any ActivationSource: localization on a
/// validation set (docs/method.md §5), then the joint search of the budgets (§7), trials scored
/// over cached prefixes where the source is a PrefixCachingSource and the pin is at the last
/// token. Beyond the method, the same call selects neurons by counterfactual shift, confines the
/// edit to a group of sites, maximises the robust objective, or pins each attribute's direction
/// instead of neurons (search_config).
///
/// Returns the best spec — its provenance names the source's whole layout, also when the edit
/// was confined to some sites (the localization records it) — with every trial and the grid the
/// search used.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/calibrate/search_directions.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/pipeline/config.hpp"
#include "cirm/sample.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/select/shift_top_bottom_k.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// One trial of a search, as its log records it.
struct trial_record {
    std::size_t number = 0;
    std::vector<std::size_t> budgets;  ///< k per attribute, in the search's attribute order
    std::size_t total_k = 0;
    std::size_t edited = 0;      ///< neurons its spec edits
    std::size_t directions = 0;  ///< directions its spec pins
    double accuracy = 0.0;       ///< validation accuracy
    double objective = 0.0;      ///< what the search maximised (the accuracy, for the method's objective)
    double seconds = 0.0;
    bool cached = false;  ///< a repeated configuration, not scored again
    bool base = false;    ///< trial 0: nothing edited
    bool best = false;
};

/// A finished search.
struct search_outcome {
    search_config config;                              ///< as given (without its progress callback)
    std::vector<std::string> attributes;               ///< the names of the attributes searched, in order
    std::vector<std::size_t> grid;                     ///< candidates per attribute, after clamping to the source
    budget_search_result result;                       ///< every trial, the best spec, each trial's accuracy
    std::optional<localization> neurons;               ///< a neuron search's localization
    std::optional<shift_top_bottom_k> shift_selector;  ///< the selector, when it is the counterfactual shift
    std::optional<direction_localization> directions;  ///< a direction search's localization
    std::size_t source_neurons = 0;                    ///< the source's whole layout, which the specs' provenance names
    double seconds = 0.0;                              ///< the search's time (after localization)

    const spec& best() const noexcept { return result.best; }
    const search_result& trials() const noexcept { return result.search; }
    /// The sites the edit could use.
    const site_layout& layout() const noexcept { return directions ? directions->layout : neurons->layout; }

    /// The spec the search's selector gives for these budgets.
    spec spec_for(std::span<const std::size_t> budgets) const {
        return directions ? direction_spec_for_budgets(*directions, budgets, config.value, config.where)
               : shift_selector
                   ? spec_for_budgets(neurons.value(), budgets, config.value, config.where, *shift_selector)
                   : spec_for_budgets(neurons.value(), budgets, config.value, config.where);
    }

    /// The log: one record per trial, in order.
    std::vector<trial_record> log() const {
        std::vector<trial_record> out;
        const auto& r = result.search;
        for (std::size_t i = 0; i < r.trials.size(); ++i) {
            const auto& t = r.trials[i];
            const spec s = spec_for(t.budgets);
            out.push_back({t.number, t.budgets, t.total_k, s.edited(), s.pinned_directions(), result.accuracy.at(i),
                           t.objective, t.seconds, t.cached, t.number == 0, i == r.best});
        }
        return out;
    }
};

/// Localizes `validation` (all 2N responses) and searches the budgets on it, as `config` says.
template <ActivationSource S>
search_outcome locate_and_search(S& source, std::span<const preference_pair> validation, const search_config& config) {
    config.validate();
    if (validation.empty()) throw error("search: the validation set has no pairs");
    search_outcome o;
    o.config = config;
    o.config.progress = nullptr;
    o.attributes = config.attribute_names();
    o.source_neurons = source.layout().neurons();
    const auto stage = [&](const char* name) {
        return [&config, name](std::size_t done, std::size_t total) {
            if (config.progress) config.progress(name, done, total);
        };
    };
    const std::vector<std::string> sites =
        config.sites.group == site_group::all ? std::vector<std::string>{} : config.sites.resolve(source.layout());
    const auto samples = response_samples(validation);
    const auto attributes = make_attributes(o.attributes);

    budget_search_options so;
    so.trials = config.trials;
    so.sampler = config.sampler;
    so.seed = config.seed;
    so.positions = config.where;
    so.replacement = config.value;
    so.objective = config.objective;
    so.robust_weight = config.robust_weight;
    so.on_trial = [&config](const trial& t) {
        if (config.progress) config.progress("search", t.number + 1, config.trials);
    };

    std::chrono::steady_clock::time_point start;
    if (config.intervention == intervention_kind::directions) {
        direction_options d;
        d.kind = config.directions;
        d.sites = sites;
        d.progress = stage("locate");
        o.directions.emplace(localize_directions(source, std::span<const sample>(samples), attributes, d));
        o.grid = config.k_grid.empty() ? std::vector<std::size_t>{0, 1} : config.k_grid;
        std::sort(o.grid.begin(), o.grid.end());
        o.grid.erase(std::unique(o.grid.begin(), o.grid.end()), o.grid.end());
        so.k_grid = o.grid;
        start = std::chrono::steady_clock::now();
        o.result = search_directions(source, *o.directions, validation, so);
    } else {
        localize_options lo;
        lo.threads = config.threads;
        lo.sites = sites;
        lo.progress = stage("locate");
        o.neurons.emplace(localize(source, std::span<const sample>(samples), attributes, lo));
        // the grid: as given (0 always in) or the default for the located neurons, clamped to them
        std::vector<std::size_t> grid =
            config.k_grid.empty() ? default_k_grid(o.neurons->table.neurons) : config.k_grid;
        grid.push_back(0);
        std::size_t available = 0;
        for (auto c : o.neurons->table.constant) available += c == 0;
        o.grid = clamp_k_grid(std::move(grid), available);
        so.k_grid = o.grid;
        start = std::chrono::steady_clock::now();
        if (config.selector == selector_kind::shift) {
            shift_options sh;
            sh.sites = sites;
            sh.progress = stage("shifts");
            const auto edits = builtin_style_edits(o.attributes);
            o.shift_selector.emplace(
                measure_counterfactual_shifts(source, std::span<const sample>(samples), edits, sh));
            o.result = search_budgets(source, *o.neurons, validation, so, *o.shift_selector);
        } else {
            o.result = search_budgets(source, *o.neurons, validation, so);
        }
    }
    o.attributes = o.directions ? o.directions->attributes.names : o.neurons->table.attributes;  // by name
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
}

}  // namespace cirm
