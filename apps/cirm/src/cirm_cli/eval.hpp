#pragma once
/// \file
/// `cirm eval`: the comparison of METHOD.md §8 on a test set — base, LP, LWR and (with --spec)
/// CIRM: accuracy, neutral accuracy, B_b / B̄_b with counts per attribute, style flip rate per
/// attribute, and RM-Bench easy / normal / hard for data in that format (rm_bench.hpp). Prints
/// the table and the goal check, or the contract document with --json (json_contract.hpp);
/// --out also writes the document to a file (the input of `cirm report`).

#include <algorithm>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cirm/attributes/length.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/paired_scorer.hpp"
#include "cirm_cli/progress.hpp"
#include "cirm_cli/rm_bench.hpp"
#include "cirm_cli/table.hpp"

namespace cirm::cli {

struct eval_options {
    common_options common;
    std::string data;                  ///< test set: preference JSONL or RM-Bench JSONL
    std::string spec;                  ///< optional: evaluate CIRM with this spec
    std::string baselines = "lp,lwr";  ///< which baselines to report ("none" for neither)
    std::string attributes;            ///< subsets reported for these; empty = the method's five
    bool flip_rates = true;            ///< inject styles and score again (5 more passes)
    std::size_t flip_pairs = 0;        ///< flip rates over the first N pairs only; 0 = all
    std::string out;                   ///< optional: also write the JSON document here
};

/// A test set: preference pairs, and the RM-Bench items they came from when in that format.
struct test_set {
    std::vector<preference_pair> pairs;
    std::optional<std::vector<rm_bench_item>> rm_bench;
};

inline test_set load_test_set(const std::string& path) {
    if (path.empty()) throw error("no dataset given (--data FILE)");
    const std::string text = read_file(path);
    test_set t;
    if (looks_like_rm_bench(text)) {
        t.rm_bench = parse_rm_bench_jsonl(text, path);
        t.pairs = rm_bench_pairs(*t.rm_bench);
    } else {
        t.pairs = parse_preference_jsonl(text, path);
    }
    return t;
}

/// Which baselines a --baselines value keeps: a subset of {lp, lwr}, or "none".
inline std::vector<std::string> baseline_list(const std::string& text) {
    if (text == "none" || text.empty()) return {};
    auto names = split_list(text, "--baselines");
    for (const auto& n : names)
        if (n != "lp" && n != "lwr") throw error("--baselines: unknown baseline '" + n + "' (known: lp, lwr, none)");
    return names;
}

struct evaluation_settings {
    std::vector<std::string> attributes;  ///< empty = the method's five
    std::vector<std::string> baselines{"lp", "lwr"};
    bool flip_rates = true;
    std::size_t flip_pairs = 0;  ///< flip rates over the first N pairs only (time); 0 = all
    bool progress = false;
};

/// Evaluates base, the baselines and (with `s`) CIRM on `data`; returns the contract document.
inline json evaluate_test_set(const model_type& model, const std::string& model_name, const test_set& data,
                              const std::string& data_name, const spec* s, const evaluation_settings& settings,
                              std::ostream& err) {
    // a swap spec (METHOD.md §6) scores each pair jointly, with full forwards; any other is a pin
    // scored over the paired scorer's prefix caches
    std::optional<spec_pin> pin;
    std::optional<neuron_pin> swap_pin;
    if (s && s->replacement == replacement::swap) swap_pin.emplace(*s, model.layout());
    else if (s) pin.emplace(*s, model.layout());
    paired_scorer scorer(model, pin ? &*pin : nullptr);
    const auto compare = [&](std::span<const preference_pair> pairs, const compare_options& options) {
        if (swap_pin) {
            const swapped_pairs swapped{*swap_pin};
            return compare_methods(scorer, pairs, &swapped, options);
        }
        return compare_methods(scorer, pairs, pin ? &*pin : nullptr, options);
    };
    const std::size_t n = data.pairs.size();

    // Flip rates cost one more scoring pass per style edit; they may be measured on the first
    // flip_pairs pairs only (the other metrics always use every pair).
    const std::size_t flip_n = !settings.flip_rates ? 0 : settings.flip_pairs == 0 ? n : std::min(settings.flip_pairs, n);

    // progress: distinct responses scored, of at most 2N plus one per style edit
    progress_bar bar(err, settings.progress, "eval ");
    const std::size_t expected = 2 * n + 5 * flip_n;
    scorer.on_progress([&](std::size_t done) { bar.update(std::min(done, expected), expected); });

    compare_options co;
    co.attributes = settings.attributes;
    co.flip_rates = settings.flip_rates && flip_n == n;
    auto comparison = compare(data.pairs, co);
    if (settings.flip_rates && flip_n < n) {
        compare_options fo = co;
        fo.flip_rates = true;
        const auto flips = compare(std::span(data.pairs).first(flip_n), fo);
        for (auto& [name, e] : comparison.methods) e.flip_rate = flips.at(name).flip_rate;
    }
    bar.update(expected, expected);
    bar.finish();

    // RM-Bench: the matrix per method from the rewards of the diagonal pairs (already scored)
    std::vector<std::pair<std::string, rm_bench_result>> rm;
    if (data.rm_bench) {
        const auto base = score_pairs(scorer, data.pairs, no_intervention{});
        std::vector<double> chosen_len, rejected_len;
        for (const auto& p : data.pairs) {
            chosen_len.push_back(attributes::length{}(p.prompt, p.chosen));
            rejected_len.push_back(attributes::length{}(p.prompt, p.rejected));
        }
        rm.emplace_back("base", rm_bench_from_pair_rewards(base.chosen, base.rejected));
        rm.emplace_back("lp", rm_bench_from_pair_rewards(length_penalty(base.chosen, chosen_len, co.lp_lambda),
                                                         length_penalty(base.rejected, rejected_len, co.lp_lambda)));
        // LWR refits over all responses of the set, as for the main table
        std::vector<double> rewards(base.chosen), lengths(chosen_len);
        rewards.insert(rewards.end(), base.rejected.begin(), base.rejected.end());
        lengths.insert(lengths.end(), rejected_len.begin(), rejected_len.end());
        const auto adjusted = lwr_adjust(rewards, lengths, co.lwr_frac, co.lwr_alpha);
        rm.emplace_back("lwr", rm_bench_from_pair_rewards(std::span(adjusted).first(n), std::span(adjusted).subspan(n)));
        if (pin || swap_pin) {
            const auto cirm = swap_pin ? score_pairs_swapped(scorer, data.pairs, *swap_pin) : score_pairs(scorer, data.pairs, *pin);
            rm.emplace_back("cirm", rm_bench_from_pair_rewards(cirm.chosen, cirm.rejected));
        }
    }

    // keep the requested baselines only
    const auto keep = [&](const std::string& name) {
        return name == "base" || name == "cirm" ||
               std::find(settings.baselines.begin(), settings.baselines.end(), name) != settings.baselines.end();
    };
    std::erase_if(comparison.methods, [&](const auto& m) { return !keep(m.first); });
    std::erase_if(rm, [&](const auto& m) { return !keep(m.first); });
    json document = eval_json(model_name, data_name, n, comparison, s, model.layout().neurons(),
                              data.rm_bench ? &rm : nullptr, data.rm_bench ? data.rm_bench->size() : 0);
    document["flip_pairs"] = flip_n;
    return document;
}

/// Runs `cirm eval`; returns the exit code.
inline int run_eval(const eval_options& o, std::ostream& out, std::ostream& err) {
    evaluation_settings settings;
    if (!o.attributes.empty()) settings.attributes = attribute_list(o.attributes);
    settings.baselines = baseline_list(o.baselines);
    settings.flip_rates = o.flip_rates;
    settings.flip_pairs = o.flip_pairs;
    settings.progress = o.common.progress;
    const auto data = load_test_set(o.data);
    const auto model = load_model(o.common.model, o.common.threads);
    check_pairs_fit(model, data.pairs, o.data);
    std::optional<spec> s;
    if (!o.spec.empty()) s = load_spec_for(o.spec, model, o.common.model);

    const json document = evaluate_test_set(model, o.common.model, data, o.data, s ? &*s : nullptr, settings, err);
    if (!o.out.empty()) {
        pending_outputs files;
        files.add(o.out, document.dump(2) + "\n");
        files.commit();
    }
    if (o.common.json) {
        out << document.dump(2) << "\n";
    } else {
        print_eval_table(document, out);
        print_goal_check(document, out);
        if (!o.out.empty()) out << "\nwrote " << o.out << "\n";
    }
    return 0;
}

}  // namespace cirm::cli
