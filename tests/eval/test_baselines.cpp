#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/eval/baselines.hpp"
#include "support/fixtures.hpp"

namespace {

nlohmann::json lowess_fixture() { return cirm::testing::load_fixture("lowess.json"); }

const nlohmann::json& find_case(const nlohmann::json& fixture, const std::string& name) {
    for (const auto& c : fixture.at("cases"))
        if (c.at("name") == name) return c;
    FAIL("no fixture case " << name);
    throw;  // unreachable
}

}  // namespace

TEST_CASE("length_penalty: r - lambda * length") {
    const std::vector<double> rewards{1.0, 2.0, -0.5};
    const std::vector<double> lengths{100.0, 2500.0, 0.0};
    // λ = 0.001: 1 − 0.1, 2 − 2.5, −0.5 − 0
    const auto lp = cirm::length_penalty(rewards, lengths);
    REQUIRE(lp.size() == 3);
    CHECK(lp[0] == Approx(0.9).margin(1e-15));
    CHECK(lp[1] == Approx(-0.5).margin(1e-15));
    CHECK(lp[2] == -0.5);
    const auto strong = cirm::length_penalty(rewards, lengths, 0.01);  // 1 − 1, 2 − 25, −0.5
    CHECK(strong[0] == Approx(0.0).margin(1e-15));
    CHECK(strong[1] == Approx(-23.0).margin(1e-15));
}

TEST_CASE("lowess: matches statsmodels on the fixtures") {
    const auto fixture = lowess_fixture();
    REQUIRE(fixture.at("cases").size() >= 10);
    for (const auto& c : fixture.at("cases")) {
        INFO(c.at("name").get<std::string>());
        const auto x = c.at("x").get<std::vector<double>>();
        const auto y = c.at("y").get<std::vector<double>>();
        const auto expected = c.at("fitted").get<std::vector<double>>();
        const auto fitted = cirm::lowess(x, y, c.at("frac").get<double>(), c.at("iterations").get<int>());
        REQUIRE(fitted.size() == expected.size());
        for (std::size_t i = 0; i < fitted.size(); ++i) {
            INFO("point " << i);
            CHECK(fitted[i] == Approx(expected[i]).margin(1e-6).epsilon(0));
        }
    }
}

TEST_CASE("lowess: exact line and constant are reproduced") {
    // a local linear fit of points on a line is the line, whatever the weights; points where no
    // fit is possible keep their own y, which is also on the line
    std::vector<double> x, line, constant;
    for (int i = 0; i < 25; ++i) {
        x.push_back(static_cast<double>((i * 7) % 25));  // unsorted, distinct
        line.push_back(2.0 * x.back() + 1.0);
        constant.push_back(-3.0);
    }
    for (double frac : {0.2, 0.5, 1.0}) {
        const auto fit_line = cirm::lowess(x, line, frac);
        const auto fit_constant = cirm::lowess(x, constant, frac);
        for (std::size_t i = 0; i < x.size(); ++i) {
            CHECK(fit_line[i] == Approx(line[i]).margin(1e-9));
            CHECK(fit_constant[i] == Approx(-3.0).margin(1e-12));
        }
    }
}

TEST_CASE("lowess: all x tied") {
    // every window sits at one x: the radius is 0 and no fit is possible, so the first point in
    // sorted order keeps its y (the sort is stable: the first in input order) and the tied points
    // share that fit. statsmodels does the same (numpy sorts so few points stably).
    const auto fitted = cirm::lowess(std::vector<double>{4.0, 4.0, 4.0}, std::vector<double>{2.5, 4.0, 1.0});
    CHECK(fitted == std::vector<double>{2.5, 2.5, 2.5});
}

TEST_CASE("lwr_adjust: r - alpha * the statsmodels trend") {
    const auto fixture = lowess_fixture();
    const auto& c = find_case(fixture, "tied_lengths_outliers_frac1.0");  // frac 1, 3 iterations: the defaults
    const auto lengths = c.at("x").get<std::vector<double>>();
    const auto rewards = c.at("y").get<std::vector<double>>();
    const auto trend = c.at("fitted").get<std::vector<double>>();
    const auto adjusted = cirm::lwr_adjust(rewards, lengths);
    const auto half = cirm::lwr_adjust(rewards, lengths, 1.0, 0.5);
    for (std::size_t i = 0; i < rewards.size(); ++i) {
        CHECK(adjusted[i] == Approx(rewards[i] - trend[i]).margin(1e-6).epsilon(0));
        CHECK(half[i] == Approx(rewards[i] - 0.5 * trend[i]).margin(1e-6).epsilon(0));
    }
    const auto& narrow = find_case(fixture, "tied_lengths_outliers_frac0.3");
    const auto narrow_adjusted = cirm::lwr_adjust(rewards, lengths, 0.3);
    const auto narrow_trend = narrow.at("fitted").get<std::vector<double>>();
    for (std::size_t i = 0; i < rewards.size(); ++i)
        CHECK(narrow_adjusted[i] == Approx(rewards[i] - narrow_trend[i]).margin(1e-6).epsilon(0));
}

TEST_CASE("baselines: errors") {
    const std::vector<double> two{1.0, 2.0}, three{1.0, 2.0, 3.0}, none;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(cirm::length_penalty(two, three), Catch::Contains("length_penalty: 2 rewards but 3 lengths"));
    CHECK_THROWS_WITH(cirm::length_penalty(none, none), Catch::Contains("length_penalty: no responses"));
    CHECK_THROWS_WITH(cirm::length_penalty(std::vector<double>{nan}, std::vector<double>{1.0}),
                      Catch::Contains("reward 0 is not finite"));
    CHECK_THROWS_WITH(cirm::length_penalty(two, std::vector<double>{1.0, inf}),
                      Catch::Contains("length 1 is not finite"));
    CHECK_THROWS_WITH(cirm::length_penalty(two, two, nan), Catch::Contains("lambda is not finite"));

    CHECK_THROWS_WITH(cirm::lowess(two, three), Catch::Contains("lowess: x has 2 values, y has 3"));
    CHECK_THROWS_WITH(cirm::lowess(none, none), Catch::Contains("lowess: no points"));
    CHECK_THROWS_WITH(cirm::lowess(three, std::vector<double>{1.0, nan, 2.0}),
                      Catch::Contains("point 1 is not finite"));
    CHECK_THROWS_WITH(cirm::lowess(three, three, 0.0), Catch::Contains("outside (0, 1]"));
    CHECK_THROWS_WITH(cirm::lowess(three, three, 1.5), Catch::Contains("outside (0, 1]"));
    CHECK_THROWS_WITH(cirm::lowess(three, three, nan), Catch::Contains("outside (0, 1]"));
    CHECK_THROWS_WITH(cirm::lowess(three, three, 0.5, -1), Catch::Contains("iterations -1 is negative"));

    CHECK_THROWS_WITH(cirm::lwr_adjust(two, three), Catch::Contains("lwr_adjust: 2 rewards but 3 lengths"));
    CHECK_THROWS_WITH(cirm::lwr_adjust(none, none), Catch::Contains("lwr_adjust: no responses"));
    CHECK_THROWS_WITH(cirm::lwr_adjust(two, two, 2.0), Catch::Contains("outside (0, 1]"));
    CHECK_THROWS_WITH(cirm::lwr_adjust(two, two, 1.0, inf), Catch::Contains("alpha is not finite"));
}
