#include <catch2/catch.hpp>

#include <cstddef>
#include <set>
#include <vector>

#include "cirm/search/exhaustive_sampler.hpp"
#include "cirm/search/k_grid.hpp"

using cirm::configuration;
using cirm::exhaustive_sampler;
using cirm::space;
using cirm::trial;

TEST_CASE("the exhaustive sampler proposes each of the 8^5 configurations once") {
    space s({"length", "paragraphs", "overlap", "exclamation", "bold"}, cirm::method_k_grid());
    exhaustive_sampler sampler(s);
    std::set<configuration> seen;
    std::size_t proposed = 0;
    while (!sampler.exhausted()) {
        seen.insert(sampler.next({}));
        ++proposed;
    }
    CHECK(proposed == 32'768);
    CHECK(seen.size() == 32'768);
    CHECK_THROWS_WITH(sampler.next({}), Catch::Contains("every configuration of the search space has been proposed"));
}

TEST_CASE("the exhaustive sampler follows the enumeration order and skips evaluated ones") {
    space s({{"a", {0, 1}}, {"b", {0, 5, 9}}});
    exhaustive_sampler sampler(s);
    std::vector<trial> history(1);
    history[0].indices = {0, 0};  // the base, evaluated by the search itself
    history[0].objective = 0.5;
    std::vector<configuration> order;
    while (!sampler.exhausted()) {
        order.push_back(sampler.next(history));
        trial t;
        t.indices = order.back();
        history.push_back(t);
        if (order.size() == 5) break;
    }
    CHECK(order == std::vector<configuration>{{0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}});
    CHECK(sampler.exhausted());
}
