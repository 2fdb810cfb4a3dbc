#pragma once
/// \file
/// `cirm demo`: the whole method on the bundled model and data — localize and search the budgets
/// on the validation set (never the test set), evaluate base / LP / LWR / CIRM on the test set,
/// and write the report. Defaults: models/cirm-tiny-rm, data/validation.jsonl and
/// data/test.jsonl of the repository (CIRM_SOURCE_DIR), out dir cirm-demo-out, 60 TPE trials
/// (sized to finish within 5 minutes on 2 cores), style flip rates over the first 1000 test
/// pairs (each style edit is another scoring pass over the pairs it covers: over all 3000 pairs
/// the flip rates alone would take longer than everything else together; --flip-pairs 0 = all).
/// Writes spec.json, spec.safetensors, trials.jsonl, eval.json and report.html, all at the end. Prints the table, the goal check and
/// where the report and the spec are; --json prints the evaluation document (io/evaluation_json.hpp)
/// with an added "files" object and the search's "search" summary.
///
/// Beside the method (the "cirm" column) the demo runs the best variant found by the ablations
/// on the validation set (docs/experiments.md) as a "variant" column with its own goal check: its
/// own localization and search on the validation set with the variant's intervention (neurons or
/// directions), selector or direction kind, pin value, sites, k grid, sampler and search
/// objective. Both specs are evaluated on the test pairs in one pass (cirm::evaluate), each
/// response scored once. The default variant pins covariance directions to zero at the first half
/// of the layers, the attributes to pin chosen by trying every subset on validation accuracy. Its
/// spec and trials go to variant/ under the output folder; --json adds "variant" (settings and
/// search summary). --no-variant runs the method alone.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "cirm/error.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/io/search_json.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/pipeline/evaluate.hpp"
#include "cirm/report/html_report.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/search.hpp"
#include "cirm_cli/table.hpp"

#ifndef CIRM_SOURCE_DIR
#define CIRM_SOURCE_DIR "."
#endif

namespace cirm::cli {

/// The variant `cirm demo` shows beside the method: the configuration chosen on the validation set
/// by the ablations (docs/experiments.md).
struct demo_variant {
    std::string_view intervention, direction_kind, selector, replacement, sites, objective, sampler, k_grid;
    double robust_weight;
};
inline constexpr demo_variant default_variant{"directions", "covariance", "spearman", "zero", "first-half",
                                              "accuracy",   "grid",       "",         0.5};

/// The bundled model and data, inside the repository.
inline std::string bundled_path(const char* relative) {
    return (std::filesystem::path(CIRM_SOURCE_DIR) / relative).string();
}

struct demo_options {
    common_options common;   ///< common.model empty = the bundled model
    std::string validation;  ///< empty = the bundled validation set
    std::string test;        ///< empty = the bundled test set
    std::string out = "cirm-demo-out";
    std::size_t trials = 60;
    std::string sampler = "tpe";
    std::uint64_t seed = 0;
    std::string k_grid;
    bool flip_rates = true;
    std::size_t flip_pairs = 1000;  ///< flip rates over the first N test pairs (time budget); 0 = all
    bool variant = true;            ///< also run the variant (beyond the method) as a second column
    std::string variant_intervention = std::string(default_variant.intervention);
    std::string variant_direction_kind = std::string(default_variant.direction_kind);
    std::string variant_sampler = std::string(default_variant.sampler);
    std::string variant_k_grid = std::string(default_variant.k_grid);  ///< empty: the default grid for the model
    std::string variant_selector = std::string(default_variant.selector);
    std::string variant_replacement = std::string(default_variant.replacement);
    std::string variant_sites = std::string(default_variant.sites);
    std::string variant_objective = std::string(default_variant.objective);
    double variant_robust_weight = default_variant.robust_weight;
};

/// "directions (covariance, every attribute), pin median, sites first-half, objective accuracy" or
/// "selector shift, pin zero, sites first-half, objective robust (weight 1)".
inline std::string variant_label(const demo_options& o) {
    const std::string what = o.variant_intervention == "directions"
                                 ? fmt::format("directions ({}{})", o.variant_direction_kind,
                                               o.variant_k_grid == "1" ? ", every attribute" : "")
                                 : fmt::format("selector {}", o.variant_selector);
    return o.variant_objective == "robust"
               ? fmt::format("{}, pin {}, sites {}, objective robust (weight {})", what, o.variant_replacement,
                             o.variant_sites, o.variant_robust_weight)
               : fmt::format("{}, pin {}, sites {}, objective {}", what, o.variant_replacement, o.variant_sites,
                             o.variant_objective);
}

/// The search flags of the method (the method's defaults, with the demo's trials, sampler, seed
/// and grid) and of the variant.
inline search_flags method_flags(const demo_options& o) {
    search_flags f;
    f.k_grid = o.k_grid;
    f.trials = o.trials;
    f.sampler = o.sampler;
    f.seed = o.seed;
    return f;
}
inline search_flags variant_flags(const demo_options& o) {
    search_flags f = method_flags(o);
    f.k_grid = o.variant_k_grid;
    f.sampler = o.variant_sampler;
    f.replacement = o.variant_replacement;
    f.selector = o.variant_selector;
    f.sites = o.variant_sites;
    f.objective = o.variant_objective;
    f.robust_weight = o.variant_robust_weight;
    f.intervention = o.variant_intervention;
    f.direction_kind = o.variant_direction_kind;
    return f;
}

/// Runs `cirm demo`; returns the exit code.
inline int run_demo(const demo_options& o, std::ostream& out, std::ostream& err) {
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    const std::string model_dir = o.common.model.empty() ? bundled_path("models/cirm-tiny-rm") : o.common.model;
    const std::string validation_path = o.validation.empty() ? bundled_path("data/validation.jsonl") : o.validation;
    const std::string test_path = o.test.empty() ? bundled_path("data/test.jsonl") : o.test;
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto require = [&](const std::string& path, bool bundled, const char* what, const char* option) {
        if (!fs::exists(path, ec))
            throw error(
                fmt::format("{} {} '{}' is missing{}", bundled ? "the bundled" : "the", what, path,
                            bundled ? fmt::format(" (scripts/train-bundled-model makes it; or pass {})", option) : ""));
    };
    require(model_dir, o.common.model.empty(), "model", "--model DIR");
    require(validation_path, o.validation.empty(), "validation set", "--validation FILE");
    require(test_path, o.test.empty(), "test set", "--test FILE");

    // every setting is read before any work, so that a bad value fails at once
    const auto settings = search_config_of(method_flags(o), o.common.threads);
    const auto variant_settings = search_config_of(variant_flags(o), o.common.threads);
    const auto config = evaluation_config_of("", {}, "lp,lwr", o.flip_rates, o.flip_pairs, err, o.common.progress);
    const auto validation = load_pairs(validation_path, "--validation");
    const auto test = load_test_set(test_path);
    return with_model(model_dir, o.common, err, [&](auto& model) {
        check_pairs_fit(model, validation, validation_path);
        check_pairs_fit(model, test.pairs, test_path);
        const bool talk = !o.common.quiet;
        if (talk)
            err << fmt::format("demo: model {} ({} neurons), {} validation pairs, {} test pairs\n", model_dir,
                               model.layout().neurons(), validation.size(), test.pairs.size());

        const auto found = run_locate_and_search(model, validation, settings, o.common, err);
        if (talk)
            err << fmt::format(
                "demo: located and searched in {:.1f} s: validation accuracy base {:.2f}%, best {:.2f}% ({} neurons edited)\n",
                elapsed(), 100.0 * found.trials().base_trial().objective, 100.0 * found.trials().best_trial().objective,
                found.best().edited());
        std::optional<search_outcome> variant;
        if (o.variant) {
            variant.emplace(run_locate_and_search(model, validation, variant_settings, o.common, err));
            if (talk)
                err << fmt::format(
                    "demo: variant ({}) searched: validation accuracy base {:.2f}%, best {:.2f}% ({} neurons "
                    "edited, {} directions pinned)\n",
                    variant_label(o), 100.0 * variant->result.accuracy.front(),
                    100.0 * variant->result.accuracy.at(variant->trials().best), variant->best().edited(),
                    variant->best().pinned_directions());
        }

        // one evaluation of base, the baselines, the method and the variant
        std::vector<named_spec> specs{{"cirm", &found.best()}};
        if (variant) specs.push_back({"variant", &variant->best()});
        const auto report = evaluate(model, test, specs, config);
        if (talk) err << fmt::format("demo: evaluated in {:.1f} s in all\n", elapsed());
        json document = evaluation_document(report, model_dir, test_path, o.common.engine);
        if (variant)
            document["variant"] = {{"intervention", o.variant_intervention},
                                   {"direction_kind", o.variant_direction_kind},
                                   {"sampler", o.variant_sampler},
                                   {"k_grid", o.variant_k_grid},
                                   {"selector", o.variant_selector},
                                   {"replacement", o.variant_replacement},
                                   {"sites", o.variant_sites},
                                   {"objective", o.variant_objective},
                                   {"robust_weight", o.variant_robust_weight},
                                   {"spec", to_json(*report.spec_of("variant"))}};

        const fs::path dir(o.out);
        report_inputs html;
        html.document = document;
        html.edited = found.best();
        html.layout = &model.layout();
        for (auto& line : trial_log_json(found)) html.trials.push_back(std::move(line));
        html.title = "cirm demo report";

        staged_files files;
        files.add(dir / "spec.json", spec_to_json(found.best()));
        files.add(dir / "spec.safetensors", spec_to_safetensors(found.best()));
        files.add(dir / "trials.jsonl", trial_log_text(html.trials));
        files.add(dir / "eval.json", document.dump(2) + "\n");
        files.add(dir / "report.html", html_report(html));
        if (variant) {
            files.add(dir / "variant" / "spec.json", spec_to_json(variant->best()));
            files.add(dir / "variant" / "spec.safetensors", spec_to_safetensors(variant->best()));
            files.add(dir / "variant" / "trials.jsonl", trial_log_text(trial_log_json(*variant)));
        }
        files.commit();

        if (o.common.json) {
            document["search"] = search_summary(found);
            document["files"] = {{"report", (dir / "report.html").string()},
                                 {"spec", (dir / "spec.json").string()},
                                 {"spec_safetensors", (dir / "spec.safetensors").string()},
                                 {"trials", (dir / "trials.jsonl").string()},
                                 {"eval", (dir / "eval.json").string()}};
            if (variant) {
                document["variant"]["search"] = search_summary(*variant);
                document["files"]["variant_spec"] = (dir / "variant" / "spec.json").string();
                document["files"]["variant_trials"] = (dir / "variant" / "trials.jsonl").string();
            }
            document["seconds"] = elapsed();
            out << document.dump(2) << "\n";
            return 0;
        }
        print_search_summary(found, out);
        out << "\n";
        print_eval_table(document, out);
        if (variant) {
            const auto& vs = *report.spec_of("variant");
            out << fmt::format("variant ({}): {} of {} neurons edited, {} directions pinned\n", variant_label(o),
                               vs.edited, vs.total_neurons, vs.directions);
        }
        print_goal_check(document, out);
        if (variant) print_goal_check(document, out, "variant");
        out << fmt::format(
            "\nreport: {}\nspec:   {} (and spec.safetensors)\ntrials: {}\neval:   {}\ndone in {:.1f} s\n",
            (dir / "report.html").string(), (dir / "spec.json").string(), (dir / "trials.jsonl").string(),
            (dir / "eval.json").string(), elapsed());
        return 0;
    });
}

}  // namespace cirm::cli
