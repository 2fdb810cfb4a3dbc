#pragma once
/// \file
/// The comparison of docs/method.md §8–9 on one dataset: the base RM, the length baselines (LP, LWR)
/// and CIRM (the RM under an intervention), each evaluated with every metric of eval/metrics.hpp
/// — accuracy, neutral accuracy, biased / unbiased subsets per attribute, and the style flip
/// rate per injectable attribute.
///
/// Flip rates: for each method attribute, the rejected response of every pair gets the
/// counterfactual style edit (eval/counterfactual.hpp) and is scored again by each method. LP
/// penalises the edited response's own length. LWR is transductive: it is refitted over the
/// scored set of that evaluation, the chosen responses and the edited rejected ones (the
/// original rejected response where the edit does not apply).
///
/// CIRM with the swap replacement (docs/method.md §6, `swapped_pairs` in place of an Intervention)
/// scores each pair jointly: each response gets the other's activations at the edited neurons.
/// Its flip rate scores the chosen response against the edited rejected one the same way, so the
/// chosen reward of that comparison differs from the plain one; as for LWR, the flip is judged
/// within that comparison and expressed against the plain chosen reward.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/attributes/evaluate.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/counterfactual.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/pair_swap.hpp"
#include "cirm/sample.hpp"

namespace cirm {

struct compare_options {
    std::vector<std::string> attributes;  ///< subsets are reported for these; empty = the five of the method
    bool flip_rates = true;               ///< inject styles and score again (costs up to 5 more passes)
    double lp_lambda = 0.001;             ///< LP: r − λ·length
    double lwr_frac = 1.0;                ///< LWR: LOWESS frac
    double lwr_alpha = 1.0;               ///< LWR: r − α·fitted(length)
    std::size_t batch_size = 16;
};

/// One evaluation per method, in the order base, lp, lwr, cirm (cirm only when an
/// intervention is given).
struct method_comparison {
    std::vector<std::pair<std::string, evaluation>> methods;
    const evaluation& at(std::string_view name) const {
        for (const auto& [n, e] : methods)
            if (n == name) return e;
        throw error("comparison has no method '" + std::string(name) + "'");
    }
};

namespace detail {
inline std::vector<double> lengths_of(std::span<const std::string> texts) {
    std::vector<double> out;
    out.reserve(texts.size());
    for (const auto& t : texts) out.push_back(attributes::length{}({}, t));
    return out;
}
/// LWR over one scored set (chosen and rejected together), split back into the two sides.
inline pair_rewards lwr_pair(const pair_rewards& r, std::span<const double> chosen_len,
                             std::span<const double> rejected_len, double frac, double alpha) {
    std::vector<double> rewards(r.chosen), lengths(chosen_len.begin(), chosen_len.end());
    rewards.insert(rewards.end(), r.rejected.begin(), r.rejected.end());
    lengths.insert(lengths.end(), rejected_len.begin(), rejected_len.end());
    const auto adjusted = lwr_adjust(rewards, lengths, frac, alpha);
    const auto half = static_cast<std::ptrdiff_t>(r.chosen.size());
    return {std::vector<double>(adjusted.begin(), adjusted.begin() + half),
            std::vector<double>(adjusted.begin() + half, adjusted.end())};
}
inline attribute_columns columns_of(const attribute_values& v) {
    attribute_columns c;
    c.names = v.names;
    for (std::size_t a = 0; a < v.names.size(); ++a) {
        const auto col = v.column(a);
        c.values.emplace_back(col.begin(), col.end());
    }
    return c;
}
}  // namespace detail

/// One intervened method of a comparison (CIRM with a spec, a variant, ...): its name, and how it
/// scores pairs. Made by intervened_method_of from an Intervention or from swapped_pairs.
struct intervened_method {
    std::string name;
    /// The chosen and rejected rewards of the pairs under the method.
    std::function<pair_rewards(std::span<const preference_pair>)> score;
    /// For a style flip: the method's reward of each pair's edited rejected response `edited[i]`
    /// (where `applies[i]`), expressed against `chosen` (the method's plain chosen rewards): the
    /// value whose comparison with chosen[i] decides the flip.
    std::function<std::vector<double>(std::span<const preference_pair> pairs, std::span<const std::string> edited,
                                      const std::vector<bool>& applies, std::span<const double> chosen)>
        score_edited;
};

/// An Intervention as a method of a comparison: each response is scored on its own.
template <ActivationSource S, Intervention I>
intervened_method intervened_method_of(S& source, std::string name, const I& intervention,
                                       std::size_t batch_size = 16) {
    return {std::move(name),
            [&source, &intervention, batch_size](std::span<const preference_pair> pairs) {
                return score_pairs(source, pairs, intervention, batch_size);
            },
            [&source, &intervention, batch_size](std::span<const preference_pair> pairs,
                                                 std::span<const std::string> edited, const std::vector<bool>&,
                                                 std::span<const double>) {
                std::vector<sample> samples;
                for (std::size_t i = 0; i < pairs.size(); ++i) samples.push_back({pairs[i].prompt, edited[i]});
                return score_samples(source, samples, intervention, batch_size);
            }};
}

/// The swap replacement as a method of a comparison: each pair is scored jointly, each response
/// with the other's activations at the spec's neurons; a style flip scores the chosen response
/// against the edited rejected one the same way, so the chosen reward of that comparison differs
/// from the plain one, and (as for LWR) the flip is judged within it and expressed against the
/// plain chosen reward.
template <ActivationSource S>
intervened_method intervened_method_of(S& source, std::string name, const swapped_pairs& swapped) {
    return {std::move(name),
            [&source, &swapped](std::span<const preference_pair> pairs) {
                return score_pairs_swapped(source, pairs, swapped.pin);
            },
            [&source, &swapped](std::span<const preference_pair> pairs, std::span<const std::string> edited,
                                const std::vector<bool>& applies, std::span<const double> chosen) {
                std::vector<preference_pair> edited_pairs;
                for (std::size_t i = 0; i < pairs.size(); ++i)
                    if (applies[i]) edited_pairs.push_back({{}, pairs[i].prompt, pairs[i].chosen, edited[i], {}});
                const auto joint = score_pairs_swapped(source, edited_pairs, swapped.pin);
                std::vector<double> relative(pairs.size(), 0.0);
                for (std::size_t i = 0, j = 0; i < pairs.size(); ++i)
                    if (applies[i]) {
                        relative[i] = chosen[i] - (joint.chosen[j] - joint.rejected[j]);
                        ++j;
                    }
                return relative;
            }};
}

/// Evaluates base, LP, LWR and every method of `intervened` (in that order) on `pairs`.
template <ActivationSource S>
method_comparison compare_methods(S& source, std::span<const preference_pair> pairs,
                                  std::span<const intervened_method> intervened, const compare_options& options = {}) {
    if (pairs.empty()) throw error("compare: the dataset has no pairs");
    std::vector<std::string> names = options.attributes;
    if (names.empty())
        for (auto n : method_attribute_names()) names.emplace_back(n);
    const std::vector<std::string> neutral_names(method_attribute_names().begin(), method_attribute_names().end());
    std::vector<std::string> measured = names;  // the neutral set needs the five method attributes too
    for (const auto& n : neutral_names)
        if (std::find(measured.begin(), measured.end(), n) == measured.end()) measured.push_back(n);
    const auto attrs = make_attributes(measured);
    // the reported subsets by attribute name (an item may be a textual form such as NAME=regex:...)
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = std::string(attrs[i].name());

    std::vector<sample> chosen_samples, rejected_samples;
    for (const auto& p : pairs) {
        chosen_samples.push_back({p.prompt, p.chosen});
        rejected_samples.push_back({p.prompt, p.rejected});
    }
    const auto chosen_cols = detail::columns_of(evaluate_attributes(chosen_samples, attrs));
    const auto rejected_cols = detail::columns_of(evaluate_attributes(rejected_samples, attrs));
    // LP and LWR use the length already measured for the subsets (always among the five)
    const auto chosen_len = chosen_cols.column("length"), rejected_len = rejected_cols.column("length");

    struct method_rewards {
        std::string name;
        pair_rewards plain;
        std::vector<injected_rewards> injected;
    };
    const pair_rewards base = score_pairs(source, pairs, no_intervention{}, options.batch_size);
    std::vector<method_rewards> methods;
    methods.push_back({"base", base, {}});
    methods.push_back({"lp",
                       {length_penalty(base.chosen, chosen_len, options.lp_lambda),
                        length_penalty(base.rejected, rejected_len, options.lp_lambda)},
                       {}});
    methods.push_back(
        {"lwr", detail::lwr_pair(base, chosen_len, rejected_len, options.lwr_frac, options.lwr_alpha), {}});
    for (const auto& m : intervened) methods.push_back({m.name, m.score(pairs), {}});

    if (options.flip_rates) {
        for (const auto attribute : injectable_attributes) {
            // the edited rejected responses; where the edit does not apply, the original stands in
            std::vector<std::string> edited(pairs.size());
            std::vector<bool> applies(pairs.size());
            std::vector<sample> edited_samples;
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                auto e = inject_style(attribute, pairs[i].prompt, pairs[i].rejected);
                applies[i] = e.has_value();
                edited[i] = e ? std::move(*e) : pairs[i].rejected;
            }
            for (std::size_t i = 0; i < pairs.size(); ++i) edited_samples.push_back({pairs[i].prompt, edited[i]});
            const auto edited_len = detail::lengths_of(edited);
            const auto base_edited = score_samples(source, edited_samples, no_intervention{}, options.batch_size);
            const auto to_injected = [&](const std::vector<double>& r) {
                injected_rewards out{std::string(attribute), {}};
                for (std::size_t i = 0; i < r.size(); ++i)
                    out.rejected.push_back(applies[i] ? std::optional<double>(r[i]) : std::nullopt);
                return out;
            };
            methods[0].injected.push_back(to_injected(base_edited));
            methods[1].injected.push_back(to_injected(length_penalty(base_edited, edited_len, options.lp_lambda)));
            // LWR refits over this scored set, which moves the chosen rewards too; the flip is
            // judged within the refitted set, expressed against the plain LWR chosen reward
            const auto lwr = detail::lwr_pair({base.chosen, base_edited}, chosen_len, edited_len, options.lwr_frac,
                                              options.lwr_alpha);
            std::vector<double> lwr_relative(pairs.size());
            for (std::size_t i = 0; i < pairs.size(); ++i)
                lwr_relative[i] = methods[2].plain.chosen[i] - (lwr.chosen[i] - lwr.rejected[i]);
            methods[2].injected.push_back(to_injected(lwr_relative));
            for (std::size_t m = 0; m < intervened.size(); ++m)
                methods[3 + m].injected.push_back(
                    to_injected(intervened[m].score_edited(pairs, edited, applies, methods[3 + m].plain.chosen)));
        }
    }

    method_comparison out;
    for (auto& m : methods) {
        auto e =
            evaluate_rewards(m.plain.chosen, m.plain.rejected, chosen_cols, rejected_cols, neutral_names, m.injected);
        // report subsets for the requested attributes only (the five were measured for the neutral set)
        std::erase_if(e.subsets,
                      [&](const auto& s) { return std::find(names.begin(), names.end(), s.first) == names.end(); });
        out.methods.emplace_back(m.name, std::move(e));
    }
    return out;
}

/// Evaluates base, LP, LWR and (if `intervention` is given) CIRM on `pairs`; `intervention` is an
/// Intervention, or swapped_pairs for the swap replacement.
// clang-format off (clang-format 14 garbles requires-clauses)
template <ActivationSource S, class I = no_intervention>
requires Intervention<I> || std::same_as<I, swapped_pairs> method_comparison
compare_methods(S& source, std::span<const preference_pair> pairs, const I* intervention = nullptr,
                const compare_options& options = {}) {
    // clang-format on
    std::vector<intervened_method> intervened;
    if (intervention) {
        if constexpr (std::same_as<I, swapped_pairs>)
            intervened.push_back(intervened_method_of(source, "cirm", *intervention));
        else
            intervened.push_back(intervened_method_of(source, "cirm", *intervention, options.batch_size));
    }
    return compare_methods(source, pairs, std::span<const intervened_method>(intervened), options);
}

}  // namespace cirm
