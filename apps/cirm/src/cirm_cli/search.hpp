#pragma once
/// \file
/// `cirm search`: localization on the validation set, then the joint search of the budgets k_b
/// (METHOD.md §7) on validation accuracy, trials scored over cached prefixes. Writes to --out the
/// best spec (spec.json, spec.safetensors) and the trial log trials.jsonl, one line per trial:
///
///     {"trial": i, "k": {"<attribute>": k}, "total_k": i, "edited": i, "accuracy": f,
///      "seconds": f, "cached": bool, "base": bool, "best": bool}
///
/// Trial 0 is the base (every k = 0, nothing edited), evaluated whether or not the sampler would
/// have proposed it, so the log always shows the base beside the chosen spec. Default k grid:
/// the method's {0, 50, …, 5000} for models with ≥ 500,000 neurons, otherwise the same 7 steps
/// scaled so that the largest is 5 % of the model's neurons (search/k_grid.hpp); 0 is always in.
///
/// `--intervention directions` (beyond the method) pins directions instead of neurons
/// (calibrate/localize_directions.hpp, search_directions.hpp): each bias's covariance (or shift)
/// direction at every site of --sites, k_b ∈ {0, 1} per bias (pinned or not; `--sampler grid`
/// tries all 2^B), and the trial lines also give "directions", the number of pinned directions.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/calibrate/search_directions.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/select/shift_top_bottom_k.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/locate.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct search_options {
    common_options common;
    std::string data;                   ///< validation set, preference JSONL
    std::size_t trials = 100;           ///< configurations to try, the base included
    std::string sampler = "tpe";        ///< tpe, random or grid
    std::uint64_t seed = 0;
    std::string k_grid;                 ///< comma-separated; empty = the default grid for the model's size
    std::string attributes;             ///< comma-separated; empty = the method's five
    std::string positions = "last";
    std::string replacement = "median";
    std::string selector = "spearman";  ///< spearman (the method) or shift (counterfactual shifts)
    std::string sites = "all";          ///< site group the edit may use (cirm::site_group)
    std::string objective = "accuracy";  ///< accuracy (the method) or robust (beyond the method)
    double robust_weight = 0.5;          ///< the counterfactual accuracy's weight in the robust objective
    std::string intervention = "neurons";      ///< neurons (the method) or directions (beyond the method)
    std::string direction_kind = "covariance";  ///< with directions: covariance or shift
    std::string out;                    ///< output directory
};

/// What a search settles, beyond the options' strings.
struct search_settings {
    std::vector<std::string> attributes;
    std::vector<std::size_t> k_grid;  ///< empty = default for the model
    std::size_t trials = 100;
    sampler_kind sampler = sampler_kind::tpe;
    std::uint64_t seed = 0;
    positions where = positions::last_token;
    replacement value = replacement::median;
    bool shift_selector = false;  ///< select by counterfactual shift instead of Spearman ρ
    std::string sites = "all";    ///< site group (cirm::site_group), resolved against the model
    search_objective objective = search_objective::accuracy;
    double robust_weight = 0.5;
    bool directions = false;  ///< pin directions (localize_directions) instead of neurons
    direction_kind kind = direction_kind::covariance;
};

/// --intervention: neurons (the method's) or directions (beyond the method).
inline bool parse_intervention(const std::string& s) {
    if (s == "neurons") return false;
    if (s == "directions") return true;
    throw error("unknown intervention '" + s + "' (expected neurons or directions)");
}

/// --selector: spearman (the method's) or shift (counterfactual shifts, beyond the method).
inline bool parse_selector(const std::string& s) {
    if (s == "spearman") return false;
    if (s == "shift") return true;
    throw error("unknown selector '" + s + "' (expected spearman or shift)");
}

/// A finished search with its localization and the grid it used.
struct search_outcome {
    localization loc;  ///< the neurons' localization (empty for a direction search)
    budget_search_result result;
    std::vector<std::size_t> grid;  ///< candidates per attribute, after clamping to the model
    std::optional<shift_top_bottom_k> shift;  ///< the selector, when the search selected by shift
    std::optional<direction_localization> directions;  ///< the directions, for a direction search
    std::size_t model_neurons = 0;  ///< the model's whole layout, which specs' provenance names
    search_objective objective = search_objective::accuracy;
    double robust_weight = 0.5;
    double seconds = 0.0;

    const char* objective_name() const noexcept {
        return objective == search_objective::robust_accuracy ? "robust" : "accuracy";
    }

    /// The spec the search's selector gives for these budgets. Its provenance names the model's
    /// whole layout, also when the edit was confined to some sites.
    spec spec_for(std::span<const std::size_t> budgets, replacement value = replacement::median,
                  positions where = positions::last_token) const {
        spec s = directions ? direction_spec_for_budgets(*directions, budgets, value, where)
                 : shift    ? spec_for_budgets(loc, budgets, value, where, *shift)
                            : spec_for_budgets(loc, budgets, value, where);
        s.provenance.total_neurons = model_neurons;
        return s;
    }

    /// The sites the edit could use.
    const site_layout& layout() const noexcept { return directions ? directions->layout : loc.layout; }
    /// "spearman", "shift" (neuron selectors) or "directions (covariance)", "directions (shift)".
    std::string selector_name() const {
        if (directions) return "directions (" + std::string(to_string(directions->kind)) + ")";
        return shift ? "shift" : "spearman";
    }
};

/// The grid a search over `neurons` neurons uses for `requested` (empty = default).
inline std::vector<std::size_t> effective_k_grid(const std::vector<std::size_t>& requested, const correlation_table& t) {
    std::size_t available = 0;
    for (auto c : t.constant) available += c == 0;
    return clamp_k_grid(requested.empty() ? default_k_grid(t.neurons) : requested, available);
}

/// The search's options shared by the neuron and the direction search.
inline budget_search_options search_options_for(const search_settings& settings) {
    budget_search_options so;
    so.trials = settings.trials;
    so.sampler = settings.sampler;
    so.seed = settings.seed;
    so.positions = settings.where;
    so.replacement = settings.value;
    so.objective = settings.objective;
    so.robust_weight = settings.robust_weight;
    return so;
}

/// Localizes the directions of `validation` at `sites` and searches which biases' directions to pin.
inline search_outcome locate_and_search_directions(model_type& model, const std::vector<preference_pair>& validation,
                                                   const search_settings& settings, const common_options& common,
                                                   std::ostream& err, const std::vector<std::string>& sites) {
    search_outcome o;
    o.objective = settings.objective;
    o.robust_weight = settings.robust_weight;
    o.grid = settings.k_grid.empty() ? std::vector<std::size_t>{0, 1} : settings.k_grid;
    const auto samples = response_samples(validation);
    const auto attrs = make_attributes(settings.attributes);
    {
        progress_bar bar(err, common.progress, "locate");
        direction_options d;
        d.kind = settings.kind;
        d.sites = sites;
        d.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
        o.directions.emplace(localize_directions(model, std::span<const sample>(samples), attrs, d));
        bar.finish();
    }
    const auto start = std::chrono::steady_clock::now();
    progress_bar bar(err, common.progress, "search");
    budget_search_options so = search_options_for(settings);
    so.k_grid = o.grid;
    so.on_trial = [&](const trial& t) { bar.update(t.number + 1, settings.trials); };
    o.result = search_directions(model, *o.directions, validation, so);
    o.model_neurons = model.layout().neurons();
    o.result.best.provenance.total_neurons = o.model_neurons;
    bar.finish();
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
}

/// Localizes `validation` and searches the budgets on it.
inline search_outcome locate_and_search(model_type& model, const std::vector<preference_pair>& validation,
                                        const search_settings& settings, const common_options& common,
                                        std::ostream& err) {
    if (settings.trials == 0) throw error("--trials must be at least 1");
    const auto sites = settings.sites == "all" ? std::vector<std::string>{} : site_group(model.layout(), settings.sites);
    if (settings.directions) return locate_and_search_directions(model, validation, settings, common, err, sites);
    search_outcome o;
    o.loc = localize_pairs(model, validation, settings.attributes, common, err, sites);
    o.grid = effective_k_grid(settings.k_grid, o.loc.table);
    const auto start = std::chrono::steady_clock::now();
    if (settings.shift_selector) {
        const auto samples = response_samples(validation);
        const auto edits = builtin_style_edits(settings.attributes);
        progress_bar shift_bar(err, common.progress, "shifts");
        shift_options sh;
        sh.sites = sites;
        sh.progress = [&](std::size_t done, std::size_t total) { shift_bar.update(done, total); };
        o.shift.emplace(measure_counterfactual_shifts(model, std::span<const sample>(samples), edits, sh));
        shift_bar.finish();
    }
    progress_bar bar(err, common.progress, "search");
    budget_search_options so = search_options_for(settings);
    so.k_grid = o.grid;
    o.objective = settings.objective;
    o.robust_weight = settings.robust_weight;
    so.on_trial = [&](const trial& t) { bar.update(t.number + 1, settings.trials); };
    o.result = o.shift ? search_budgets(model, o.loc, validation, so, *o.shift) : search_budgets(model, o.loc, validation, so);
    // provenance names the model's whole layout, also when the edit was confined to some sites
    o.model_neurons = model.layout().neurons();
    o.result.best.provenance.total_neurons = o.model_neurons;
    bar.finish();
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
}

/// trials.jsonl of a search.
inline std::string trial_log(const search_outcome& o) {
    std::string text;
    const auto& r = o.result.search;
    for (std::size_t i = 0; i < r.trials.size(); ++i) {
        const auto& t = r.trials[i];
        json line;
        line["trial"] = t.number;
        line["k"] = json::object();
        for (std::size_t b = 0; b < r.biases.size(); ++b) line["k"][r.biases[b]] = t.budgets[b];
        line["total_k"] = t.total_k;
        const spec trial_spec = o.spec_for(t.budgets);
        line["edited"] = trial_spec.edited();
        if (o.directions) line["directions"] = trial_spec.pinned_directions();
        line["accuracy"] = o.result.accuracy.at(i);
        line["objective"] = t.objective;
        line["seconds"] = t.seconds;
        line["cached"] = t.cached;
        line["base"] = t.number == 0;
        line["best"] = i == r.best;
        text += line.dump() + "\n";
    }
    return text;
}

/// A summary of a search for --json and the report.
inline json search_summary(const search_outcome& o) {
    const auto& r = o.result.search;
    json j;
    j["trials"] = r.trials.size();
    j["k_grid"] = o.grid;
    j["objective"] = o.objective_name();
    if (o.objective == search_objective::robust_accuracy) j["robust_weight"] = o.robust_weight;
    j["base"] = {{"trial", 0}, {"accuracy", o.result.accuracy.front()}, {"objective", r.base_trial().objective}};
    json k = json::object();
    for (const auto& b : r.best_budgets()) k[b.bias] = b.k;
    j["best"] = {{"trial", r.best_trial().number}, {"k", k}, {"edited", o.result.best.edited()},
                 {"accuracy", o.result.accuracy.at(r.best)}, {"objective", r.best_trial().objective}};
    if (o.directions) j["best"]["directions"] = o.result.best.pinned_directions();
    j["intervention"] = o.directions ? "directions" : "neurons";
    j["selector"] = o.directions ? std::string(to_string(o.directions->kind)) : o.shift ? "shift" : "spearman";
    j["sites"] = o.layout().size();
    j["site_neurons"] = o.layout().neurons();
    j["seconds"] = o.seconds;
    return j;
}

/// The text lines: base and best trial with their budgets.
inline void print_search_summary(const search_outcome& o, std::size_t total_neurons, std::ostream& out) {
    const auto& r = o.result.search;
    std::string grid;
    for (auto k : o.grid) grid += (grid.empty() ? "" : ",") + std::to_string(k);
    const bool robust = o.objective == search_objective::robust_accuracy;
    out << fmt::format("search: {} trials over k in {{{}}} per attribute, selector {}, objective {}, {:.1f} s\n",
                       r.trials.size(), grid, o.shift ? "shift (counterfactual)" : o.selector_name(),
                       robust ? "robust accuracy" : "accuracy", o.seconds);
    std::string header = fmt::format("{:<18}", "validation");
    for (const auto& b : r.biases) header += fmt::format(" {:>11}", b);
    out << header << fmt::format(" {:>8} {:>9}{}\n", "edited", "accuracy", robust ? "    robust" : "");
    const auto row = [&](const std::string& label, std::size_t i, std::size_t edited) {
        const trial& t = r.trials[i];
        std::string line = fmt::format("{:<18}", label);
        for (auto k : t.budgets) line += fmt::format(" {:>11}", k);
        out << line << fmt::format(" {:>8} {:>8.2f}%", edited, 100.0 * o.result.accuracy.at(i));
        out << (robust ? fmt::format(" {:>8.2f}%\n", 100.0 * t.objective) : std::string("\n"));
    };
    row("base (trial 0)", 0, 0);
    row(fmt::format("best (trial {})", r.best_trial().number), r.best, o.result.best.edited());
    if (o.directions)
        out << fmt::format("best spec pins {} directions at {} sites ({} neurons edited)\n", o.result.best.pinned_directions(),
                           o.result.best.sites.size(), o.result.best.edited());
    else
        out << fmt::format("best spec edits {} of {} neurons ({:.2f}%)\n", o.result.best.edited(), total_neurons,
                           total_neurons ? 100.0 * static_cast<double>(o.result.best.edited()) / static_cast<double>(total_neurons) : 0.0);
}

/// Reads the settings out of the options' strings (errors before any work is done).
inline search_settings make_search_settings(const std::string& attributes, const std::string& k_grid,
                                            std::size_t trials, const std::string& sampler, std::uint64_t seed,
                                            const std::string& where, const std::string& value,
                                            const std::string& selector = "spearman",
                                            const std::string& sites = "all",
                                            const std::string& objective = "accuracy",
                                            double robust_weight = 0.5,
                                            const std::string& intervention = "neurons",
                                            const std::string& kind = "covariance") {
    search_settings s;
    s.directions = parse_intervention(intervention);
    s.kind = parse_direction_kind(kind);
    if (s.directions && selector != "spearman")
        throw error("--selector chooses neurons; --intervention directions pins directions (see --direction-kind)");
    if (!(robust_weight >= 0.0 && robust_weight <= 1.0))
        throw error(fmt::format("--robust-weight must be in [0, 1], got {}", robust_weight));
    s.robust_weight = robust_weight;
    s.sites = sites;
    s.objective = parse_search_objective(objective);
    s.shift_selector = parse_selector(selector);
    s.attributes = attribute_list(attributes);
    if (!k_grid.empty() && s.directions) {
        // the candidates among 0 (not pinned) and 1 (pinned), as given: "1" pins every attribute
        for (const auto& item : split_list(k_grid, "--k-grid")) {
            const std::size_t k = parse_count(item, "--k-grid");
            if (k > 1)
                throw error("--k-grid with --intervention directions lists candidates among 0 (not pinned) and 1 "
                            "(pinned): 0,1 searches which attributes to pin, 1 pins every attribute; got " + item);
            s.k_grid.push_back(k);
        }
        std::sort(s.k_grid.begin(), s.k_grid.end());
        s.k_grid.erase(std::unique(s.k_grid.begin(), s.k_grid.end()), s.k_grid.end());
    } else if (!k_grid.empty()) {
        s.k_grid = k_grid_list(k_grid);
    }
    if (trials == 0) throw error("--trials must be at least 1");
    s.trials = trials;
    s.sampler = parse_sampler(sampler);
    s.seed = seed;
    std::tie(s.where, s.value) = spec_modes(where, value);
    if (s.shift_selector || (s.directions && s.kind == direction_kind::shift))
        (void)builtin_style_edits(s.attributes);  // every attribute needs an edit
    return s;
}

/// Runs `cirm search`; returns the exit code.
inline int run_search(const search_options& o, std::ostream& out, std::ostream& err) {
    const auto settings =
        make_search_settings(o.attributes, o.k_grid, o.trials, o.sampler, o.seed, o.positions, o.replacement, o.selector,
                             o.sites, o.objective, o.robust_weight, o.intervention, o.direction_kind);
    if (o.out.empty()) throw error("no output directory given (--out DIR)");
    const auto pairs = load_pairs(o.data);
    auto model = load_model(o.common.model, o.common.threads);
    check_pairs_fit(model, pairs, o.data);
    const auto outcome = locate_and_search(model, pairs, settings, o.common, err);

    const std::filesystem::path dir(o.out);
    pending_outputs files;
    files.add(dir / "spec.json", spec_to_json(outcome.result.best));
    files.add(dir / "spec.safetensors", spec_to_safetensors(outcome.result.best));
    files.add(dir / "trials.jsonl", trial_log(outcome));
    files.commit();

    if (o.common.json) {
        json j;
        j["model"] = o.common.model;
        j["data"] = o.data;
        j["pairs"] = pairs.size();
        j["sampler"] = o.sampler;
        j["seed"] = o.seed;
        const json summary = search_summary(outcome);
        for (const auto& [key, value] : summary.items()) j[key] = value;
        j["spec"] = spec_summary_json(outcome.result.best, model.layout().neurons());
        j["files"] = json::array();
        for (const auto& [path, bytes] : files.files()) j["files"].push_back(path.string());
        out << j.dump(2) << "\n";
        return 0;
    }
    print_search_summary(outcome, model.layout().neurons(), out);
    out << "wrote";
    for (const auto& [path, bytes] : files.files()) out << " " << path.string();
    out << "\n";
    return 0;
}

}  // namespace cirm::cli
