// RewardBench's and RewardBench 2's scoring rules (eval/reward_bench.hpp, eval/reward_bench_2.hpp)
// on small cases whose expected numbers are worked out by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/eval/reward_bench.hpp"
#include "cirm/eval/reward_bench_2.hpp"
#include "cirm/io/evaluation_json.hpp"

using namespace cirm;
using rewards = std::vector<double>;
using names = std::vector<std::string>;

TEST_CASE("RewardBench: subset accuracies, sections weighted by the benchmark's prompt counts, overall") {
    // subset (section, weight)            pairs c/r            accuracy
    // alpacaeval-easy (Chat, 100)          1>0 right, 2=2 tie   1/2
    // mt-bench-easy (Chat, 28)             3>1 right            1
    // llmbar-natural (Chat Hard, 100)      1>0 right, 0<1 wrong 1/2
    // donotanswer (Safety, 136)            2>1 right            1
    // math-prm (Reasoning, 984)            0<1 wrong            0
    // hep-cpp (Reasoning, 164)             1>0 right            1
    // my-own (no section)                  1>0 right            1
    // Chat = (100*1/2 + 28*1) / 128 = 78/128 = 0.609375; Chat Hard = 1/2; Safety = 1;
    // Reasoning = (984*0 + 164*1) / 1148 = 1/7; overall = (0.609375 + 0.5 + 1 + 1/7) / 4.
    const names subsets{"alpacaeval-easy", "mt-bench-easy", "llmbar-natural", "alpacaeval-easy", "donotanswer",
                        "math-prm",        "hep-cpp",       "my-own",         "llmbar-natural"};
    const rewards chosen{1, 3, 1, 2, 2, 0, 1, 1, 0};
    const rewards rejected{0, 1, 0, 2, 1, 1, 0, 0, 1};
    const auto r = reward_bench_score(subsets, chosen, rejected);
    REQUIRE(r.subsets.size() == 7);
    CHECK(r.subsets[0].name == "alpacaeval-easy");
    CHECK(r.subsets[0].correct == 1);
    CHECK(r.subsets[0].total == 2);
    CHECK(r.subsets[0].accuracy == 0.5);
    CHECK(r.subsets[0].section == "Chat");
    CHECK(r.subsets[6].name == "my-own");
    CHECK(r.subsets[6].section.empty());
    CHECK(r.subsets[6].accuracy == 1.0);
    CHECK(r.sections[0] == Approx(0.609375));
    CHECK(r.sections[1] == Approx(0.5));
    CHECK(r.sections[2] == Approx(1.0));
    CHECK(r.sections[3] == Approx(1.0 / 7.0));
    CHECK(r.overall == Approx((0.609375 + 0.5 + 1.0 + 1.0 / 7.0) / 4.0));
    CHECK(r.complete);
    CHECK(r.pairs == 9);
}

TEST_CASE("RewardBench: a section with no subset present has no score, overall is over the sections present") {
    // Chat only: alpacaeval-hard (95) 1 of 1 right, mt-bench-med (40) 0 of 1 right (a tie)
    // → Chat = 95/135; overall = Chat; the other sections NaN; not complete.
    const auto r = reward_bench_score(names{"alpacaeval-hard", "mt-bench-med"}, rewards{2, 1}, rewards{1, 1});
    CHECK(r.sections[0] == Approx(95.0 / 135.0));
    CHECK(std::isnan(r.sections[1]));
    CHECK(std::isnan(r.sections[2]));
    CHECK(std::isnan(r.sections[3]));
    CHECK(r.overall == Approx(95.0 / 135.0));
    CHECK_FALSE(r.complete);
    // no mapped subset at all: no overall
    CHECK(std::isnan(reward_bench_score(names{"mine"}, rewards{1}, rewards{0}).overall));
}

TEST_CASE("RewardBench: the benchmark's table (math-prm weighted as the six code subsets)") {
    double reasoning_code = 0, math = 0;
    std::size_t per_section[4] = {};
    for (const auto& s : reward_bench_subsets) {
        if (s.name.substr(0, 4) == "hep-") reasoning_code += s.weight;
        if (s.name == "math-prm") math = s.weight;
        for (std::size_t k = 0; k < 4; ++k) per_section[k] += s.section == reward_bench_sections[k];
    }
    CHECK(math == reasoning_code);  // 984 = 6 x 164
    CHECK(per_section[0] == 5);
    CHECK(per_section[1] == 6);
    CHECK(per_section[2] == 5);
    CHECK(per_section[3] == 7);
}

TEST_CASE("RewardBench: mismatched inputs, NaN rewards and missing subsets are errors") {
    CHECK_THROWS_WITH(reward_bench_score(names{"a"}, rewards{1, 2}, rewards{1, 2}),
                      Catch::Contains("1 subset names for 2 chosen"));
    CHECK_THROWS_WITH(reward_bench_score(names{"a"}, rewards{std::nan("")}, rewards{1}),
                      Catch::Contains("reward of pair 0 is NaN"));
    CHECK_THROWS_WITH(reward_bench_score(names{""}, rewards{1}, rewards{0}), Catch::Contains("pair 0 has no subset"));
}

TEST_CASE("RewardBench 2 best-of-N: 1/t when a correct completion holds the maximum shared by t, else 0") {
    // correct first (num_correct of them), then the incorrect ones
    CHECK(best_of_n_score(rewards{3, 1, 2, 0}, 1) == 1.0);  // 3 alone at the top, correct
    CHECK(best_of_n_score(rewards{3, 3, 2, 1}, 1) == 0.5);  // top 3 shared by the correct one and one incorrect
    CHECK(best_of_n_score(rewards{3, 3, 3, 3}, 1) == 0.25);
    CHECK(best_of_n_score(rewards{1, 3, 2, 0}, 1) == 0.0);  // an incorrect one on top
    // several correct completions
    CHECK(best_of_n_score(rewards{5, 5, 1, 1}, 2) == 0.5);  // two correct tied at the top: 1/2
    CHECK(best_of_n_score(rewards{1, 4, 3}, 2) == 1.0);     // the second correct one alone on top
    CHECK(best_of_n_score(rewards{2, 5, 5, 1}, 2) == 0.5);  // second correct tied with an incorrect one
    CHECK(best_of_n_score(rewards{2, 3, 5}, 2) == 0.0);
    CHECK_THROWS_WITH(best_of_n_score(rewards{1, 2}, 0), Catch::Contains("0 correct of 2"));
    CHECK_THROWS_WITH(best_of_n_score(rewards{1, 2}, 2), Catch::Contains("2 correct of 2"));
    CHECK_THROWS_WITH(best_of_n_score(rewards{1, std::nan("")}, 1), Catch::Contains("NaN"));
}

TEST_CASE("RewardBench 2 Ties: accuracies, correctness preferred (plain and hard) and the margin term") {
    // id       rewards (correct | incorrect)  worst c - best i  spread  accurate
    // ref:1    5 | 2 1                         3                 -       yes
    // tied:1   6 4 | 3                         1                 2       yes
    // ref:2    1 | 2                           -1                -       no
    // tied:2   4 4 | 1                         3                 0       yes
    // tied:3   2 1 | 3                         -2                1       no   (no ref:3)
    // ref accuracy 1/2, tied accuracy 2/3; keys in both kinds: 1, 2.
    // key 1: tied margin 1 > spread 2? no; min(3, 1) = 1 > 2? no; tanh(1/2 - 1) = tanh(-0.5)
    // key 2: 3 > 0 yes; min(-1, 3) = -1 > 0? no; -1/0 = -inf → tanh = -1
    // preferred 1/2, hard 0, margin (tanh(-0.5) - 1) / 2
    // score = 0.3 * 2/3 + 0.3 * 1/2 + 0.2 * 1/2 + 0.2 * 0 + 0.01 * margin
    const std::vector<reward_bench_2_prompt> prompts{{"ref:1", "Ties", {5, 2, 1}, 1},
                                                     {"tied:1", "Ties", {6, 4, 3}, 2},
                                                     {"ref:2", "Ties", {1, 2}, 1},
                                                     {"tied:2", "Ties", {4, 4, 1}, 2},
                                                     {"tied:3", "Ties", {2, 1, 3}, 2}};
    const auto t = ties_score(prompts);
    CHECK(t.ref_prompts == 2);
    CHECK(t.tied_prompts == 3);
    CHECK(t.paired_keys == 2);
    CHECK(t.ref_accuracy == Approx(0.5));
    CHECK(t.tied_accuracy == Approx(2.0 / 3.0));
    CHECK(t.correctness_preferred == Approx(0.5));
    CHECK(t.correctness_preferred_hard == Approx(0.0));
    const double margin = (std::tanh(-0.5) - 1.0) / 2.0;
    CHECK(t.correctness_margin_score == Approx(margin));
    CHECK(t.score == Approx(0.3 * 2.0 / 3.0 + 0.3 * 0.5 + 0.2 * 0.5 + 0.01 * margin));
}

TEST_CASE("RewardBench 2 Ties: a zero spread gives +1, -1 or (0/0) 0 in the margin term") {
    // ref:8 3 | 1 (margin 2), tied:8 2 2 | 0 (margin 2, spread 0): 2/0 = +inf → +1; both accurate,
    // preferred and hard → 0.3 + 0.3 + 0.2 + 0.2 + 0.01 = 1.01.
    const auto best =
        ties_score(std::vector<reward_bench_2_prompt>{{"ref:8", "ties", {3, 1}, 1}, {"tied:8", "ties", {2, 2, 0}, 2}});
    CHECK(best.correctness_margin_score == 1.0);
    CHECK(best.score == Approx(1.01));
    // ref:9 2 | 1 (margin 1, accurate), tied:9 1 1 | 1 (margin 0, spread 0, not accurate):
    // min(1, 0) = 0, 0/0 → 0; 0 > 0 is false twice → 0.3 * 1 = 0.3.
    const auto zero =
        ties_score(std::vector<reward_bench_2_prompt>{{"ref:9", "Ties", {2, 1}, 1}, {"tied:9", "Ties", {1, 1, 1}, 2}});
    CHECK(zero.correctness_margin_score == 0.0);
    CHECK(zero.correctness_preferred == 0.0);
    CHECK(zero.score == Approx(0.3));
    // no key with both kinds: the pair terms and the score are NaN (as the benchmark's numpy gives)
    const auto lone = ties_score(std::vector<reward_bench_2_prompt>{{"ref:1", "Ties", {2, 1}, 1}});
    CHECK(lone.ref_accuracy == 1.0);
    CHECK(lone.tied_accuracy == 0.0);
    CHECK(std::isnan(lone.correctness_preferred));
    CHECK(std::isnan(lone.score));
}

TEST_CASE("RewardBench 2 Ties: malformed ids and prompts are errors naming the id") {
    using list = std::vector<reward_bench_2_prompt>;
    CHECK_THROWS_WITH(ties_score(list{{"7", "Ties", {2, 1}, 1}}), Catch::Contains("id '7' is not 'ref:<key>'"));
    CHECK_THROWS_WITH(ties_score(list{{"tied:1", "Ties", {2, 1}, 1}}),
                      Catch::Contains("tied prompt 'tied:1' has 1 correct completion"));
    CHECK_THROWS_WITH(ties_score(list{{"ref:1", "Ties", {2, 1}, 2}}),
                      Catch::Contains("'ref:1' needs a correct and an incorrect completion"));
    CHECK_THROWS_WITH(ties_score(list{{"ref:1", "Ties", {2, 1}, 1}, {"ref:1", "Ties", {2, 1}, 1}}),
                      Catch::Contains("'ref:1' appears twice"));
}

TEST_CASE("RewardBench 2: subsets by best-of-N or the Ties rule, overall the mean of the subsets") {
    // Focus: {3 | 1 2} → 1, {3 | 3 1} → 1/2: 3/4. Math: {0 | 1} → 0. Ties (ref:9 / tied:9 above): 0.3.
    // overall = (0.75 + 0 + 0.3) / 3 = 0.35
    const std::vector<reward_bench_2_prompt> prompts{{"a", "Focus", {3, 1, 2}, 1},
                                                     {"b", "Math", {0, 1}, 1},
                                                     {"ref:9", "Ties", {2, 1}, 1},
                                                     {"c", "Focus", {3, 3, 1}, 1},
                                                     {"tied:9", "Ties", {1, 1, 1}, 2}};
    const auto r = reward_bench_2_score(prompts);
    REQUIRE(r.subsets.size() == 3);
    CHECK(r.subsets[0].name == "Focus");
    CHECK(r.subsets[0].prompts == 2);
    CHECK(r.subsets[0].score == Approx(0.75));
    CHECK(r.subsets[1].score == 0.0);
    CHECK(r.subsets[2].name == "Ties");
    CHECK(r.subsets[2].score == Approx(0.3));
    REQUIRE(r.ties);
    CHECK(r.ties->paired_keys == 1);
    CHECK(r.overall == Approx(0.35));
    CHECK(r.prompts == 5);
    CHECK_THROWS_WITH(reward_bench_2_score(std::vector<reward_bench_2_prompt>{{"x", "Focus", {1, 2}, 2}}),
                      Catch::Contains("prompt 'x'"));
}

TEST_CASE("RewardBench and RewardBench 2 JSON: undefined scores are null, sections and ties always present") {
    // alpacaeval-hard 1 of 1 right → Chat 1, the other sections null, overall 1, not complete
    const auto rb = to_json(reward_bench_score(names{"alpacaeval-hard", "mine"}, rewards{2, 0}, rewards{1, 1}));
    CHECK(rb["subsets"]["alpacaeval-hard"]["accuracy"] == 1.0);
    CHECK(rb["subsets"]["alpacaeval-hard"]["section"] == "Chat");
    CHECK(rb["subsets"]["mine"]["accuracy"] == 0.0);
    CHECK(rb["subsets"]["mine"]["section"].is_null());
    CHECK(rb["sections"]["Chat"] == 1.0);
    CHECK(rb["sections"]["Safety"].is_null());
    CHECK(rb["overall"] == 1.0);
    CHECK(rb["complete"] == false);
    // no Ties subset: "ties" is null; a Ties subset without a ref/tied pair: its score is null
    const auto plain = to_json(reward_bench_2_score(std::vector<reward_bench_2_prompt>{{"a", "Focus", {1, 0}, 1}}));
    CHECK(plain["ties"].is_null());
    CHECK(plain["subsets"]["Focus"]["score"] == 1.0);
    CHECK(plain["overall"] == 1.0);
    const auto lone = to_json(reward_bench_2_score(std::vector<reward_bench_2_prompt>{{"ref:1", "Ties", {1, 0}, 1}}));
    CHECK(lone["ties"]["ref_accuracy"] == 1.0);
    CHECK(lone["ties"]["correctness_preferred"].is_null());
    CHECK(lone["subsets"]["Ties"]["score"].is_null());
    CHECK(lone["overall"].is_null());
}
