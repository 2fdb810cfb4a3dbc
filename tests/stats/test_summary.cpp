#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/stats/summary.hpp"
#include "support/fixtures.hpp"

TEST_CASE("median and mean: hand-derived values") {
    CHECK(cirm::median(std::vector<double>{5, 1, 3}) == 3.0);
    CHECK(cirm::median(std::vector<double>{4, 1, 3, 2}) == 2.5);  // middle values 2 and 3
    CHECK(cirm::median(std::vector<double>{-7}) == -7.0);
    CHECK(cirm::median(std::vector<float>{1.0f, 2.0f}) == 1.5);
    // the even median is formed in double: the float midpoint of 1 and 1 + 2^-23 is not a float
    CHECK(cirm::median(std::vector<float>{1.0f, 1.0f + 0x1p-23f}) == 1.0 + 0x1p-24);
    CHECK(cirm::mean(std::vector<double>{1, 2, 3, 4}) == 2.5);
    CHECK(cirm::mean(std::vector<float>{0.5f, -1.5f}) == -0.5);
}

TEST_CASE("median and mean: match numpy on the fixture's neuron columns") {
    const auto table = cirm::testing::load_fixture("spearman.json").at("table");
    const auto samples = table.at("samples").get<std::size_t>();
    const auto neurons = table.at("neurons").get<std::size_t>();
    const auto activations = table.at("activations").get<std::vector<double>>();
    const auto medians = table.at("median").get<std::vector<double>>();
    const auto means = table.at("mean").get<std::vector<double>>();
    for (std::size_t n = 0; n < neurons; ++n) {
        std::vector<float> column(samples);
        for (std::size_t s = 0; s < samples; ++s) column[s] = static_cast<float>(activations[s * neurons + n]);
        INFO("neuron " << n);
        CHECK(static_cast<float>(cirm::median(column)) == static_cast<float>(medians[n]));
        CHECK(cirm::mean(column) == Approx(means[n]).epsilon(1e-6).margin(1e-12));
    }
}

TEST_CASE("median and mean: errors") {
    CHECK_THROWS_WITH(cirm::median(std::vector<double>{}), Catch::Contains("median: no values"));
    CHECK_THROWS_WITH(cirm::mean(std::vector<float>{}), Catch::Contains("mean: no values"));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(cirm::median(std::vector<double>{1, nan}), Catch::Contains("value 1 is NaN"));
    CHECK_THROWS_WITH(cirm::mean(std::vector<double>{std::numeric_limits<double>::infinity()}),
                      Catch::Contains("value 0 is infinite"));
}
