#pragma once
/// \file
/// `cirm score`: rewards per response as JSONL, plain or under a spec. Input, recognised by its
/// first line (io/datasets.hpp):
///   - preference pairs {"prompt", "chosen", "rejected", "id"?} → {"id", "chosen_reward", "rejected_reward"}
///   - single responses {"prompt", "response", "id"?}          → {"id", "reward"}
/// (a missing id is the 1-based line number). Rewards are computed as `cirm eval` computes them
/// (pipeline/reward_cache.hpp), so accuracies recomputed from them match the eval table exactly.
/// With --spec, stderr says what the spec applies.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/datasets.hpp"
#include "cirm/pipeline/reward_cache.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct score_options {
    common_options common;
    std::string data;  ///< preference JSONL or {"prompt", "response"} JSONL
    std::string spec;  ///< optional spec to apply
    std::string out;   ///< output JSONL file; empty = stdout
};

/// The spec of `path` for a command that scores responses one by one (`command`), with its pin,
/// after saying on stderr what it applies (unless quiet).
struct applied_spec {
    std::optional<spec> s;
    std::optional<spec_pin> pin;
    std::vector<const spec_pin*> pins() const {
        return pin ? std::vector<const spec_pin*>{&*pin} : std::vector<const spec_pin*>{};
    }
};
template <class Model>
applied_spec apply_spec(const std::string& path, const Model& model, const common_options& common, const char* command,
                        std::ostream& err) {
    applied_spec a;
    if (path.empty()) return a;
    a.s = load_spec_for(path, model, common.model);
    require_single_response_spec(*a.s, path, command);
    a.pin.emplace(*a.s, model.layout());
    if (!common.quiet) err << "applying spec " << path << ": " << spec_applied(*a.s) << "\n";
    return a;
}

/// Runs `cirm score`; returns the exit code.
inline int run_score(const score_options& o, std::ostream& out, std::ostream& err) {
    if (o.data.empty()) throw error("no dataset given (--data FILE)");
    const std::string text = read_file(o.data);
    const bool single = looks_like_single_responses(text);
    std::vector<scored_response> responses;
    std::vector<preference_pair> pairs;
    if (single)
        responses = parse_single_responses(text, o.data);
    else
        pairs = parse_preference_jsonl(text, o.data);

    return with_model(o.common.model, o.common, err, [&](auto& model) {
        if (single) {
            for (const auto& r : responses)
                check_sample_fits(model, {r.prompt, r.response}, o.data + ": response '" + r.id + "'");
        } else {
            check_pairs_fit(model, pairs, o.data);
        }
        const auto applied = apply_spec(o.spec, model, o.common, "score", err);
        reward_cache scorer(model, applied.pins());
        progress_bar bar(err, o.common.progress, "score");
        const std::size_t expected = single ? responses.size() : 2 * pairs.size();
        scorer.on_progress([&](std::size_t done) { bar.update(done, expected); });

        std::string lines;
        if (single) {
            std::vector<sample> samples;
            for (const auto& r : responses) samples.push_back({r.prompt, r.response});
            const auto rewards = applied.pin ? score_samples(scorer, samples, *applied.pin)
                                             : score_samples(scorer, samples, no_intervention{});
            for (std::size_t i = 0; i < responses.size(); ++i)
                lines += json{{"id", responses[i].id}, {"reward", rewards[i]}}.dump() + "\n";
        } else {
            // the same call, batches and order as `cirm eval` uses, so the rewards agree exactly
            const auto rewards =
                applied.pin ? score_pairs(scorer, pairs, *applied.pin) : score_pairs(scorer, pairs, no_intervention{});
            for (std::size_t i = 0; i < pairs.size(); ++i)
                lines += json{{"id", pairs[i].id},
                              {"chosen_reward", rewards.chosen[i]},
                              {"rejected_reward", rewards.rejected[i]}}
                             .dump() +
                         "\n";
        }
        bar.finish();
        if (o.out.empty()) {
            out << lines;
        } else {
            staged_files files;
            files.add(o.out, lines);
            files.commit();
            if (!o.common.quiet)
                err << "scored " << expected << " responses" << (applied.s ? " with the spec" : "") << "; wrote "
                    << o.out << "\n";
        }
        return 0;
    });
}

}  // namespace cirm::cli
