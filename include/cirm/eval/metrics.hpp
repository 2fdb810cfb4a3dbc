#pragma once
/// \file
/// Evaluation metrics over rewards (docs/method.md §8); no model is needed, only the rewards of the
/// chosen and rejected responses and, for the subsets, their attribute values. Accuracy (a tie
/// counts as wrong), biased / unbiased subsets per attribute, the neutral set, RM-Bench's
/// hard / normal / easy accuracies, and the style flip rate; an `evaluation` bundles the
/// results of one scoring method and is written as JSON for the command-line tool.
///
/// A share over no pair is undefined: it is NaN with a count of 0 (JSON: null), never 0 or 1.
/// A NaN reward or attribute value is an error, since a comparison with it would silently count
/// the pair as wrong or put it in no subset.

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

/// A share of pairs in [0, 1] and the number of pairs it is over; NaN when over none.
struct pair_share {
    double value = std::numeric_limits<double>::quiet_NaN();
    std::size_t pairs = 0;
};

namespace detail {
inline void check_same_size(std::size_t chosen, std::size_t rejected, std::string_view what) {
    if (chosen != rejected)
        throw error(std::string(what) + ": " + std::to_string(chosen) + " chosen rewards but " +
                    std::to_string(rejected) + " rejected rewards");
}
inline void check_not_nan(double v, std::string_view what, std::string_view side, std::size_t pair) {
    if (std::isnan(v))
        throw error(std::string(what) + ": the " + std::string(side) + " value of pair " + std::to_string(pair) +
                    " is NaN");
}
inline double share(std::size_t hits, std::size_t total) {
    return total == 0 ? std::numeric_limits<double>::quiet_NaN()
                      : static_cast<double>(hits) / static_cast<double>(total);
}
}  // namespace detail

/// Share of pairs with r(chosen) > r(rejected); a tie counts as wrong (RewardBench convention).
/// NaN for no pairs.
inline double accuracy(std::span<const double> chosen_rewards, std::span<const double> rejected_rewards) {
    detail::check_same_size(chosen_rewards.size(), rejected_rewards.size(), "accuracy");
    std::size_t correct = 0;
    for (std::size_t i = 0; i < chosen_rewards.size(); ++i) {
        detail::check_not_nan(chosen_rewards[i], "accuracy", "chosen reward", i);
        detail::check_not_nan(rejected_rewards[i], "accuracy", "rejected reward", i);
        if (chosen_rewards[i] > rejected_rewards[i]) ++correct;
    }
    return detail::share(correct, chosen_rewards.size());
}

/// Accuracy on the biased subset B_b (f_b(chosen) > f_b(rejected): the bias agrees with the
/// label) and on the unbiased subset B̄_b (f_b(chosen) < f_b(rejected): it disagrees). Pairs with
/// equal f_b are in neither. An empty subset has accuracy NaN and count 0.
struct subset_accuracy {
    double biased = std::numeric_limits<double>::quiet_NaN();
    double unbiased = std::numeric_limits<double>::quiet_NaN();
    std::size_t n_biased = 0;
    std::size_t n_unbiased = 0;
};

inline subset_accuracy biased_unbiased_accuracy(std::span<const double> chosen_rewards,
                                                std::span<const double> rejected_rewards,
                                                std::span<const double> chosen_attribute,
                                                std::span<const double> rejected_attribute) {
    constexpr std::string_view what = "biased/unbiased subsets";
    detail::check_same_size(chosen_rewards.size(), rejected_rewards.size(), what);
    if (chosen_attribute.size() != chosen_rewards.size() || rejected_attribute.size() != chosen_rewards.size())
        throw error(std::string(what) + ": " + std::to_string(chosen_rewards.size()) +
                    " pairs but attribute values for " + std::to_string(chosen_attribute.size()) + " chosen and " +
                    std::to_string(rejected_attribute.size()) + " rejected responses");
    std::size_t biased_correct = 0, unbiased_correct = 0;
    subset_accuracy out;
    for (std::size_t i = 0; i < chosen_rewards.size(); ++i) {
        detail::check_not_nan(chosen_rewards[i], what, "chosen reward", i);
        detail::check_not_nan(rejected_rewards[i], what, "rejected reward", i);
        detail::check_not_nan(chosen_attribute[i], what, "chosen attribute", i);
        detail::check_not_nan(rejected_attribute[i], what, "rejected attribute", i);
        const bool correct = chosen_rewards[i] > rejected_rewards[i];
        if (chosen_attribute[i] > rejected_attribute[i]) {
            ++out.n_biased;
            biased_correct += correct;
        } else if (chosen_attribute[i] < rejected_attribute[i]) {
            ++out.n_unbiased;
            unbiased_correct += correct;
        }
    }
    out.biased = detail::share(biased_correct, out.n_biased);
    out.unbiased = detail::share(unbiased_correct, out.n_unbiased);
    return out;
}

/// Attribute values of one side (the chosen or the rejected responses) of every pair, one
/// column per attribute: values[a][pair] is attribute names[a] of that pair's response.
struct attribute_columns {
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;

    /// The column of the attribute with this name; an unknown name is an error.
    std::span<const double> column(std::string_view name) const {
        for (std::size_t a = 0; a < names.size() && a < values.size(); ++a)
            if (names[a] == name) return values[a];
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        throw error("unknown attribute '" + std::string(name) + "' (have: " + known + ")");
    }
};

/// Accuracy on the neutral set: the pairs whose chosen and rejected responses have equal values
/// on every attribute in `neutral_names` (by default the five of the method), so that no style
/// bias can help or hurt.
inline pair_share neutral_accuracy(std::span<const double> chosen_rewards, std::span<const double> rejected_rewards,
                                   const attribute_columns& chosen_attributes,
                                   const attribute_columns& rejected_attributes,
                                   std::span<const std::string> neutral_names) {
    constexpr std::string_view what = "neutral accuracy";
    detail::check_same_size(chosen_rewards.size(), rejected_rewards.size(), what);
    if (neutral_names.empty()) throw error("neutral accuracy: no attribute names define the neutral set");
    std::vector<std::pair<std::span<const double>, std::span<const double>>> columns;
    for (const auto& name : neutral_names) {
        auto c = chosen_attributes.column(name);
        auto r = rejected_attributes.column(name);
        if (c.size() != chosen_rewards.size() || r.size() != chosen_rewards.size())
            throw error("neutral accuracy: attribute '" + name + "' has values for " + std::to_string(c.size()) +
                        " chosen and " + std::to_string(r.size()) + " rejected responses but there are " +
                        std::to_string(chosen_rewards.size()) + " pairs");
        columns.emplace_back(c, r);
    }
    std::size_t correct = 0;
    pair_share out;
    for (std::size_t i = 0; i < chosen_rewards.size(); ++i) {
        detail::check_not_nan(chosen_rewards[i], what, "chosen reward", i);
        detail::check_not_nan(rejected_rewards[i], what, "rejected reward", i);
        bool neutral = true;
        for (const auto& [c, r] : columns) neutral = neutral && c[i] == r[i];
        if (!neutral) continue;
        ++out.pairs;
        correct += chosen_rewards[i] > rejected_rewards[i];
    }
    out.value = detail::share(correct, out.pairs);
    return out;
}

/// Rewards of one RM-Bench pair: each of the chosen and the rejected response in three style
/// variants, in the order [concise, detailed plain, detailed markdown].
struct rm_bench_pair {
    std::array<double, 3> chosen{};
    std::array<double, 3> rejected{};
};

/// RM-Bench accuracies. matrix[i][j] = share of pairs with r(chosen_i) > r(rejected_j) (a tie is
/// wrong). Row i is the chosen variant, column j the rejected one, in the order above, so above
/// the diagonal (i < j) the chosen response is less styled than the rejected one: a style-biased
/// RM fails there. hard = mean of the 3 cells above the diagonal, normal = mean of the diagonal,
/// easy = mean of the 3 cells below it (docs/method.md §8, as RM-Bench defines them).
struct rm_bench_result {
    std::array<std::array<double, 3>, 3> matrix{};
    double hard = std::numeric_limits<double>::quiet_NaN();
    double normal = std::numeric_limits<double>::quiet_NaN();
    double easy = std::numeric_limits<double>::quiet_NaN();
    std::size_t pairs = 0;
};

inline rm_bench_result rm_bench_accuracy(std::span<const rm_bench_pair> pairs) {
    rm_bench_result out;
    out.pairs = pairs.size();
    std::array<std::array<std::size_t, 3>, 3> correct{};
    for (std::size_t p = 0; p < pairs.size(); ++p)
        for (std::size_t i = 0; i < 3; ++i) {
            detail::check_not_nan(pairs[p].chosen[i], "RM-Bench accuracy", "chosen reward", p);
            detail::check_not_nan(pairs[p].rejected[i], "RM-Bench accuracy", "rejected reward", p);
            for (std::size_t j = 0; j < 3; ++j) correct[i][j] += pairs[p].chosen[i] > pairs[p].rejected[j];
        }
    double hard = 0.0, normal = 0.0, easy = 0.0;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            out.matrix[i][j] = detail::share(correct[i][j], pairs.size());
            (i < j ? hard : i == j ? normal : easy) += out.matrix[i][j];
        }
    out.hard = hard / 3.0;
    out.normal = normal / 3.0;
    out.easy = easy / 3.0;
    return out;
}

/// The RM-Bench accuracies from the rewards of rm_bench_pairs (datasets.hpp): pair 3p + i is item
/// p's variant i, chosen and rejected side.
inline rm_bench_result rm_bench_from_pair_rewards(std::span<const double> chosen, std::span<const double> rejected) {
    if (chosen.size() != rejected.size() || chosen.size() % 3 != 0)
        throw error("RM-Bench: rewards do not come in groups of 3 variants");
    std::vector<rm_bench_pair> items(chosen.size() / 3);
    for (std::size_t p = 0; p < items.size(); ++p)
        for (std::size_t i = 0; i < 3; ++i) {
            items[p].chosen[i] = chosen[3 * p + i];
            items[p].rejected[i] = rejected[3 * p + i];
        }
    return rm_bench_accuracy(items);
}

/// Style flip rate of one attribute. For each pair: the original rewards and the reward of the
/// rejected response after the style feature was injected into it (nothing where the injector
/// could not apply). Over the pairs that were ranked correctly (r_c > r_r) and could be injected,
/// the share whose ranking flips, r_c ≤ r_r_injected (a tie after injection is a flip, as a tie
/// is wrong for accuracy). `pairs` is the number of pairs the share is over.
inline pair_share style_flip_rate(std::span<const double> chosen_rewards, std::span<const double> rejected_rewards,
                                  std::span<const std::optional<double>> injected_rejected_rewards) {
    constexpr std::string_view what = "style flip rate";
    detail::check_same_size(chosen_rewards.size(), rejected_rewards.size(), what);
    if (injected_rejected_rewards.size() != chosen_rewards.size())
        throw error("style flip rate: " + std::to_string(chosen_rewards.size()) + " pairs but " +
                    std::to_string(injected_rejected_rewards.size()) + " injected rewards");
    std::size_t flipped = 0;
    pair_share out;
    for (std::size_t i = 0; i < chosen_rewards.size(); ++i) {
        detail::check_not_nan(chosen_rewards[i], what, "chosen reward", i);
        detail::check_not_nan(rejected_rewards[i], what, "rejected reward", i);
        if (!injected_rejected_rewards[i]) continue;
        detail::check_not_nan(*injected_rejected_rewards[i], what, "injected rejected reward", i);
        if (!(chosen_rewards[i] > rejected_rewards[i])) continue;
        ++out.pairs;
        flipped += chosen_rewards[i] <= *injected_rejected_rewards[i];
    }
    out.value = detail::share(flipped, out.pairs);
    return out;
}

/// Rewards of the rejected responses after injecting one attribute's style feature.
struct injected_rewards {
    std::string attribute;
    std::vector<std::optional<double>> rejected;  ///< per pair; nothing where the injector did not apply
};

/// The evaluation of one scoring method (base, CIRM, a baseline) on one set of pairs.
struct evaluation {
    pair_share all;                                                ///< accuracy over every pair
    pair_share neutral;                                            ///< accuracy over the neutral set
    std::vector<std::pair<std::string, subset_accuracy>> subsets;  ///< per attribute, in column order
    std::vector<std::pair<std::string, pair_share>> flip_rate;     ///< per injected attribute
};

/// Every metric of `evaluation` at once: subsets for every attribute of `chosen_attributes`
/// (the rejected side is matched by name), the neutral set over `neutral_names`, and a flip
/// rate for every entry of `injections`.
inline evaluation evaluate_rewards(std::span<const double> chosen_rewards, std::span<const double> rejected_rewards,
                                   const attribute_columns& chosen_attributes,
                                   const attribute_columns& rejected_attributes,
                                   std::span<const std::string> neutral_names,
                                   std::span<const injected_rewards> injections = {}) {
    evaluation out;
    out.all = {accuracy(chosen_rewards, rejected_rewards), chosen_rewards.size()};
    out.neutral =
        neutral_accuracy(chosen_rewards, rejected_rewards, chosen_attributes, rejected_attributes, neutral_names);
    for (const auto& name : chosen_attributes.names)
        out.subsets.emplace_back(
            name, biased_unbiased_accuracy(chosen_rewards, rejected_rewards, chosen_attributes.column(name),
                                           rejected_attributes.column(name)));
    for (const auto& injection : injections)
        out.flip_rate.emplace_back(injection.attribute,
                                   style_flip_rate(chosen_rewards, rejected_rewards, injection.rejected));
    return out;
}

}  // namespace cirm
