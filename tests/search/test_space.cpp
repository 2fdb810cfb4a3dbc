#include <catch2/catch.hpp>

#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "cirm/search/k_grid.hpp"
#include "cirm/search/space.hpp"

using cirm::bias_candidates;
using cirm::configuration;
using cirm::space;

namespace {
const std::vector<std::string> five{"length", "paragraphs", "overlap", "exclamation", "bold"};
}

TEST_CASE("a space maps configurations to budgets and total k") {
    space s({{"length", {0, 50, 500}}, {"bold", {10, 0}}});
    CHECK(s.biases() == 2);
    CHECK(s.categories(0) == 3);
    CHECK(s.categories(1) == 2);
    CHECK(s.size() == 6);
    CHECK(s.budgets({2, 0}) == std::vector<std::size_t>{500, 10});
    CHECK(s.total_k({2, 0}) == 510);
    CHECK(s.total_k({0, 1}) == 0);
    REQUIRE(s.base().has_value());
    CHECK(*s.base() == configuration{0, 1});  // the 0 of "bold" is its second candidate
}

TEST_CASE("a space without 0 for some bias has no base configuration") {
    space s({{"length", {0, 50}}, {"bold", {50, 100}}});
    CHECK_FALSE(s.base().has_value());
}

TEST_CASE("a space checks its definition") {
    CHECK_THROWS_WITH(space(std::vector<bias_candidates>{}), Catch::Contains("no biases"));
    using list = std::vector<bias_candidates>;
    CHECK_THROWS_WITH(space(list{{"", {0}}}), Catch::Contains("bias 0 has an empty name"));
    CHECK_THROWS_WITH(space({{"length", {0}}, {"length", {1}}}), Catch::Contains("'length' is listed twice"));
    CHECK_THROWS_WITH(space(list{{"bold", {}}}), Catch::Contains("'bold' has no candidate k"));
    CHECK_THROWS_WITH(space({{"bold", {5, 0, 5}}}), Catch::Contains("'bold' lists a candidate k twice"));
}

TEST_CASE("a space checks configurations") {
    space s(five, cirm::method_k_grid());
    CHECK_THROWS_WITH(s.budgets({0, 0}), Catch::Contains("has 2 entries but the search space has 5 biases"));
    CHECK_THROWS_WITH(s.budgets({0, 0, 8, 0, 0}),
                      Catch::Contains("index 8 for bias 'overlap' is out of range (it has 8 candidates)"));
}

TEST_CASE("the size of the space is the product of the list sizes, with an overflow check") {
    CHECK(space(five, cirm::method_k_grid()).size() == 32'768);  // 8^5
    // The paper's grid without 0: 7^5.
    CHECK(space(five, {50, 100, 200, 500, 1000, 2000, 5000}).size() == 16'807);
    // 64 biases of 2 candidates: 2^64 does not fit in a 64-bit size_t; 63 biases do.
    static_assert(std::numeric_limits<std::size_t>::digits == 64);
    std::vector<std::string> names;
    for (int b = 0; b < 64; ++b) names.push_back(std::to_string(b));  // (GCC 12 flags "b" + to_string with -Wrestrict)
    space too_big(names, {0, 1});
    CHECK_FALSE(too_big.checked_size().has_value());
    CHECK_THROWS_WITH(too_big.size(), Catch::Contains("overflows"));
    names.pop_back();
    CHECK(space(names, {0, 1}).size() == (std::size_t{1} << 63));
}

TEST_CASE("enumeration visits every configuration once, last bias fastest") {
    space s({{"a", {0, 1}}, {"b", {0, 10, 20}}});
    std::vector<configuration> seen;
    s.for_each_configuration([&](const configuration& c) { seen.push_back(c); });
    CHECK(seen == std::vector<configuration>{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}});

    space big(five, cirm::method_k_grid());
    std::set<configuration> distinct;
    big.for_each_configuration([&](const configuration& c) { distinct.insert(c); });
    CHECK(distinct.size() == 32'768);
}
