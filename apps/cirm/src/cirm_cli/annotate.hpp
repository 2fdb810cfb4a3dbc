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
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/datasets.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/pipeline/config.hpp"
#include "cirm/pipeline/reward_cache.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/progress.hpp"
#include "cirm_cli/score.hpp"

namespace cirm::cli {

struct annotate_options {
    common_options common;
    std::string data;  ///< {"prompt", "responses", "id"?} JSONL
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
                throw error(o.data + ": prompt '" + c.id + "' has no 'correct' index, which --report needs on every line");
    const auto model = load_model(o.common.model, o.common.threads);
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

    std::vector<preference_pair> pairs;
    std::size_t next = 0, all_tied = 0, correct_picked = 0;
    const auto names = method_attribute_names();
    const auto attrs = make_attributes(std::vector<std::string>(names.begin(), names.end()));
    std::vector<double> picked_sum(attrs.size(), 0.0), correct_sum(attrs.size(), 0.0), all_sum(attrs.size(), 0.0);
    std::size_t candidates = 0;
    const auto add = [&](std::vector<double>& sum, const std::string& prompt, const std::string& response) {
        for (std::size_t a = 0; a < attrs.size(); ++a) sum[a] += attrs[a](prompt, response);
    };
    for (const auto& c : sets) {
        std::size_t best = 0, worst = 0;
        for (std::size_t i = 0; i < c.responses.size(); ++i) {
            if (rewards[next + i] > rewards[next + best]) best = i;
            if (rewards[next + i] <= rewards[next + worst]) worst = i;
        }
        if (rewards[next + best] > rewards[next + worst]) pairs.push_back({c.id, c.prompt, c.responses[best], c.responses[worst], {}});
        else ++all_tied;
        if (!o.report.empty()) {
            correct_picked += best == *c.correct;
            add(picked_sum, c.prompt, c.responses[best]);
            add(correct_sum, c.prompt, c.responses[*c.correct]);
            for (const auto& r : c.responses) add(all_sum, c.prompt, r);
            candidates += c.responses.size();
        }
        next += c.responses.size();
    }
    const std::string lines = pairs.empty() ? std::string() : format_preference_jsonl(pairs);
    json report;
    if (!o.report.empty()) {
        const auto means = [&](const std::vector<double>& sum, std::size_t n) {
            json m = json::object();
            for (std::size_t a = 0; a < attrs.size(); ++a) m[std::string(attrs[a].name())] = sum[a] / static_cast<double>(n);
            return m;
        };
        report["prompts"] = sets.size();
        report["pairs"] = pairs.size();
        report["method"] = o.baseline.empty() ? "base" : o.baseline;
        report["spec"] = applied.s.has_value();
        report["correct_picked"] = correct_picked;
        report["correct_share"] = static_cast<double>(correct_picked) / static_cast<double>(sets.size());
        report["picked"] = means(picked_sum, sets.size());
        report["correct"] = means(correct_sum, sets.size());
        report["candidates"] = means(all_sum, candidates);
    }
    pending_outputs files;
    if (!o.out.empty()) files.add(o.out, lines);
    if (!o.report.empty()) files.add(o.report, report.dump(2) + "\n");
    files.commit();
    if (o.out.empty()) out << lines;
    if (!o.common.quiet) {
        err << "annotated " << pairs.size() << " of " << sets.size() << " prompts" << (applied.s ? " with the spec" : "");
        if (all_tied) err << " (" << all_tied << " skipped: all candidates scored the same)";
        if (!o.out.empty()) err << "; wrote " << o.out;
        err << "\n";
        if (!o.report.empty())
            err << fmt::format("picked the correct candidate for {} of {} prompts ({:.1f}%); wrote {}\n", correct_picked,
                               sets.size(), 100.0 * report["correct_share"].get<double>(), o.report);
    }
    return 0;
}

}  // namespace cirm::cli
