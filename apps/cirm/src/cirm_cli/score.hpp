#pragma once
/// \file
/// `cirm score`: rewards per response as JSONL, plain or under a spec. Input, recognised by its
/// first line:
///   - preference pairs {"prompt", "chosen", "rejected", "id"?} → {"id", "chosen_reward", "rejected_reward"}
///   - single responses {"prompt", "response", "id"?}          → {"id", "reward"}
/// (a missing id is the 1-based line number). Rewards are computed as `cirm eval` computes them
/// (paired_scorer.hpp), so accuracies recomputed from them match the eval table exactly.

#include <cstddef>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/jsonl_line.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/paired_scorer.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct score_options {
    common_options common;
    std::string data;  ///< preference JSONL or {"prompt", "response"} JSONL
    std::string spec;  ///< optional spec to apply
    std::string out;   ///< output JSONL file; empty = stdout
};

/// One {"prompt", "response", "id"?} line.
struct single_response {
    std::string id;
    std::string prompt;
    std::string response;
};

namespace score_detail {
/// Calls on_line(line, number) for every non-blank line.
template <class OnLine>
void for_each_line(std::string_view text, OnLine&& on_line) {
    std::size_t start = 0, number = 0;
    while (start < text.size()) {
        const std::size_t newline = text.find('\n', start);
        const std::string_view line = text.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        start = newline == std::string_view::npos ? text.size() : newline + 1;
        ++number;
        if (line.find_first_not_of(" \t\r") != std::string_view::npos && !on_line(line, number)) return;
    }
}

/// The id of a line: its "id" (string or integer) or the line number.
inline std::string line_id(const nlohmann::json& j, std::size_t number, const std::string& where) {
    return cli::line_id(j, number, where);
}

/// A string field of a line, or an error naming the line.
inline std::string text_field(const nlohmann::json& j, const char* name, const std::string& where) {
    const auto it = j.find(name);
    if (it == j.end()) throw error(where + ": missing field '" + name + "'");
    if (!it->is_string()) throw error(where + ": field '" + name + "' is not a string");
    return it->get<std::string>();
}

/// The parsed object of a line (strict: UTF-8, syntax, repeated keys), or an error naming the line.
inline nlohmann::json parse_object(std::string_view line, const std::string& where) {
    return parse_line_object(line, where);
}
}  // namespace score_detail

/// True if the first non-blank line has a "response" field (single responses).
inline bool looks_like_single_responses(std::string_view text) {
    bool answer = false;
    score_detail::for_each_line(text, [&](std::string_view line, std::size_t) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        answer = !j.is_discarded() && j.is_object() && j.contains("response");
        return false;
    });
    return answer;
}

/// Parses {"prompt", "response", "id"?} lines; errors name `source` and the line.
inline std::vector<single_response> parse_single_responses(std::string_view text, const std::string& source) {
    std::vector<single_response> out;
    std::set<std::string> ids;
    score_detail::for_each_line(text, [&](std::string_view line, std::size_t number) {
        const std::string where = source + ":" + std::to_string(number);
        const auto j = score_detail::parse_object(line, where);
        single_response r{score_detail::line_id(j, number, where), score_detail::text_field(j, "prompt", where),
                          score_detail::text_field(j, "response", where)};
        if (!ids.insert(r.id).second) throw error(where + ": duplicate id '" + r.id + "'");
        out.push_back(std::move(r));
        return true;
    });
    if (out.empty()) throw error(source + ": no responses (the dataset is empty)");
    return out;
}

/// Runs `cirm score`; returns the exit code.
inline int run_score(const score_options& o, std::ostream& out, std::ostream& err) {
    if (o.data.empty()) throw error("no dataset given (--data FILE)");
    const std::string text = read_file(o.data);
    const bool single = looks_like_single_responses(text);
    std::vector<single_response> responses;
    std::vector<preference_pair> pairs;
    if (single) responses = parse_single_responses(text, o.data);
    else pairs = parse_preference_jsonl(text, o.data);

    const auto model = load_model(o.common.model, o.common.threads);
    if (single) {
        for (const auto& r : responses) check_sample_fits(model, {r.prompt, r.response}, o.data + ": response '" + r.id + "'");
    } else {
        check_pairs_fit(model, pairs, o.data);
    }
    std::optional<spec> s;
    if (!o.spec.empty()) {
        s = load_spec_for(o.spec, model, o.common.model);
        require_single_response_spec(*s, o.spec, "score");
    }
    std::optional<spec_pin> pin;
    if (s) pin.emplace(*s, model.layout());
    paired_scorer scorer(model, pin ? &*pin : nullptr);
    progress_bar bar(err, o.common.progress, "score");
    const std::size_t expected = single ? responses.size() : 2 * pairs.size();
    scorer.on_progress([&](std::size_t done) { bar.update(done, expected); });

    std::string lines;
    if (single) {
        std::vector<sample> samples;
        for (const auto& r : responses) samples.push_back({r.prompt, r.response});
        const auto rewards = pin ? score_samples(scorer, samples, *pin) : score_samples(scorer, samples, no_intervention{});
        for (std::size_t i = 0; i < responses.size(); ++i)
            lines += json{{"id", responses[i].id}, {"reward", rewards[i]}}.dump() + "\n";
    } else {
        // the same call, batches and order as `cirm eval` uses, so the rewards agree exactly
        const auto rewards = pin ? score_pairs(scorer, pairs, *pin) : score_pairs(scorer, pairs, no_intervention{});
        for (std::size_t i = 0; i < pairs.size(); ++i)
            lines += json{{"id", pairs[i].id}, {"chosen_reward", rewards.chosen[i]}, {"rejected_reward", rewards.rejected[i]}}
                         .dump() + "\n";
    }
    bar.finish();
    if (o.out.empty()) {
        out << lines;
    } else {
        pending_outputs files;
        files.add(o.out, lines);
        files.commit();
        if (!o.common.quiet)
            err << "scored " << expected << " responses" << (s ? " with the spec" : "") << "; wrote " << o.out << "\n";
    }
    return 0;
}

}  // namespace cirm::cli
