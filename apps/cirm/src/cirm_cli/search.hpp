#pragma once
/// \file
/// `cirm search`: localization on the validation set, then the joint search of the budgets k_b
/// (docs/method.md §7) — cirm::locate_and_search. Writes to --out the best spec (spec.json,
/// spec.safetensors) and the trial log trials.jsonl (io/search_json.hpp; trial 0 is the base,
/// nothing edited, evaluated whether or not the sampler would have proposed it).

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>

#include <fmt/format.h>

#include "cirm/io/search_json.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/pipeline/locate_and_search.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct search_options : search_flags {
    common_options common;
    std::string data;  ///< validation set, preference JSONL
    std::string out;   ///< output directory
};

/// locate_and_search with progress bars on `err` when enabled.
template <class Model>
search_outcome run_locate_and_search(Model& model, const std::vector<preference_pair>& validation, search_config config,
                                     const common_options& common, std::ostream& err) {
    config.progress = stage_bars(err, common.progress);
    return locate_and_search(model, validation, config);
}

/// The text lines: base and best trial with their budgets.
inline void print_search_summary(const search_outcome& o, std::ostream& out) {
    const auto& r = o.trials();
    std::string grid;
    for (auto k : o.grid) grid += (grid.empty() ? "" : ",") + std::to_string(k);
    const bool robust = o.config.objective == search_objective::robust_accuracy;
    const std::string selector = o.directions       ? fmt::format("directions ({})", to_string(o.config.directions))
                                 : o.shift_selector ? "shift (counterfactual)"
                                                    : std::string(to_string(o.config.selector));
    out << fmt::format("search: {} trials over k in {{{}}} per attribute, selector {}, objective {}, {:.1f} s\n",
                       r.trials.size(), grid, selector, robust ? "robust accuracy" : "accuracy", o.seconds);
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
    row(fmt::format("best (trial {})", r.best_trial().number), r.best, o.best().edited());
    const std::size_t total = o.source_neurons;
    if (o.directions)
        out << fmt::format("best spec pins {} directions at {} sites ({} neurons edited)\n",
                           o.best().pinned_directions(), o.best().sites.size(), o.best().edited());
    else
        out << fmt::format("best spec edits {} of {} neurons ({:.2f}%)\n", o.best().edited(), total,
                           total ? 100.0 * static_cast<double>(o.best().edited()) / static_cast<double>(total) : 0.0);
}

/// Runs `cirm search`; returns the exit code.
inline int run_search(const search_options& o, std::ostream& out, std::ostream& err) {
    const auto config = search_config_of(o, o.common.threads);
    if (o.out.empty()) throw error("no output directory given (--out DIR)");
    const auto pairs = load_pairs(o.data);
    return with_model(o.common.model, o.common, err, [&](auto& model) {
        check_pairs_fit(model, pairs, o.data);
        const auto outcome = run_locate_and_search(model, pairs, config, o.common, err);

        const std::filesystem::path dir(o.out);
        staged_files files;
        files.add(dir / "spec.json", spec_to_json(outcome.best()));
        files.add(dir / "spec.safetensors", spec_to_safetensors(outcome.best()));
        files.add(dir / "trials.jsonl", trial_log_text(trial_log_json(outcome)));
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
            j["spec"] = to_json(spec_summary::of(outcome.best(), model.layout().neurons()));
            j["files"] = json::array();
            for (const auto& [path, bytes] : files.files()) j["files"].push_back(path.string());
            out << j.dump(2) << "\n";
            return 0;
        }
        print_search_summary(outcome, out);
        out << "wrote";
        for (const auto& [path, bytes] : files.files()) out << " " << path.string();
        out << "\n";
        return 0;
    });
}

}  // namespace cirm::cli
