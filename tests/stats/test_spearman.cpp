#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/stats/spearman.hpp"
#include "support/fixtures.hpp"

namespace {

using cirm::testing::load_fixture;

}  // namespace

TEST_CASE("spearman: hand-derived values") {
    // same order → 1, reversed order → -1 (whatever the spacing)
    CHECK(cirm::spearman(std::vector<double>{1, 2, 3, 4}, std::vector<double>{10, 20, 1000, 1e6}) == 1.0);
    CHECK(cirm::spearman(std::vector<double>{1, 2, 3, 4}, std::vector<double>{4, 3, -7, -8}) == -1.0);
    // ranks x = (1,2,3), y = (1,3,2): no ties, so ρ = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/24 = 0.5
    CHECK(cirm::spearman(std::vector<double>{1, 2, 3}, std::vector<double>{1, 3, 2}) == Approx(0.5).margin(1e-15));
    // with ties: x ranks (1, 2.5, 2.5, 4), y ranks (4, 2.5, 2.5, 1): centered ±1.5, 0, 0 mirrored → -1
    CHECK(cirm::spearman(std::vector<double>{1, 2, 2, 3}, std::vector<double>{4, 1, 1, 0}) ==
          Approx(-1.0).margin(1e-15));
    // x ranks (1.5, 1.5, 3), y ranks (1, 2, 3): centered x (-0.5,-0.5,1), y (-1,0,1);
    // Σxy = 1.5, Σx² = 1.5, Σy² = 2 → ρ = 1.5/√3 = √3/2
    CHECK(cirm::spearman(std::vector<double>{5, 5, 9}, std::vector<double>{1, 2, 3}) ==
          Approx(0.8660254037844386).margin(1e-15));
}

TEST_CASE("spearman: a constant variable gives 0 (the method's rule)") {
    CHECK(cirm::spearman(std::vector<double>{2, 2, 2}, std::vector<double>{1, 2, 3}) == 0.0);
    CHECK(cirm::spearman(std::vector<double>{1, 2, 3}, std::vector<double>{-0.0, 0.0, 0.0}) == 0.0);
}

TEST_CASE("spearman: matches scipy.stats.spearmanr on the fixtures") {
    const auto fixture = load_fixture("spearman.json");
    for (const auto& c : fixture.at("pairs")) {
        INFO(c.at("name").get<std::string>());
        const auto x = c.at("x").get<std::vector<double>>();
        const auto y = c.at("y").get<std::vector<double>>();
        const double rho = cirm::spearman(x, y);
        if (c.at("rho").is_null()) {
            CHECK(rho == 0.0);  // scipy: NaN for a constant input
        } else {
            CHECK(rho == Approx(c.at("rho").get<double>()).margin(1e-9).epsilon(0));
        }
        CHECK(cirm::spearman(y, x) == rho);
    }
}

TEST_CASE("spearman: errors") {
    CHECK_THROWS_WITH(cirm::spearman(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2}),
                      Catch::Contains("x has 3 values, y has 2"));
    CHECK_THROWS_WITH(cirm::spearman(std::vector<double>{1}, std::vector<double>{1}),
                      Catch::Contains("at least 2 samples, got 1"));
    CHECK_THROWS_WITH(cirm::spearman(std::vector<double>{}, std::vector<double>{}),
                      Catch::Contains("at least 2 samples, got 0"));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(cirm::spearman(std::vector<double>{1, 2, 3}, std::vector<double>{1, nan, 3}),
                      Catch::Contains("spearman (y)") && Catch::Contains("value 1 is NaN"));
}
