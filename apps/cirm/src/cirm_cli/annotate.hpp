#pragma once
/// \file
/// `cirm annotate`: DPO pairs from candidate responses. Input lines {"prompt": str,
/// "responses": [str, ...] (at least 2), "id"?}; output lines {"id", "prompt", "chosen",
/// "rejected"}: the candidates with the highest and the lowest reward under the reward model
/// (with --spec: the debiased one). Ties go to the earlier candidate for chosen and the later
/// for rejected; a prompt whose candidates all score the same gives no pair (counted on stderr).
///
/// Downstream proxy (beyond the method): with --baseline lp or lwr the rewards are length-corrected
/// first (LP: r − 0.001·length; LWR: LOWESS of reward on length over all candidates of the file,
/// docs/method.md §9). Lines may carry "correct": the index of the candidate with the correct answer
/// (cirm-datagen --candidates writes such files); --report FILE then writes, as JSON, the share of
/// prompts whose pick (the chosen candidate) is the correct one and the mean of each method
/// attribute over the picked, the correct and all candidates:
///
///     {"prompts": i, "pairs": i, "method": "base"|"lp"|"lwr", "spec": bool, "correct_picked": i,
///      "correct_share": f, "picked": {"<attribute>": f}, "correct": {...}, "candidates": {...}}

#include <algorithm>
#include <cstddef>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cirm/attributes/builtin.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/annotate.hpp"
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/datasets.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/pipeline/config.hpp"
#include "cirm/pipeline/reward_cache.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/progress.hpp"
#include "cirm_cli/score.hpp"

namespace cirm::cli {

struct annotate_options {
    common_options common;
    std::string data;      ///< {"prompt", "responses", "id"?} JSONL
    std::string spec;      ///< optional spec to apply
    std::string baseline;  ///< "", "lp" or "lwr": length correction of the rewards before picking
    std::string report;    ///< JSON file for the downstream proxy (needs "correct" on every line)
    std::string out;       ///< output JSONL file; empty = stdout
};

/// Runs `cirm annotate`; returns the exit code.
inline int run_annotate(const annotate_options& o, std::ostream& out, std::ostream& err) {
    if (o.data.empty()) throw error("no dataset given (--data FILE)");
    std::optional<baseline_kind> baseline;
    if (!o.baseline.empty()) baseline = parse_mode<baseline_kind>(o.baseline);
    const auto sets = parse_candidate_sets(read_file(o.data), o.data);
    if (!o.report.empty())
        for (const auto& c : sets)
            if (!c.correct)
                throw error(o.data + ": prompt '" + c.id +
                            "' has no 'correct' index, which --report needs on every line");
    return with_model(o.common.model, o.common, err, [&](auto& model) {
        for (const auto& c : sets)
            for (std::size_t i = 0; i < c.responses.size(); ++i)
                check_sample_fits(model, {c.prompt, c.responses[i]},
                                  o.data + ": prompt '" + c.id + "' (responses[" + std::to_string(i) + "])");
        const auto applied = apply_spec(o.spec, model, o.common, "annotate", err);
        const auto& pin = applied.pin;
        reward_cache scorer(model, applied.pins());

        std::vector<sample> samples;
        for (const auto& c : sets)
            for (const auto& r : c.responses) samples.push_back({c.prompt, r});
        progress_bar bar(err, o.common.progress, "annotate");
        scorer.on_progress([&](std::size_t done) { bar.update(done, samples.size()); });
        auto rewards = pin ? score_samples(scorer, samples, *pin) : score_samples(scorer, samples, no_intervention{});
        bar.finish();
        if (baseline) {
            std::vector<double> r(rewards.begin(), rewards.end()), lengths;
            for (const auto& x : samples) lengths.push_back(attributes::length{}(x.prompt, x.response));
            const auto adjusted = *baseline == baseline_kind::lp ? length_penalty(r, lengths) : lwr_adjust(r, lengths);
            std::copy(adjusted.begin(), adjusted.end(), rewards.begin());
        }

        const std::vector<double> reward_values(rewards.begin(), rewards.end());
        const auto annotated = annotate_candidates(sets, reward_values);
        const auto& pairs = annotated.pairs;
        const std::string lines = pairs.empty() ? std::string() : format_preference_jsonl(pairs);
        json report;
        std::optional<downstream_proxy> proxy;
        if (!o.report.empty()) {
            const auto names = method_attribute_names();
            proxy = measure_downstream(sets, annotated,
                                       make_attributes(std::vector<std::string>(names.begin(), names.end())));
            const auto means = [](const std::vector<std::pair<std::string, double>>& values) {
                json m = json::object();
                for (const auto& [name, v] : values) m[name] = v;
                return m;
            };
            report = {{"prompts", sets.size()},
                      {"pairs", pairs.size()},
                      {"method", o.baseline.empty() ? "base" : o.baseline},
                      {"spec", applied.s.has_value()},
                      {"correct_picked", proxy->correct_picked},
                      {"correct_share", proxy->correct_share},
                      {"picked", means(proxy->picked)},
                      {"correct", means(proxy->correct)},
                      {"candidates", means(proxy->candidates)}};
        }
        staged_files files;
        if (!o.out.empty()) files.add(o.out, lines);
        if (!o.report.empty()) files.add(o.report, report.dump(2) + "\n");
        files.commit();
        if (o.out.empty()) out << lines;
        if (!o.common.quiet) {
            err << "annotated " << pairs.size() << " of " << sets.size() << " prompts"
                << (applied.s ? " with the spec" : "");
            if (annotated.all_tied) err << " (" << annotated.all_tied << " skipped: all candidates scored the same)";
            if (!o.out.empty()) err << "; wrote " << o.out;
            err << "\n";
            if (!o.report.empty())
                err << fmt::format("picked the correct candidate for {} of {} prompts ({:.1f}%); wrote {}\n",
                                   proxy->correct_picked, sets.size(), 100.0 * proxy->correct_share, o.report);
        }
        return 0;
    });
}

}  // namespace cirm::cli
