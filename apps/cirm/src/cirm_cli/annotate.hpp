#pragma once
/// \file
/// `cirm annotate`: DPO pairs from candidate responses. Input lines {"prompt": str,
/// "responses": [str, ...] (at least 2), "id"?}; output lines {"id", "prompt", "chosen",
/// "rejected"}: the candidates with the highest and the lowest reward under the reward model
/// (with --spec: the debiased one). Ties go to the earlier candidate for chosen and the later
/// for rejected; a prompt whose candidates all score the same gives no pair (counted on stderr).

#include <cstddef>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/paired_scorer.hpp"
#include "cirm_cli/progress.hpp"
#include "cirm_cli/score.hpp"

namespace cirm::cli {

struct annotate_options {
    common_options common;
    std::string data;  ///< {"prompt", "responses", "id"?} JSONL
    std::string spec;  ///< optional spec to apply
    std::string out;   ///< output JSONL file; empty = stdout
};

/// One prompt with its candidates.
struct candidate_set {
    std::string id;
    std::string prompt;
    std::vector<std::string> responses;
};

/// Parses candidate lines; errors name `source` and the line.
inline std::vector<candidate_set> parse_candidates(std::string_view text, const std::string& source) {
    std::vector<candidate_set> out;
    std::set<std::string> ids;
    score_detail::for_each_line(text, [&](std::string_view line, std::size_t number) {
        const std::string where = source + ":" + std::to_string(number);
        const auto j = score_detail::parse_object(line, where);
        candidate_set c{score_detail::line_id(j, number, where), score_detail::text_field(j, "prompt", where), {}};
        const auto r = j.find("responses");
        if (r == j.end() || !r->is_array()) throw error(where + ": field 'responses' is missing or not an array");
        if (r->size() < 2) throw error(where + ": 'responses' needs at least 2 candidates, has " + std::to_string(r->size()));
        for (std::size_t i = 0; i < r->size(); ++i) {
            if (!(*r)[i].is_string()) throw error(where + ": 'responses[" + std::to_string(i) + "]' is not a string");
            c.responses.push_back((*r)[i].get<std::string>());
        }
        if (!ids.insert(c.id).second) throw error(where + ": duplicate id '" + c.id + "'");
        out.push_back(std::move(c));
        return true;
    });
    if (out.empty()) throw error(source + ": no prompts (the dataset is empty)");
    return out;
}

/// Runs `cirm annotate`; returns the exit code.
inline int run_annotate(const annotate_options& o, std::ostream& out, std::ostream& err) {
    if (o.data.empty()) throw error("no dataset given (--data FILE)");
    const auto sets = parse_candidates(read_file(o.data), o.data);
    const auto model = load_model(o.common.model, o.common.threads);
    for (const auto& c : sets)
        for (std::size_t i = 0; i < c.responses.size(); ++i)
            check_sample_fits(model, {c.prompt, c.responses[i]},
                              o.data + ": prompt '" + c.id + "' (responses[" + std::to_string(i) + "])");
    std::optional<spec> s;
    if (!o.spec.empty()) s = load_spec_for(o.spec, model, o.common.model);
    std::optional<neuron_pin> pin;
    if (s) pin.emplace(*s, model.layout());
    paired_scorer scorer(model, pin ? &*pin : nullptr);

    std::vector<sample> samples;
    for (const auto& c : sets)
        for (const auto& r : c.responses) samples.push_back({c.prompt, r});
    progress_bar bar(err, o.common.progress, "annotate");
    scorer.on_progress([&](std::size_t done) { bar.update(done, samples.size()); });
    const auto rewards = pin ? score_samples(scorer, samples, *pin) : score_samples(scorer, samples, no_intervention{});
    bar.finish();

    std::vector<preference_pair> pairs;
    std::size_t next = 0, all_tied = 0;
    for (const auto& c : sets) {
        std::size_t best = 0, worst = 0;
        for (std::size_t i = 0; i < c.responses.size(); ++i) {
            if (rewards[next + i] > rewards[next + best]) best = i;
            if (rewards[next + i] <= rewards[next + worst]) worst = i;
        }
        if (rewards[next + best] > rewards[next + worst]) pairs.push_back({c.id, c.prompt, c.responses[best], c.responses[worst], {}});
        else ++all_tied;
        next += c.responses.size();
    }
    const std::string lines = pairs.empty() ? std::string() : format_preference_jsonl(pairs);
    if (o.out.empty()) {
        out << lines;
    } else {
        pending_outputs files;
        files.add(o.out, lines);
        files.commit();
    }
    if (!o.common.quiet) {
        err << "annotated " << pairs.size() << " of " << sets.size() << " prompts" << (s ? " with the spec" : "");
        if (all_tied) err << " (" << all_tied << " skipped: all candidates scored the same)";
        if (!o.out.empty()) err << "; wrote " << o.out;
        err << "\n";
    }
    return 0;
}

}  // namespace cirm::cli
