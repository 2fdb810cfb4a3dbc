// Rendering of styled responses, the style draws, the desired-relation draws and the summary
// figures. Expected strings and values are written by hand (derivations in comments); measured
// values come from the library's attributes.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/synthetic/style.hpp"
#include "plan.hpp"
#include "summary.hpp"

using cirm::synthetic::style_attribute;
using cirm::synthetic::style_choices;
using cirm::synthetic::style_levels;

namespace {

cirm::synthetic::task comparison_task() {
    cirm::synthetic::task t;
    t.family = cirm::synthetic::task_family::even;
    t.prompt = "Which number is even, 47 or 82?";
    t.correct = "82";
    t.wrong = "47";
    t.partial_restatement = "You asked which number is even";
    t.full_restatement = "You asked: which number is even, 47 or 82";
    t.answer_phrasings = {"The even number is {x}", "{x} is even"};
    return t;
}

style_levels levels_of(std::size_t fillers, std::size_t paragraphs, std::size_t restatement, std::size_t exclamations,
                       std::size_t bold, std::size_t list_items, std::size_t header) {
    return {fillers, paragraphs, restatement, exclamations, bold, list_items, header};
}

double measure(const char* name, const std::string& prompt, const std::string& response) {
    return cirm::make_attribute(name)(prompt, response);
}

}  // namespace

TEST_CASE("datagen style: every mechanism at once renders as written") {
    style_choices choices;
    choices.levels = levels_of(1, 1, 2, 2, 2, 1, 1);
    choices.answer_phrasing = 0;
    choices.sentence_fillers = {0};  // "I hope this helps"
    choices.list_fillers = {2};      // "Happy to help"
    // Blocks: header, restatement, filler, list item, answer (last): 4 gaps; the second is a
    // paragraph break; a header or list item ends its line.
    choices.paragraph_gaps = {false, true, false, false};
    choices.bold_value = choices.bold_label = true;
    const std::string response = cirm::synthetic::render_response(comparison_task(), "82", choices);
    // Two '!': the answer's end, then the filler's (the restatement would come last).
    const std::string expected = "## Answer\n"
                                 "You asked: which number is even, 47 or 82."
                                 "\n\n"
                                 "I hope this helps!\n"
                                 "- Happy to help.\n"
                                 "**Answer:** The even number is **82**!";
    CHECK(response == expected);
    const std::string prompt = comparison_task().prompt;
    CHECK(measure("length", prompt, response) == static_cast<double>(expected.size()));  // ASCII: bytes = code points
    CHECK(measure("paragraphs", prompt, response) == 1);
    CHECK(measure("exclamation", prompt, response) == 2);
    CHECK(measure("bold", prompt, response) == 4);
    CHECK(measure("list_items", prompt, response) == 1);
    CHECK(measure("headers", prompt, response) == 1);
    // Response words: answer you asked which number is even 47 or 82 the i hope this helps happy
    // to help (18 distinct); of them which number is even 47 or 82 (7) are prompt words.
    CHECK(measure("overlap", prompt, response) == Approx(7.0 / 18.0));
}

TEST_CASE("datagen style: a bare answer, extra exclamation marks, the partial restatement") {
    style_choices bare;
    bare.answer_phrasing = 1;
    CHECK(cirm::synthetic::render_response(comparison_task(), "47", bare) == "47 is even.");

    style_choices shouted;
    shouted.levels = levels_of(0, 0, 1, 3, 0, 0, 0);
    shouted.answer_phrasing = 1;
    shouted.paragraph_gaps = {false};  // restatement, answer
    // Three marks, two sentences: the answer, then the restatement, then one more on the answer.
    CHECK(cirm::synthetic::render_response(comparison_task(), "82", shouted) ==
          "You asked which number is even! 82 is even!!");

    style_choices broken = bare;
    broken.paragraph_gaps = {true};
    CHECK_THROWS_WITH(cirm::synthetic::render_response(comparison_task(), "82", broken),
                      Catch::Contains("1 paragraph gaps for 1 blocks"));
    broken.paragraph_gaps.clear();
    broken.answer_phrasing = 2;
    CHECK_THROWS_WITH(cirm::synthetic::render_response(comparison_task(), "82", broken),
                      Catch::Contains("answer phrasing 2 of subset 'even' does not exist"));
}

TEST_CASE("datagen style: drawn choices realise the counting levels exactly as measured") {
    cirm::synthetic::random_engine engine(42);
    const cirm::synthetic::task t = comparison_task();
    std::size_t clamped_paragraphs = 0;
    for (int draw = 0; draw < 3000; ++draw) {
        style_levels levels{};
        for (std::size_t a = 0; a < levels.size(); ++a)
            levels[a] = cirm::uniform_index(engine, cirm::synthetic::level_counts[a]);
        const style_choices choices = cirm::synthetic::draw_style_choices(levels, t.answer_phrasings.size(), engine);
        REQUIRE(choices.sentence_fillers.size() == levels[0]);
        REQUIRE(choices.list_fillers.size() == levels[5]);
        std::set<std::size_t> distinct(choices.sentence_fillers.begin(), choices.sentence_fillers.end());
        distinct.insert(choices.list_fillers.begin(), choices.list_fillers.end());
        CHECK(distinct.size() == levels[0] + levels[5]);
        CHECK(static_cast<std::size_t>(choices.bold_value) + static_cast<std::size_t>(choices.bold_label) == levels[4]);

        const std::string response = cirm::synthetic::render_response(t, t.correct, choices);
        // header + restatement + answer + fillers + list items
        const std::size_t blocks = levels[6] + (levels[2] > 0 ? 1 : 0) + 1 + levels[0] + levels[5];
        const std::size_t paragraphs = std::min(levels[1], blocks - 1);
        clamped_paragraphs += paragraphs < levels[1] ? 1 : 0;
        INFO(response);
        CHECK(measure("paragraphs", t.prompt, response) == static_cast<double>(paragraphs));
        CHECK(measure("exclamation", t.prompt, response) == static_cast<double>(levels[3]));
        CHECK(measure("bold", t.prompt, response) == static_cast<double>(2 * levels[4]));
        CHECK(measure("list_items", t.prompt, response) == static_cast<double>(levels[5]));
        CHECK(measure("headers", t.prompt, response) == static_cast<double>(levels[6]));
        // The restatement raises overlap, so a full one keeps every prompt word in the response.
        if (levels[2] == 2) {
            CHECK(response.find("You asked: which number is even, 47 or 82") != std::string::npos);
        }
    }
    CHECK(clamped_paragraphs > 0);  // the draws did reach the case of too few gaps

    style_levels too_high{};
    too_high[static_cast<std::size_t>(style_attribute::exclamation)] = 4;
    CHECK_THROWS_WITH(cirm::synthetic::draw_style_choices(too_high, 2, engine),
                      Catch::Contains("style level 4 of 'exclamation' is out of range (0-3)"));
}

TEST_CASE("datagen plan: level pairs lie in the desired relation, desired relations follow the odds") {
    using cirm::synthetic::relation;
    cirm::synthetic::random_engine engine(9);
    for (int draw = 0; draw < 2000; ++draw) {
        cirm::synthetic::relation_set desired{};
        for (auto& r : desired) r = static_cast<relation>(cirm::uniform_index(engine, 3));
        const auto [chosen, rejected] = cirm::datagen::draw_level_pair(desired, engine);
        for (std::size_t a = 0; a < desired.size(); ++a) {
            CHECK(chosen[a] < cirm::synthetic::level_counts[a]);
            CHECK(rejected[a] < cirm::synthetic::level_counts[a]);
            if (cirm::datagen::is_counting_attribute(static_cast<style_attribute>(a)))
                CHECK(cirm::synthetic::compare_values(static_cast<double>(chosen[a]),
                                                      static_cast<double>(rejected[a])) == desired[a]);
        }
    }
    // Train: counting attributes 0.56 / 0.24 / 0.20, length 0.7 / 0.3 / 0. With 20000 draws the
    // standard error of a share is at most 0.0035, so ±0.015 is over four of them.
    const cirm::datagen::split_plan plan = cirm::datagen::preference_correlated_plan("train");
    std::size_t bold_more = 0, bold_less = 0, bold_equal = 0, length_more = 0, length_equal = 0;
    const int draws = 20000;
    for (int draw = 0; draw < draws; ++draw) {
        const auto relations = cirm::datagen::draw_desired_relations(plan.odds, engine);
        const relation bold = relations[static_cast<std::size_t>(style_attribute::bold)];
        const relation length = relations[static_cast<std::size_t>(style_attribute::length)];
        bold_more += bold == relation::chosen_more ? 1 : 0;
        bold_less += bold == relation::chosen_less ? 1 : 0;
        bold_equal += bold == relation::equal ? 1 : 0;
        length_more += length == relation::chosen_more ? 1 : 0;
        length_equal += length == relation::equal ? 1 : 0;
    }
    CHECK(static_cast<double>(bold_more) / draws == Approx(0.56).margin(0.015));
    CHECK(static_cast<double>(bold_less) / draws == Approx(0.24).margin(0.015));
    CHECK(static_cast<double>(bold_equal) / draws == Approx(0.20).margin(0.015));
    CHECK(static_cast<double>(length_more) / draws == Approx(0.70).margin(0.015));
    CHECK(length_equal == 0);
}

TEST_CASE("datagen summary: counts and the style-preference Spearman correlation") {
    // Five pairs: exclamation chosen more in three, less in one, equal in one; every other
    // attribute equal, except the length of the first pair ("Yes!" 4 code points, "No." 3).
    std::vector<cirm::preference_pair> pairs{
        {"p-0", "Hi?", "Yes!", "No.", "odd"},   {"p-1", "Hi?", "Yes!", "Yes.", "odd"},
        {"p-2", "Hi?", "Yes!", "Yes.", "even"}, {"p-3", "Hi?", "Yes.", "Yes!", "even"},
        {"p-4", "Hi?", "Yes.", "Yes.", "even"},
    };
    const cirm::datagen::split_summary summary = cirm::datagen::summarize_split("mini", pairs);
    CHECK(summary.pairs == 5);
    CHECK(summary.neutral == 1);  // only p-4 is equal on all seven
    CHECK(summary.subsets.at("odd") == 2);
    CHECK(summary.subsets.at("even") == 3);
    const auto& exclamation = summary.attributes[static_cast<std::size_t>(style_attribute::exclamation)];
    CHECK(exclamation.chosen_more == 3);
    CHECK(exclamation.chosen_less == 1);
    CHECK(exclamation.equal == 1);
    CHECK(exclamation.chosen_more_share == Approx(0.75));
    // Both orders of every pair: x = ±sign, y = 1 for the chosen-first order. x is symmetric, so
    // its average ranks are an affine map of x and ρ equals Pearson's r:
    // cov = (M − L) / (2N), var x = (M + L) / N, var y = 1/4 → ρ = (M − L) / √(N (M + L)).
    // M = 3, L = 1, N = 5: 2 / √20.
    CHECK(exclamation.preference_spearman == Approx(2.0 / std::sqrt(20.0)).epsilon(1e-12));
    const auto& length = summary.attributes[static_cast<std::size_t>(style_attribute::length)];
    CHECK(length.chosen_more == 1);                                                    // "Yes!" (4) vs "No." (3)
    CHECK(length.preference_spearman == Approx(1.0 / std::sqrt(5.0)).epsilon(1e-12));  // M = 1, L = 0, N = 5
    const auto& headers = summary.attributes[static_cast<std::size_t>(style_attribute::headers)];
    CHECK(headers.equal == 5);
    CHECK(std::isnan(headers.chosen_more_share));
    CHECK(headers.preference_spearman == 0.0);  // constant: the library's ρ = 0
}
