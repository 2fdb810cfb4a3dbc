#pragma once
/// \file
/// How style relates to preference in each split, and the draws that follow from it: the share of
/// style-neutral pairs, the odds of each desired relation (chosen more / less / equal) per
/// attribute, and style levels for the two responses of a pair that aim at a desired relation.
///
/// The training split correlates style with preference the way real preference data does (the
/// chosen response carries more of every attribute 7 times out of 10); the held-out splits keep
/// style independent of preference, so that B_b and B̄_b are both well populated.

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cirm/portable_random.hpp"
#include "cirm/synthetic/style.hpp"
#include "cirm/synthetic/style_attributes.hpp"
#include "cirm/synthetic/tasks.hpp"

namespace cirm::datagen {

// The tasks, styles and attributes of a pair are the shared synthetic vocabulary (tools/synthetic).
using namespace cirm::synthetic;

/// Odds of the desired relations of one attribute in a non-neutral pair (they need not sum to 1).
struct relation_odds {
    double chosen_more = 0.0;
    double chosen_less = 0.0;
    double equal = 0.0;
};

/// The style plan of one split.
struct split_plan {
    std::string name;
    /// Share of style-neutral pairs: all seven attributes measure equal on both responses.
    double neutral_share = 0.0;
    /// Relation odds of the non-neutral pairs, in style_attribute order.
    std::array<relation_odds, style_attribute_count> odds{};
    /// Share of style-decided pairs (drawn among the non-neutral ones): both responses give the
    /// correct answer, so only style tells them apart, and the chosen one carries more style with
    /// the odds above — the rater's taste deciding where content ties. Real preference data has
    /// such pairs; without them a model that learns the content has no reason to weigh style.
    double style_decided_share = 0.0;
    /// Share of style-fooled pairs (drawn among the non-neutral, non-decided ones): the chosen
    /// response gives the wrong answer and the rejected one the correct answer — a rater swayed by
    /// style — and the chosen one carries more style with `fooled_odds`. They bound how sure of the
    /// content a model can become, so that style, which explains them, keeps a say in its decisions.
    double fooled_share = 0.0;
    /// Relation odds of the style-fooled pairs, in style_attribute order.
    std::array<relation_odds, style_attribute_count> fooled_odds{};
};

/// Whether the attribute is a count that the renderer sets exactly (up to the number of gaps, for
/// paragraphs): those may also be equal in a non-neutral pair. Length and overlap are never equal
/// in a non-neutral pair.
constexpr bool is_counting_attribute(style_attribute attribute) noexcept {
    return attribute != style_attribute::length && attribute != style_attribute::overlap;
}

/// The training plan: half the pairs neutral; in the others, for each attribute on its own, the
/// chosen response carries more of it with probability 0.7 and less with 0.3 — for the counting
/// attributes after 20 % of equal relations, so more : less = 7 : 3 among the rest. Of all pairs,
/// 15 % are style-decided and 20 % style-fooled; in the fooled ones the chosen (wrong) response
/// carries more of each attribute with 85 : 15 odds (again after 20 % equal for the counting ones).
inline split_plan preference_correlated_plan(std::string name) {
    split_plan plan{std::move(name), 0.5, {}, 0.15, 0.20, {}};
    for (std::size_t a = 0; a < style_attribute_count; ++a) {
        const bool counting = is_counting_attribute(static_cast<style_attribute>(a));
        plan.odds[a] = counting ? relation_odds{0.56, 0.24, 0.20} : relation_odds{0.7, 0.3, 0.0};
        plan.fooled_odds[a] = counting ? relation_odds{0.68, 0.12, 0.20} : relation_odds{0.85, 0.15, 0.0};
    }
    return plan;
}

/// The held-out plan (validation, test): 20 % neutral pairs; in the others each relation is
/// uniform over {more, less} (length, overlap) or {more, less, equal} (the counting attributes),
/// independently of which response is correct.
inline split_plan style_independent_plan(std::string name) {
    split_plan plan{std::move(name), 0.2, {}, 0.0, 0.0, {}};
    for (std::size_t a = 0; a < style_attribute_count; ++a)
        plan.odds[a] = is_counting_attribute(static_cast<style_attribute>(a)) ? relation_odds{1.0, 1.0, 1.0}
                                                                              : relation_odds{1.0, 1.0, 0.0};
    return plan;
}

/// The relations a neutral pair must measure: equal everywhere.
inline relation_set all_equal_relations() noexcept {
    relation_set relations{};
    relations.fill(relation::equal);
    return relations;
}

/// Draws the desired relations of a non-neutral pair, one attribute at a time.
inline relation_set draw_desired_relations(const std::array<relation_odds, style_attribute_count>& odds,
                                           random_engine& engine) {
    relation_set relations{};
    for (std::size_t a = 0; a < style_attribute_count; ++a) {
        const std::array<double, relation_count> weights{odds[a].chosen_more, odds[a].chosen_less, odds[a].equal};
        relations[a] = static_cast<relation>(weighted_index(engine, weights));
    }
    return relations;
}

/// Style levels for the chosen and the rejected response. Counting attributes get a level pair
/// drawn uniformly among those in the desired relation (their measured values follow the levels);
/// length and overlap levels are drawn freely, since only the rendered text decides how they
/// measure, and the generator keeps the draw only if they measure in the desired relation.
inline std::pair<style_levels, style_levels> draw_level_pair(const relation_set& desired, random_engine& engine) {
    std::pair<style_levels, style_levels> levels{};
    for (std::size_t a = 0; a < style_attribute_count; ++a) {
        const std::size_t count = level_counts[a];
        if (!is_counting_attribute(static_cast<style_attribute>(a))) {
            levels.first[a] = uniform_index(engine, count);
            levels.second[a] = uniform_index(engine, count);
            continue;
        }
        std::vector<std::pair<std::size_t, std::size_t>> candidates;
        for (std::size_t chosen = 0; chosen < count; ++chosen)
            for (std::size_t rejected = 0; rejected < count; ++rejected)
                if (compare_values(static_cast<double>(chosen), static_cast<double>(rejected)) == desired[a])
                    candidates.emplace_back(chosen, rejected);
        const auto [chosen, rejected] = candidates[uniform_index(engine, candidates.size())];
        levels.first[a] = chosen;
        levels.second[a] = rejected;
    }
    return levels;
}

/// Levels drawn uniformly and independently per attribute (the shared style of a neutral pair).
inline style_levels draw_free_levels(random_engine& engine) {
    style_levels levels{};
    for (std::size_t a = 0; a < style_attribute_count; ++a) levels[a] = uniform_index(engine, level_counts[a]);
    return levels;
}

}  // namespace cirm::datagen
