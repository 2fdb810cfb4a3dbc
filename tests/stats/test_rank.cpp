#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/stats/rank.hpp"
#include "support/fixtures.hpp"

namespace {

using cirm::testing::load_fixture;

}  // namespace

TEST_CASE("average_ranks: hand-derived ties") {
    // sorted: 1 1 3 4 5 → the two 1s share positions 1 and 2 → 1.5 each
    const std::vector<double> values{3, 1, 4, 1, 5};
    CHECK(cirm::average_ranks(values) == std::vector<double>{3, 1.5, 4, 1.5, 5});
    // one group of four: positions 1..4, mean 2.5
    CHECK(cirm::average_ranks(std::vector<double>{7, 7, 7, 7}) == std::vector<double>{2.5, 2.5, 2.5, 2.5});
    // groups {2,2,2} at positions 2..4 → 3, {9,9} at 5..6 → 5.5
    CHECK(cirm::average_ranks(std::vector<double>{9, 2, -1, 2, 9, 2}) == std::vector<double>{5.5, 3, 1, 3, 5.5, 3});
    CHECK(cirm::average_ranks(std::vector<double>{42}) == std::vector<double>{1});
    CHECK(cirm::average_ranks(std::vector<double>{}).empty());
}

TEST_CASE("average_ranks: signed zeros tie, infinities rank at the ends") {
    const double inf = std::numeric_limits<double>::infinity();
    // -0.0 == 0.0: one group at positions 2..3
    CHECK(cirm::average_ranks(std::vector<double>{0.0, -1.0, -0.0}) == std::vector<double>{2.5, 1, 2.5});
    CHECK(cirm::average_ranks(std::vector<double>{inf, -inf, 0.0}) == std::vector<double>{3, 1, 2});
    CHECK(cirm::average_ranks(std::vector<float>{-0.0f, 0.0f, 2.0f, -3.0f}) == std::vector<double>{2.5, 2.5, 4, 1});
    const float finf = std::numeric_limits<float>::infinity();
    CHECK(cirm::average_ranks(std::vector<float>{finf, 1.0f, -finf, finf}) == std::vector<double>{3.5, 2, 1, 3.5});
}

TEST_CASE("average_ranks: matches scipy.stats.rankdata on the fixtures (double)") {
    const auto fixture = load_fixture("spearman.json");
    for (const auto& c : fixture.at("pairs")) {
        INFO(c.at("name").get<std::string>());
        for (const char* side : {"x", "y"}) {
            const auto values = c.at(side).get<std::vector<double>>();
            const auto expected = c.at(std::string(side) + "_ranks").get<std::vector<double>>();
            CHECK(cirm::average_ranks(values) == expected);  // multiples of 0.5: exact
        }
    }
}

TEST_CASE("average_ranks: matches scipy.stats.rankdata on the fixtures (float)") {
    const auto fixture = load_fixture("spearman.json");
    for (const auto& c : fixture.at("float_ranks")) {
        INFO(c.at("name").get<std::string>());
        std::vector<float> values;
        for (double v : c.at("values").get<std::vector<double>>()) values.push_back(static_cast<float>(v));
        CHECK(cirm::average_ranks(values) == c.at("ranks").get<std::vector<double>>());
    }
}

TEST_CASE("average_ranks: one scratch reused across sizes and types gives the same ranks") {
    const auto fixture = load_fixture("spearman.json");
    cirm::rank_scratch scratch;
    for (const auto& c : fixture.at("pairs")) {
        const auto values = c.at("x").get<std::vector<double>>();
        std::vector<double> ranks(values.size(), -1.0);
        cirm::average_ranks(values, ranks, scratch);
        CHECK(ranks == c.at("x_ranks").get<std::vector<double>>());
        std::vector<float> as_float;
        for (double v : c.at("y").get<std::vector<double>>()) as_float.push_back(static_cast<float>(v));
        std::vector<double> float_ranks(as_float.size());
        cirm::average_ranks(as_float, float_ranks, scratch);
        CHECK(float_ranks == cirm::average_ranks(as_float));
    }
}

TEST_CASE("average_ranks: errors") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(cirm::average_ranks(std::vector<double>{1.0, 2.0, nan}),
                      Catch::Contains("average_ranks") && Catch::Contains("value 2 is NaN"));
    CHECK_THROWS_WITH(cirm::average_ranks(std::vector<float>{std::numeric_limits<float>::quiet_NaN()}),
                      Catch::Contains("value 0 is NaN"));
    cirm::rank_scratch scratch;
    std::vector<double> values{1, 2, 3};
    std::vector<double> ranks(2);
    CHECK_THROWS_AS(cirm::average_ranks(values, ranks, scratch), cirm::error);
    CHECK_THROWS_WITH(cirm::average_ranks(values, ranks, scratch), Catch::Contains("2 elements for 3 values"));
}
