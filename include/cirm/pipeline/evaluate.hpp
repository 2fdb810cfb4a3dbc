#pragma once
/// \file
/// The evaluation of docs/method.md §8 on a test set, over any ActivationSource: the base RM, the
/// length baselines (LP, LWR) and any number of specs, each under its own name — accuracy,
/// neutral accuracy, biased / unbiased subsets with their counts, style flip rates, and for a test
/// set in a benchmark's format its scores: RM-Bench easy / normal / hard, RewardBench's subsets,
/// sections and overall score, RewardBench 2's best-of-N and Ties scores (for RewardBench 2 the
/// pairs are every correct-incorrect pair of each prompt, and LP / LWR adjust each completion's
/// reward once, LWR fitted over every completion of the set). Every response is scored once for all
/// methods (reward_cache.hpp): over cached prefixes where the source allows it. A spec with the
/// swap replacement scores each pair jointly (full forwards); RewardBench 2, which
/// needs one reward per completion, refuses such a spec.
///
/// The result is typed (evaluation_report); io/evaluation_json.hpp writes and reads its JSON.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cirm/attributes/length.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/datasets.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/eval/reward_bench.hpp"
#include "cirm/eval/reward_bench_2.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/intervene/pair_swap.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/pipeline/config.hpp"
#include "cirm/pipeline/reward_cache.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// A spec evaluated under a method name ("cirm", "variant", ...).
struct named_spec {
    std::string method;
    const spec* s = nullptr;
};

/// The size of a spec: edited neurons, pinned directions, the neurons of the model it was
/// evaluated on, and k per attribute.
struct spec_summary {
    std::size_t edited = 0;
    std::size_t directions = 0;
    std::size_t total_neurons = 0;
    std::vector<bias_budget> budgets;

    static spec_summary of(const spec& s, std::size_t total_neurons) {
        return {s.edited(), s.pinned_directions(), total_neurons, s.budgets};
    }
};

/// RM-Bench accuracies per method.
struct rm_bench_report {
    std::size_t items = 0;
    std::vector<std::pair<std::string, rm_bench_result>> methods;
};

/// RewardBench scores per method.
struct reward_bench_report {
    std::size_t pairs = 0;
    std::vector<std::pair<std::string, reward_bench_result>> methods;
};

/// RewardBench 2 scores per method.
struct reward_bench_2_report {
    std::size_t prompts = 0;
    std::vector<std::pair<std::string, reward_bench_2_result>> methods;
};

/// What evaluate returns.
struct evaluation_report {
    std::size_t pairs = 0;
    std::size_t neutral_pairs = 0;
    std::size_t flip_pairs = 0;    ///< the flip rates are over the first flip_pairs pairs (0: not measured)
    method_comparison comparison;  ///< base, the baselines asked for, then the specs, in that order
    std::vector<std::pair<std::string, spec_summary>> specs;  ///< per spec method
    std::optional<rm_bench_report> rm_bench;                  ///< for RM-Bench test sets
    std::optional<reward_bench_report> reward_bench;          ///< for RewardBench test sets
    std::optional<reward_bench_2_report> reward_bench_2;      ///< for RewardBench 2 test sets

    const evaluation& at(std::string_view method) const { return comparison.at(method); }
    bool has(std::string_view method) const {
        return std::any_of(comparison.methods.begin(), comparison.methods.end(),
                           [&](const auto& m) { return m.first == method; });
    }
    /// The summary of the spec evaluated as `method`, or null.
    const spec_summary* spec_of(std::string_view method) const {
        for (const auto& [name, summary] : specs)
            if (name == method) return &summary;
        return nullptr;
    }
};

namespace detail {
/// The reward of every completion of every RewardBench 2 item (correct ones first) from the
/// rewards of its reward_bench_2_pairs: correct completion c is the chosen side of pair (c, 0),
/// incorrect completion r the rejected side of pair (0, r).
inline std::vector<reward_bench_2_prompt> completion_rewards(std::span<const reward_bench_2_item> items,
                                                             const pair_rewards& rewards) {
    std::vector<reward_bench_2_prompt> out;
    std::size_t first = 0;
    for (const auto& item : items) {
        reward_bench_2_prompt p{item.id, item.subset, {}, item.chosen.size()};
        for (std::size_t c = 0; c < item.chosen.size(); ++c)
            p.rewards.push_back(rewards.chosen.at(first + c * item.rejected.size()));
        for (std::size_t r = 0; r < item.rejected.size(); ++r) p.rewards.push_back(rewards.rejected.at(first + r));
        first += item.chosen.size() * item.rejected.size();
        out.push_back(std::move(p));
    }
    return out;
}

/// The prompts with every completion's reward replaced by `adjust` of all of them at once
/// (flattened in order).
template <class Adjust>
std::vector<reward_bench_2_prompt> adjusted_completions(std::vector<reward_bench_2_prompt> prompts, Adjust&& adjust) {
    std::vector<double> flat;
    for (const auto& p : prompts) flat.insert(flat.end(), p.rewards.begin(), p.rewards.end());
    const std::vector<double> adjusted = adjust(std::span<const double>(flat));
    std::size_t k = 0;
    for (auto& p : prompts)
        for (double& r : p.rewards) r = adjusted.at(k++);
    return prompts;
}
}  // namespace detail

/// Evaluates base, the baselines of `config` and every spec of `specs` on `test`.
template <ActivationSource S>
evaluation_report evaluate(S& source, const test_set& test, std::span<const named_spec> specs,
                           const evaluation_config& config = {}) {
    const std::size_t n = test.pairs.size();
    if (n == 0) throw error("evaluate: the test set has no pairs");
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (!specs[i].s) throw error("evaluate: spec '" + specs[i].method + "' is null");
        const std::string& m = specs[i].method;
        if (m == "base" || m == "lp" || m == "lwr" || m.empty())
            throw error("evaluate: '" + m + "' cannot name a spec (base, lp and lwr are the other methods)");
        if (test.format == test_format::reward_bench_2 && specs[i].s->replacement == replacement::swap)
            throw error("evaluate: spec '" + m +
                        "' uses the swap replacement, which scores pairs jointly; RewardBench 2's best-of-N needs "
                        "one reward per completion");
        for (std::size_t j = 0; j < i; ++j)
            if (specs[j].method == m) throw error("evaluate: two specs are named '" + m + "'");
    }

    // one pin per spec; a swap spec scores pairs jointly through the source, the others are
    // scored alongside the plain rewards over the cache
    std::vector<std::optional<spec_pin>> pins(specs.size());
    std::vector<std::optional<neuron_pin>> swaps(specs.size());
    std::vector<const spec_pin*> cached_pins;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].s->replacement == replacement::swap) {
            swaps[i].emplace(*specs[i].s, source.layout());
        } else {
            pins[i].emplace(*specs[i].s, source.layout());
            cached_pins.push_back(&*pins[i]);
        }
    }
    reward_cache<S> cache(source, cached_pins);
    std::vector<swapped_pairs> swapped;
    swapped.reserve(specs.size());
    std::vector<intervened_method> intervened;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (swaps[i]) {
            swapped.push_back({*swaps[i]});
            intervened.push_back(intervened_method_of(cache, specs[i].method, swapped.back()));
        } else {
            intervened.push_back(intervened_method_of(cache, specs[i].method, *pins[i]));
        }
    }

    // Flip rates cost one more scoring pass per style edit; they may be measured on the first
    // flip_pairs pairs only (the other metrics always use every pair).
    const std::size_t flip_n = !config.flip_rates ? 0 : config.flip_pairs == 0 ? n : std::min(config.flip_pairs, n);
    const std::size_t expected = 2 * n + injectable_attributes.size() * flip_n;  // distinct responses, at most
    if (config.progress)
        cache.on_progress([&](std::size_t done) { config.progress("eval", std::min(done, expected), expected); });

    compare_options co;
    co.attributes = config.attributes;
    co.flip_rates = config.flip_rates && flip_n == n;
    evaluation_report report;
    report.pairs = n;
    report.flip_pairs = flip_n;
    report.comparison = compare_methods(cache, test.pairs, std::span<const intervened_method>(intervened), co);
    if (config.flip_rates && flip_n < n) {
        compare_options fo = co;
        fo.flip_rates = true;
        const auto flips = compare_methods(cache, std::span(test.pairs).first(flip_n),
                                           std::span<const intervened_method>(intervened), fo);
        for (auto& [name, e] : report.comparison.methods) e.flip_rate = flips.at(name).flip_rate;
    }
    if (config.progress) config.progress("eval", expected, expected);
    report.neutral_pairs = report.comparison.methods.front().second.neutral.pairs;

    // The benchmarks' scores per method, from the rewards of the pairs (already scored)
    if (test.format == test_format::rm_bench || test.format == test_format::reward_bench) {
        const auto base = score_pairs(cache, test.pairs, no_intervention{});
        std::vector<double> chosen_len, rejected_len;
        for (const auto& p : test.pairs) {
            chosen_len.push_back(attributes::length{}(p.prompt, p.chosen));
            rejected_len.push_back(attributes::length{}(p.prompt, p.rejected));
        }
        std::vector<std::pair<std::string, pair_rewards>> rewards;
        rewards.emplace_back("base", base);
        rewards.emplace_back("lp", pair_rewards{length_penalty(base.chosen, chosen_len, co.lp_lambda),
                                                length_penalty(base.rejected, rejected_len, co.lp_lambda)});
        // LWR refits over all responses of the set, as for the main table
        std::vector<double> all(base.chosen), lengths(chosen_len);
        all.insert(all.end(), base.rejected.begin(), base.rejected.end());
        lengths.insert(lengths.end(), rejected_len.begin(), rejected_len.end());
        const auto adjusted = lwr_adjust(all, lengths, co.lwr_frac, co.lwr_alpha);
        const auto half = static_cast<std::ptrdiff_t>(n);
        rewards.emplace_back("lwr", pair_rewards{std::vector<double>(adjusted.begin(), adjusted.begin() + half),
                                                 std::vector<double>(adjusted.begin() + half, adjusted.end())});
        for (const auto& m : intervened) rewards.emplace_back(m.name, m.score(test.pairs));

        if (test.format == test_format::rm_bench) {
            rm_bench_report rm;
            rm.items = test.rm_bench->size();
            for (const auto& [name, r] : rewards)
                rm.methods.emplace_back(name, rm_bench_from_pair_rewards(r.chosen, r.rejected));
            report.rm_bench = std::move(rm);
        } else {
            std::vector<std::string> subsets;
            for (const auto& p : test.pairs) subsets.push_back(p.subset);
            reward_bench_report rb;
            rb.pairs = n;
            for (const auto& [name, r] : rewards)
                rb.methods.emplace_back(name, reward_bench_score(subsets, r.chosen, r.rejected));
            report.reward_bench = std::move(rb);
        }
    }
    if (test.format == test_format::reward_bench_2) {
        const auto& items = *test.reward_bench_2;
        const auto base = detail::completion_rewards(items, score_pairs(cache, test.pairs, no_intervention{}));
        std::vector<double> lengths;
        for (const auto& item : items) {
            for (const auto& c : item.chosen) lengths.push_back(attributes::length{}(item.prompt, c));
            for (const auto& r : item.rejected) lengths.push_back(attributes::length{}(item.prompt, r));
        }
        reward_bench_2_report rb;
        rb.prompts = items.size();
        rb.methods.emplace_back("base", reward_bench_2_score(base));
        rb.methods.emplace_back(
            "lp", reward_bench_2_score(detail::adjusted_completions(
                      base, [&](std::span<const double> r) { return length_penalty(r, lengths, co.lp_lambda); })));
        // LWR fits over every completion of the set, each once
        rb.methods.emplace_back("lwr",
                                reward_bench_2_score(detail::adjusted_completions(base, [&](std::span<const double> r) {
                                    return lwr_adjust(r, lengths, co.lwr_frac, co.lwr_alpha);
                                })));
        for (const auto& m : intervened)
            rb.methods.emplace_back(m.name,
                                    reward_bench_2_score(detail::completion_rewards(items, m.score(test.pairs))));
        report.reward_bench_2 = std::move(rb);
    }

    // keep the baselines asked for
    const auto dropped = [&](const std::string& name) {
        return (name == "lp" && !config.reports(baseline_kind::lp)) ||
               (name == "lwr" && !config.reports(baseline_kind::lwr));
    };
    std::erase_if(report.comparison.methods, [&](const auto& m) { return dropped(m.first); });
    if (report.rm_bench) std::erase_if(report.rm_bench->methods, [&](const auto& m) { return dropped(m.first); });
    if (report.reward_bench)
        std::erase_if(report.reward_bench->methods, [&](const auto& m) { return dropped(m.first); });
    if (report.reward_bench_2)
        std::erase_if(report.reward_bench_2->methods, [&](const auto& m) { return dropped(m.first); });
    for (const auto& ns : specs)
        report.specs.emplace_back(ns.method, spec_summary::of(*ns.s, source.layout().neurons()));
    return report;
}

}  // namespace cirm
