#pragma once
/// \file
/// The summary of generated splits, measured from the pairs themselves (not from what the
/// generator meant to produce): per split the pairs per subset, the style-neutral pairs, and per
/// attribute the counts of B_b (chosen measures more), B̄_b (chosen measures less) and equal
/// pairs, the share of chosen-more among the unequal ones, and the Spearman correlation of style
/// with preference. Printed as a table and written as JSON.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/sample.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/synthetic/style_attributes.hpp"
#include "cirm/synthetic/tasks.hpp"
#include "generate.hpp"

namespace cirm::datagen {

// The tasks, styles and attributes of a pair are the shared synthetic vocabulary (tools/synthetic).
using namespace cirm::synthetic;

/// One attribute's figures over a split.
struct attribute_summary {
    std::size_t chosen_more = 0;  ///< |B_b|
    std::size_t chosen_less = 0;  ///< |B̄_b|
    std::size_t equal = 0;
    /// chosen_more / (chosen_more + chosen_less); NaN when no pair is unequal.
    double chosen_more_share = std::numeric_limits<double>::quiet_NaN();
    /// Spearman ρ between sign(f_b(first) − f_b(second)) and "first is the chosen response", over
    /// both orders of every pair (each pair gives (s, 1) and (−s, 0)). It works out to
    /// (more − less) / √(pairs · (more + less)); 0 when style says nothing about preference.
    double preference_spearman = 0.0;
};

/// One split's figures.
struct split_summary {
    std::string name;
    std::size_t pairs = 0;
    std::size_t neutral = 0;  ///< pairs whose seven attributes all measure equal
    std::map<std::string, std::size_t> subsets;
    std::array<attribute_summary, style_attribute_count> attributes{};
};

/// Measures every pair of a split with the library's attributes.
inline split_summary summarize_split(std::string name, std::span<const preference_pair> pairs) {
    split_summary summary;
    summary.name = std::move(name);
    summary.pairs = pairs.size();
    std::array<std::vector<double>, style_attribute_count> signs;
    for (const preference_pair& pair : pairs) {
        ++summary.subsets[pair.subset];
        const relation_set relations =
            measured_relations(measure_style(pair.prompt, pair.chosen), measure_style(pair.prompt, pair.rejected));
        bool all_equal = true;
        for (std::size_t a = 0; a < style_attribute_count; ++a) {
            attribute_summary& figures = summary.attributes[a];
            double sign = 0.0;
            switch (relations[a]) {
                case relation::chosen_more:
                    ++figures.chosen_more;
                    sign = 1.0;
                    break;
                case relation::chosen_less:
                    ++figures.chosen_less;
                    sign = -1.0;
                    break;
                case relation::equal: ++figures.equal; break;
            }
            if (relations[a] != relation::equal) all_equal = false;
            signs[a].push_back(sign);
        }
        if (all_equal) ++summary.neutral;
    }
    // Both orders of every pair: (s, chosen first = 1) and (−s, 0).
    std::vector<double> is_chosen_first;
    is_chosen_first.reserve(2 * pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) is_chosen_first.push_back(1.0);
    for (std::size_t i = 0; i < pairs.size(); ++i) is_chosen_first.push_back(0.0);
    for (std::size_t a = 0; a < style_attribute_count; ++a) {
        attribute_summary& figures = summary.attributes[a];
        const std::size_t unequal = figures.chosen_more + figures.chosen_less;
        if (unequal > 0)
            figures.chosen_more_share = static_cast<double>(figures.chosen_more) / static_cast<double>(unequal);
        std::vector<double> both_orders = signs[a];
        for (double s : signs[a]) both_orders.push_back(-s);
        if (!pairs.empty()) figures.preference_spearman = spearman(both_orders, is_chosen_first);
    }
    return summary;
}

/// The summaries of the three generated splits, in the order validation, test, train.
inline std::vector<split_summary> summarize_datasets(const generated_datasets& datasets) {
    return {summarize_split(datasets.validation.name, datasets.validation.pairs),
            summarize_split(datasets.test.name, datasets.test.pairs),
            summarize_split(datasets.train.name, datasets.train.pairs)};
}

/// The summary as JSON: {"seed", "splits": {name: {pairs, neutral, subsets, attributes, generation}}}.
inline nlohmann::ordered_json summary_json(const generation_config& config, const generated_datasets& datasets,
                                           std::span<const split_summary> summaries) {
    nlohmann::ordered_json json;
    json["seed"] = config.seed;
    json["max_response_length"] = max_response_length;
    nlohmann::ordered_json& splits = json["splits"];
    for (const split_summary& summary : summaries) {
        nlohmann::ordered_json split;
        split["pairs"] = summary.pairs;
        split["neutral"] = summary.neutral;
        for (std::string_view subset : subset_names) {
            auto it = summary.subsets.find(std::string(subset));
            split["subsets"][std::string(subset)] = it == summary.subsets.end() ? 0 : it->second;
        }
        for (std::size_t a = 0; a < style_attribute_count; ++a) {
            const attribute_summary& figures = summary.attributes[a];
            nlohmann::ordered_json attribute;
            attribute["chosen_more"] = figures.chosen_more;
            attribute["chosen_less"] = figures.chosen_less;
            attribute["equal"] = figures.equal;
            if (std::isnan(figures.chosen_more_share))
                attribute["chosen_more_share"] = nullptr;
            else
                attribute["chosen_more_share"] = figures.chosen_more_share;
            attribute["preference_spearman"] = figures.preference_spearman;
            split["attributes"][std::string(style_attribute_names[a])] = attribute;
        }
        const generated_split* generated = summary.name == datasets.validation.name ? &datasets.validation
                                           : summary.name == datasets.test.name     ? &datasets.test
                                           : summary.name == datasets.train.name    ? &datasets.train
                                                                                    : nullptr;
        if (generated) {
            split["generation"]["style_attempts"] = generated->counts.style_attempts;
            split["generation"]["relation_redraws"] = generated->counts.relation_redraws;
            split["generation"]["prompt_redraws"] = generated->counts.prompt_redraws;
            split["generation"]["style_decided"] = static_cast<std::size_t>(
                std::count(generated->style_decided.begin(), generated->style_decided.end(), true));
            split["generation"]["fooled"] =
                static_cast<std::size_t>(std::count(generated->fooled.begin(), generated->fooled.end(), true));
        }
        splits[summary.name] = split;
    }
    return json;
}

namespace summary_detail {

inline std::string format(const char* pattern, auto... values) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, pattern, values...);
    return buffer;
}

}  // namespace summary_detail

/// The summary as a plain-text table, for people.
inline std::string summary_table(const generated_datasets& datasets, std::span<const split_summary> summaries) {
    using summary_detail::format;
    std::string text;
    for (const split_summary& summary : summaries) {
        text +=
            format("%s: %zu pairs, %zu style-neutral (%.1f %%)\n", summary.name.c_str(), summary.pairs, summary.neutral,
                   100.0 * static_cast<double>(summary.neutral) / static_cast<double>(summary.pairs));
        text += "  subsets:";
        for (std::string_view subset : subset_names) {
            auto it = summary.subsets.find(std::string(subset));
            text += format(" %s %zu", std::string(subset).c_str(),
                           it == summary.subsets.end() ? std::size_t{0} : it->second);
        }
        text += "\n";
        text +=
            format("  %-12s %7s %7s %7s %11s %9s\n", "attribute", "B_b", "notB_b", "equal", "more-share", "spearman");
        for (std::size_t a = 0; a < style_attribute_count; ++a) {
            const attribute_summary& figures = summary.attributes[a];
            text += format("  %-12s %7zu %7zu %7zu %11.3f %9.3f\n", std::string(style_attribute_names[a]).c_str(),
                           figures.chosen_more, figures.chosen_less, figures.equal, figures.chosen_more_share,
                           figures.preference_spearman);
        }
        for (const generated_split* generated : {&datasets.validation, &datasets.test, &datasets.train})
            if (generated->name == summary.name) {
                const auto decided = static_cast<std::size_t>(
                    std::count(generated->style_decided.begin(), generated->style_decided.end(), true));
                if (decided > 0)
                    text += format("  style-decided (both responses correct, style picks the chosen): %zu\n", decided);
                const auto fooled =
                    static_cast<std::size_t>(std::count(generated->fooled.begin(), generated->fooled.end(), true));
                if (fooled > 0)
                    text += format("  style-fooled (chosen wrong, rejected correct, chosen mostly more styled): %zu\n",
                                   fooled);
                text += format(
                    "  generation: %zu style attempts (%.1f per pair), %zu relation redraws, %zu prompt redraws\n",
                    generated->counts.style_attempts,
                    static_cast<double>(generated->counts.style_attempts) / static_cast<double>(summary.pairs),
                    generated->counts.relation_redraws, generated->counts.prompt_redraws);
            }
    }
    return text;
}

}  // namespace cirm::datagen
