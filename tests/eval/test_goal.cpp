// The debiasing goal (eval/goal.hpp) checked on hand-made evaluation documents whose
// verdicts and figures are worked out by hand in the comments.
#include <catch2/catch.hpp>
#include <string>
#include <vector>
#include "cirm/io/evaluation_json.hpp"

namespace {

using goal_json = nlohmann::ordered_json;

/// One method's figures for the five attributes: the same B, B̄ and flip rate for each.
goal_json method(double all, double neutral, double biased, double unbiased, double flip) {
    goal_json m;
    m["all"] = all;
    m["neutral"] = neutral;
    for (const char* a : {"length", "paragraphs", "overlap", "exclamation", "bold"}) {
        m["subsets"][a] = {{"biased", biased}, {"unbiased", unbiased}, {"n_biased", 100}, {"n_unbiased", 100}};
        m["flip_rate"][a] = flip;
    }
    return m;
}

}  // namespace

TEST_CASE("goal check: every line met, with signed changes") {
    goal_json doc;
    doc["methods"]["base"] = method(0.80, 0.967, 0.886, 0.611, 0.10);
    doc["methods"]["cirm"] = method(0.88, 0.962, 0.900, 0.822, 0.04);
    // bold's biased accuracy falls by 3 points: the worst change, 88.6 -> 85.6
    doc["methods"]["cirm"]["subsets"]["bold"]["biased"] = 0.856;
    // and one attribute's B̄ gains less: mean B̄ gain = (4 · 21.1 + 11.1) / 5 = 19.1 points
    doc["methods"]["cirm"]["subsets"]["length"]["unbiased"] = 0.722;
    const std::vector<cirm::goal_line> lines = cirm::goal_check(doc, "cirm");
    REQUIRE(lines.size() == 4);
    INFO(lines[0].text << "\n" << lines[1].text << "\n" << lines[2].text << "\n" << lines[3].text);
    CHECK_THAT(lines[0].text, Catch::Contains("(+19.1 points; goal: >= +10)"));
    CHECK(lines[0].met == true);
    // a 3-point drop is reported as -3.0 and fails the goal (no drop over 1 point)
    CHECK_THAT(lines[1].text, Catch::Contains("change from base: -3.0 points (bold;"));
    CHECK(lines[1].met == false);
    // neutral 96.7 -> 96.2: -0.5 points, within the goal
    CHECK_THAT(lines[2].text, Catch::Contains("base 96.7%, cirm 96.2% (-0.5 points;"));
    CHECK(lines[2].met == true);
    // flip rate 10 % -> 4 %: ratio 0.40 <= 0.50
    CHECK_THAT(lines[3].text, Catch::Contains("(ratio 0.40; goal: <= 0.50)"));
    CHECK(lines[3].met == true);
    CHECK(cirm::goal_overall(lines) == false);
}

TEST_CASE("goal check: a biased subset that gains reads as a gain, not as a drop") {
    goal_json doc;
    doc["methods"]["base"] = method(0.80, 0.967, 0.886, 0.611, 0.10);
    doc["methods"]["cirm"] = method(0.88, 0.970, 0.900, 0.822, 0.04);
    // every B rises by 1.4 points (88.6 -> 90.0); neutral rises by 0.3
    const std::vector<cirm::goal_line> lines = cirm::goal_check(doc, "cirm");
    REQUIRE(lines.size() == 4);
    CHECK_THAT(lines[1].text, Catch::Contains("change from base: +1.4 points"));
    CHECK(lines[1].met == true);
    CHECK_THAT(lines[2].text, Catch::Contains("(+0.3 points;"));
    CHECK(cirm::goal_overall(lines) == true);
}

TEST_CASE("goal check: nothing to check without a cirm method") {
    goal_json doc;
    doc["methods"]["base"] = method(0.80, 0.967, 0.886, 0.611, 0.10);
    CHECK(cirm::goal_check(doc, "cirm").empty());
}
