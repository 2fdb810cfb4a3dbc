#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/attributes/builtin.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/io/evaluation_json.hpp"

using namespace cirm;
using rewards = std::vector<double>;
using maybe_rewards = std::vector<std::optional<double>>;

TEST_CASE("accuracy counts r(chosen) > r(rejected), a tie is wrong") {
    // 1 > 0 right, 2 = 2 tie → wrong, 3 < 4 wrong, 0.5 > 0.4 right → 2 / 4.
    CHECK(accuracy(rewards{1, 2, 3, 0.5}, rewards{0, 2, 4, 0.4}) == 0.5);
    CHECK(accuracy(rewards{1}, rewards{1}) == 0.0);
    CHECK(std::isnan(accuracy(rewards{}, rewards{})));
    CHECK_THROWS_WITH(accuracy(rewards{1, 2}, rewards{1}), Catch::Contains("2 chosen rewards but 1 rejected"));
    CHECK_THROWS_WITH(accuracy(rewards{1, std::nan("")}, rewards{0, 0}),
                      Catch::Contains("chosen reward value of pair 1 is NaN"));
}

TEST_CASE("biased and unbiased subsets leave out pairs with equal attribute values") {
    // pair  rewards c/r  correct  attribute c/r  subset
    // p0    1 / 0        yes      10 / 5         B (chosen has more)
    // p1    0 / 1        no       10 / 5         B
    // p2    2 / 1        yes       5 / 5         neither (equal)
    // p3    1 / 1        no (tie)  1 / 9         B̄ (chosen has less)
    // p4    3 / 0        yes       2 / 8         B̄
    // p5    0 / 5        no        7 / 3         B
    // B = {p0, p1, p5}: 1 right of 3; B̄ = {p3, p4}: 1 right of 2.
    const auto s = biased_unbiased_accuracy(rewards{1, 0, 2, 1, 3, 0}, rewards{0, 1, 1, 1, 0, 5},
                                            rewards{10, 10, 5, 1, 2, 7}, rewards{5, 5, 5, 9, 8, 3});
    CHECK(s.n_biased == 3);
    CHECK(s.n_unbiased == 2);
    CHECK(s.biased == Approx(1.0 / 3.0).epsilon(1e-15));
    CHECK(s.unbiased == 0.5);

    // Every pair has equal values: both subsets empty → NaN with count 0.
    const auto empty = biased_unbiased_accuracy(rewards{1, 0}, rewards{0, 1}, rewards{3, 4}, rewards{3, 4});
    CHECK(empty.n_biased == 0);
    CHECK(empty.n_unbiased == 0);
    CHECK(std::isnan(empty.biased));
    CHECK(std::isnan(empty.unbiased));

    CHECK_THROWS_WITH(biased_unbiased_accuracy(rewards{1, 0}, rewards{0, 1}, rewards{3}, rewards{3, 4}),
                      Catch::Contains("2 pairs but attribute values for 1 chosen and 2 rejected"));
    CHECK_THROWS_WITH(biased_unbiased_accuracy(rewards{1}, rewards{0}, rewards{std::nan("")}, rewards{3}),
                      Catch::Contains("chosen attribute value of pair 0 is NaN"));
}

TEST_CASE("the neutral set holds the pairs equal on every named attribute") {
    // pair  length c/r  bold c/r  overlap c/r  rewards c/r
    // p0    10 / 10     0 / 0     0.1 / 0.9    2 / 1   neutral, right
    // p1    10 / 10     1 / 0     0.5 / 0.5    3 / 1   bold differs
    // p2     5 / 6      0 / 0     0.5 / 0.5    3 / 1   length differs
    // p3     3 / 3      2 / 2     0.2 / 0.4    1 / 1   neutral, tie → wrong
    // Over {length, bold} (overlap is not named, so its difference in p0 and p3 does not
    // matter): neutral = {p0, p3}, 1 right of 2.
    const attribute_columns chosen{{"length", "bold", "overlap"}, {{10, 10, 5, 3}, {0, 1, 0, 2}, {0.1, 0.5, 0.5, 0.2}}};
    const attribute_columns rejected{{"length", "bold", "overlap"},
                                     {{10, 10, 6, 3}, {0, 0, 0, 2}, {0.9, 0.5, 0.5, 0.4}}};
    const std::vector<std::string> names{"length", "bold"};
    const auto n = neutral_accuracy(rewards{2, 3, 3, 1}, rewards{1, 1, 1, 1}, chosen, rejected, names);
    CHECK(n.pairs == 2);
    CHECK(n.value == 0.5);

    // Naming overlap too: only p1 and p2 have equal overlap but they differ elsewhere → empty.
    const std::vector<std::string> all_three{"length", "bold", "overlap"};
    const auto none = neutral_accuracy(rewards{2, 3, 3, 1}, rewards{1, 1, 1, 1}, chosen, rejected, all_three);
    CHECK(none.pairs == 0);
    CHECK(std::isnan(none.value));

    const auto method = cirm::method_attribute_names();  // the five of docs/method.md §4, the default neutral set
    const std::vector<std::string> method_names(method.begin(), method.end());
    CHECK_THROWS_WITH(neutral_accuracy(rewards{2, 3, 3, 1}, rewards{1, 1, 1, 1}, chosen, rejected, method_names),
                      Catch::Contains("unknown attribute 'paragraphs' (have: length, bold, overlap)"));
}

TEST_CASE("RM-Bench: hard above the diagonal, normal on it, easy below") {
    // Variants [concise, detailed plain, detailed markdown]; M[i][j] = share with c_i > r_j.
    // Pair A: chosen (3, 5, 6), rejected (1, 4, 7)
    //   c0=3: >1 yes, >4 no, >7 no;  c1=5: yes, yes, no;  c2=6: yes, yes, no
    // Pair B: chosen (2, 2, 4), rejected (2, 1, 3)
    //   c0=2: =2 tie no, >1 yes, >3 no;  c1=2: tie no, yes, no;  c2=4: yes, yes, yes
    // M = [[1/2, 1/2, 0], [1/2, 1, 0], [1, 1, 1/2]]
    // hard = (M01 + M02 + M12) / 3 = (1/2 + 0 + 0) / 3 = 1/6
    // normal = (1/2 + 1 + 1/2) / 3 = 2/3;  easy = (M10 + M20 + M21) / 3 = (1/2 + 1 + 1) / 3 = 5/6
    const std::vector<rm_bench_pair> pairs{{{3, 5, 6}, {1, 4, 7}}, {{2, 2, 4}, {2, 1, 3}}};
    const auto r = rm_bench_accuracy(pairs);
    const double expected[3][3] = {{0.5, 0.5, 0.0}, {0.5, 1.0, 0.0}, {1.0, 1.0, 0.5}};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) CHECK(r.matrix[i][j] == expected[i][j]);
    CHECK(r.hard == Approx(1.0 / 6.0).epsilon(1e-15));
    CHECK(r.normal == Approx(2.0 / 3.0).epsilon(1e-15));
    CHECK(r.easy == Approx(5.0 / 6.0).epsilon(1e-15));
    CHECK(r.pairs == 2);

    const auto empty = rm_bench_accuracy({});
    CHECK(std::isnan(empty.hard));
    CHECK(empty.pairs == 0);
}

TEST_CASE("the flip rate is over correctly ranked pairs whose rejected response could be injected") {
    // pair  c   r   injected r  counted?                       flipped?
    // p0    2   1   3           yes                            yes (2 ≤ 3)
    // p1    2   1   —           no (injector did not apply)
    // p2    2   1   2           yes                            yes (a tie is a flip)
    // p3    2   1   1.5         yes                            no
    // p4    1   2   0           no (ranked wrong originally)
    // p5    1   1   5           no (a tie is wrong originally)
    // → 2 flips over 3 pairs.
    const auto f = style_flip_rate(rewards{2, 2, 2, 2, 1, 1}, rewards{1, 1, 1, 1, 2, 1},
                                   maybe_rewards{3.0, std::nullopt, 2.0, 1.5, 0.0, 5.0});
    CHECK(f.pairs == 3);
    CHECK(f.value == Approx(2.0 / 3.0).epsilon(1e-15));

    const auto none = style_flip_rate(rewards{2, 2}, rewards{1, 1}, maybe_rewards{std::nullopt, std::nullopt});
    CHECK(none.pairs == 0);
    CHECK(std::isnan(none.value));
    CHECK_THROWS_WITH(style_flip_rate(rewards{2, 2}, rewards{1, 1}, maybe_rewards{1.0}),
                      Catch::Contains("2 pairs but 1 injected rewards"));
}

TEST_CASE("an evaluation bundles the metrics and is written as JSON in the fixed shape") {
    // rewards c/r: p0 2/1 right, p1 0/1 wrong, p2 3/1 right, p3 1/2 wrong → all = 1/2
    // length c/r: 10/5 (B), 5/9 (B̄), 7/7, 7/7; bold all equal (0/0, 0/0, 2/2, 0/0)
    // neutral over {length, bold}: p2 right, p3 wrong → 1/2
    // length: B = {p0} 1/1 = 1, B̄ = {p1} 0/1 = 0; bold: both subsets empty → null, counts 0
    // flip length: injected (0.5, —, 4, —): counted p0 (no flip: 2 > 0.5), p2 (flip: 3 ≤ 4) → 1/2
    // flip bold: nothing injected → null
    const attribute_columns chosen{{"length", "bold"}, {{10, 5, 7, 7}, {0, 0, 2, 0}}};
    const attribute_columns rejected{{"length", "bold"}, {{5, 9, 7, 7}, {0, 0, 2, 0}}};
    const std::vector<std::string> neutral_names{"length", "bold"};
    const std::vector<injected_rewards> injections{{"length", {0.5, std::nullopt, 4.0, std::nullopt}},
                                                   {"bold", {std::nullopt, std::nullopt, std::nullopt, std::nullopt}}};
    const auto e =
        evaluate_rewards(rewards{2, 0, 3, 1}, rewards{1, 1, 1, 2}, chosen, rejected, neutral_names, injections);
    CHECK(e.all.value == 0.5);
    CHECK(e.all.pairs == 4);
    CHECK(e.neutral.value == 0.5);
    CHECK(e.neutral.pairs == 2);
    REQUIRE(e.subsets.size() == 2);
    CHECK(e.subsets[0].first == "length");
    CHECK(e.subsets[0].second.biased == 1.0);
    CHECK(e.subsets[0].second.unbiased == 0.0);
    REQUIRE(e.flip_rate.size() == 2);
    CHECK(e.flip_rate[0].second.value == 0.5);
    CHECK(e.flip_rate[0].second.pairs == 2);

    // Keys in the contract's order ("length" before "bold": insertion order, not sorted).
    const std::string expected =
        R"({"all":0.5,"neutral":0.5,"subsets":{"length":{"biased":1.0,"unbiased":0.0,"n_biased":1,"n_unbiased":1},)"
        R"("bold":{"biased":null,"unbiased":null,"n_biased":0,"n_unbiased":0}},"flip_rate":{"length":0.5,"bold":null}})";
    CHECK(to_json(e).dump() == expected);
    const nlohmann::ordered_json converted = e;
    CHECK(converted.dump() == expected);
    // Plain JSON readers see numbers and integers where the contract says so.
    const auto parsed = nlohmann::json::parse(expected);
    CHECK(parsed["subsets"]["length"]["n_biased"].is_number_integer());
}
