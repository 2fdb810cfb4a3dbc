#pragma once
/// \file
/// Generation of the three bundled splits from one seed: validation and test first (style
/// independent of preference, no prompt twice), then train (style correlated with preference,
/// no prompt of validation or test). Each pair is accepted only when the measured relations of
/// all seven style attributes are the desired ones (style_attributes.hpp).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/portable_random.hpp"
#include "cirm/sample.hpp"
#include "cirm/synthetic/style.hpp"
#include "cirm/synthetic/style_attributes.hpp"
#include "cirm/synthetic/tasks.hpp"
#include "plan.hpp"

namespace cirm::datagen {

// The tasks, styles and attributes of a pair are the shared synthetic vocabulary (tools/synthetic).
using namespace cirm::synthetic;

/// Number of pairs per split.
struct split_sizes {
    std::size_t train = 24000;
    std::size_t validation = 500;
    std::size_t test = 3000;
};

/// Everything the generated data depends on.
struct generation_config {
    std::uint64_t seed = 1;
    split_sizes sizes{};
};

/// The largest split: ids carry six digits.
inline constexpr std::size_t max_split_size = 999999;
/// Style draws tried for one set of desired relations before those are drawn again.
inline constexpr std::size_t max_style_attempts = 2000;
/// Task draws tried for one pair before its family's prompts count as used up.
inline constexpr std::size_t max_prompt_draws = 100000;

/// How hard the generator had to work for a split (reported in the summary).
struct generation_counts {
    std::size_t style_attempts = 0;    ///< renderings of a pair that were measured
    std::size_t relation_redraws = 0;  ///< desired relations drawn again after max_style_attempts failures
    std::size_t prompt_redraws = 0;    ///< tasks drawn again because their prompt was already used
};

/// One generated split.
struct generated_split {
    std::string name;
    std::vector<preference_pair> pairs;
    /// Whether each pair was generated style-neutral (all seven attributes equal by design).
    std::vector<bool> neutral;
    /// Whether each pair is style-decided (both responses correct; see split_plan).
    std::vector<bool> style_decided;
    /// Whether each pair is style-fooled (chosen wrong, rejected correct; see split_plan).
    std::vector<bool> fooled;
    generation_counts counts;
};

/// The three splits.
struct generated_datasets {
    generated_split validation;
    generated_split test;
    generated_split train;
};

namespace generate_detail {

template <class T>
void shuffle(std::vector<T>& items, random_engine& engine) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[uniform_index(engine, i)]);
}

/// The family of every pair: a quarter each, in random order.
inline std::vector<task_family> family_schedule(std::size_t pairs, random_engine& engine) {
    std::vector<task_family> schedule;
    schedule.reserve(pairs);
    for (std::size_t i = 0; i < pairs; ++i) schedule.push_back(static_cast<task_family>(i % task_family_count));
    shuffle(schedule, engine);
    return schedule;
}

/// Which pairs are style-neutral: round(share · pairs) of them, in random order.
inline std::vector<bool> neutral_schedule(std::size_t pairs, double share, random_engine& engine) {
    const auto neutral = static_cast<std::size_t>(std::llround(share * static_cast<double>(pairs)));
    std::vector<bool> schedule(pairs, false);
    for (std::size_t i = 0; i < neutral && i < pairs; ++i) schedule[i] = true;
    // std::vector<bool> has proxy references, so shuffle through indices.
    std::vector<std::size_t> order(pairs);
    for (std::size_t i = 0; i < pairs; ++i) order[i] = i;
    shuffle(order, engine);
    std::vector<bool> shuffled(pairs, false);
    for (std::size_t i = 0; i < pairs; ++i) shuffled[i] = schedule[order[i]];
    return shuffled;
}

/// Picks round(share · pairs) of the pairs not excluded, in random order; `what` names them in the
/// error when there are too few.
inline std::vector<bool> pick_schedule(const std::vector<bool>& excluded, double share, std::string_view what,
                                       random_engine& engine) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < excluded.size(); ++i)
        if (!excluded[i]) candidates.push_back(i);
    const auto wanted = static_cast<std::size_t>(std::llround(share * static_cast<double>(excluded.size())));
    if (wanted > candidates.size())
        throw error("datagen: " + std::to_string(wanted) + " " + std::string(what) + " pairs wanted, but only " +
                    std::to_string(candidates.size()) + " pairs are left for them");
    shuffle(candidates, engine);
    std::vector<bool> schedule(excluded.size(), false);
    for (std::size_t i = 0; i < wanted; ++i) schedule[candidates[i]] = true;
    return schedule;
}

inline std::string pair_id(std::string_view split, std::size_t index) {
    const std::string digits = std::to_string(index);
    std::string id(split);
    id += '-';
    if (digits.size() < 6) id.append(6 - digits.size(), '0');
    id += digits;
    return id;
}

/// Whether both responses are short enough and measure in exactly the desired relations.
inline bool measures_as_desired(const std::string& prompt, const std::string& chosen, const std::string& rejected,
                                const relation_set& desired) {
    const attribute_values chosen_values = measure_style(prompt, chosen);
    const attribute_values rejected_values = measure_style(prompt, rejected);
    const auto too_long = static_cast<double>(max_response_length);
    const std::size_t length = index_of(style_attribute::length);
    if (chosen_values[length] > too_long || rejected_values[length] > too_long) return false;
    return measured_relations(chosen_values, rejected_values) == desired;
}

/// Draws a task whose prompt is not in `used`; a held-out split adds its prompts to `used`.
inline task draw_unused_task(task_family family, std::unordered_set<std::string>& used, bool add_to_used,
                             const std::string& split, random_engine& engine, generation_counts& counts) {
    for (std::size_t draw = 0; draw < max_prompt_draws; ++draw) {
        task drawn = draw_task(family, engine);
        if (used.contains(drawn.prompt)) {
            ++counts.prompt_redraws;
            continue;
        }
        if (add_to_used) used.insert(drawn.prompt);
        return drawn;
    }
    throw error("datagen: split '" + split + "': found no unused prompt for subset '" +
                std::string(subset_name(family)) + "' in " + std::to_string(max_prompt_draws) +
                " draws; the split is larger than that family's prompt space allows");
}

/// What decides a pair's preference.
enum class pair_kind {
    neutral,        ///< correct chosen, wrong rejected, one shared style
    ordinary,       ///< correct chosen, wrong rejected, styles in relations drawn from plan.odds
    style_decided,  ///< both correct, styles in relations drawn from plan.odds
    fooled,         ///< wrong chosen, correct rejected, styles in relations drawn from plan.fooled_odds
};

/// The chosen and rejected responses of one pair of the given kind. Non-neutral pairs are
/// rendered in styles that measure in the desired relations.
inline std::pair<std::string, std::string> style_pair(const task& drawn, pair_kind kind, const split_plan& plan,
                                                      random_engine& engine, generation_counts& counts) {
    const bool neutral = kind == pair_kind::neutral;
    const std::string& chosen_answer = kind == pair_kind::fooled ? drawn.wrong : drawn.correct;
    const std::string& rejected_answer = kind == pair_kind::ordinary ? drawn.wrong : drawn.correct;
    const auto& odds = kind == pair_kind::fooled ? plan.fooled_odds : plan.odds;
    relation_set desired = neutral ? all_equal_relations() : draw_desired_relations(odds, engine);
    // A neutral pair shares one style, so it can fail only by being too long; the cap keeps a
    // broken table from looping forever.
    const std::size_t neutral_attempt_cap = 50 * max_style_attempts;
    for (std::size_t attempt = 1;; ++attempt) {
        ++counts.style_attempts;
        std::string chosen, rejected;
        if (neutral) {
            const style_choices shared =
                draw_style_choices(draw_free_levels(engine), drawn.answer_phrasings.size(), engine);
            chosen = render_response(drawn, drawn.correct, shared);
            rejected = render_response(drawn, drawn.wrong, shared);
        } else {
            const auto [chosen_levels, rejected_levels] = draw_level_pair(desired, engine);
            chosen = render_response(drawn, chosen_answer,
                                     draw_style_choices(chosen_levels, drawn.answer_phrasings.size(), engine));
            rejected = render_response(drawn, rejected_answer,
                                       draw_style_choices(rejected_levels, drawn.answer_phrasings.size(), engine));
        }
        if (measures_as_desired(drawn.prompt, chosen, rejected, desired))
            return {std::move(chosen), std::move(rejected)};
        if (neutral && attempt >= neutral_attempt_cap)
            throw error("datagen: split '" + plan.name + "': no style-neutral rendering of the prompt '" +
                        drawn.prompt + "' in " + std::to_string(attempt) + " attempts");
        if (!neutral && attempt % max_style_attempts == 0) {
            desired = draw_desired_relations(odds, engine);
            ++counts.relation_redraws;
        }
    }
}

inline void check_split_size(std::string_view split, std::size_t pairs) {
    if (pairs == 0 || pairs > max_split_size)
        throw error("datagen: split '" + std::string(split) + "' must have 1 to " + std::to_string(max_split_size) +
                    " pairs, not " + std::to_string(pairs));
}

inline generated_split generate_split(const split_plan& plan, std::size_t pairs, std::unordered_set<std::string>& used,
                                      bool held_out, random_engine& engine) {
    generated_split split;
    split.name = plan.name;
    split.pairs.reserve(pairs);
    const std::vector<task_family> families = family_schedule(pairs, engine);
    const std::vector<bool> neutral = neutral_schedule(pairs, plan.neutral_share, engine);
    split.neutral = neutral;
    split.style_decided = pick_schedule(neutral, plan.style_decided_share, "style-decided", engine);
    std::vector<bool> taken = neutral;
    for (std::size_t i = 0; i < pairs; ++i) taken[i] = taken[i] || split.style_decided[i];
    split.fooled = pick_schedule(taken, plan.fooled_share, "style-fooled", engine);
    for (std::size_t i = 0; i < pairs; ++i) {
        const task drawn = draw_unused_task(families[i], used, held_out, plan.name, engine, split.counts);
        const pair_kind kind = neutral[i]               ? pair_kind::neutral
                               : split.style_decided[i] ? pair_kind::style_decided
                               : split.fooled[i]        ? pair_kind::fooled
                                                        : pair_kind::ordinary;
        auto [chosen, rejected] = style_pair(drawn, kind, plan, engine, split.counts);
        split.pairs.push_back(preference_pair{pair_id(plan.name, i), drawn.prompt, std::move(chosen),
                                              std::move(rejected), std::string(subset_name(drawn.family))});
    }
    return split;
}

}  // namespace generate_detail

/// Generates validation, test and train (in that order, from one engine seeded with
/// config.seed). Sizes must be 1 to max_split_size; a held-out split too large for a family's
/// distinct prompts is a cirm::error.
inline generated_datasets generate_datasets(const generation_config& config) {
    generate_detail::check_split_size("validation", config.sizes.validation);
    generate_detail::check_split_size("test", config.sizes.test);
    generate_detail::check_split_size("train", config.sizes.train);
    random_engine engine(config.seed);
    std::unordered_set<std::string> held_out_prompts;
    generated_datasets datasets;
    datasets.validation = generate_detail::generate_split(style_independent_plan("validation"), config.sizes.validation,
                                                          held_out_prompts, true, engine);
    datasets.test = generate_detail::generate_split(style_independent_plan("test"), config.sizes.test, held_out_prompts,
                                                    true, engine);
    datasets.train = generate_detail::generate_split(preference_correlated_plan("train"), config.sizes.train,
                                                     held_out_prompts, false, engine);
    return datasets;
}

}  // namespace cirm::datagen
