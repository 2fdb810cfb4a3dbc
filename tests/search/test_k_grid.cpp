#include <catch2/catch.hpp>

#include <cstddef>
#include <limits>
#include <vector>

#include "cirm/search/k_grid.hpp"

using cirm::clamp_k_grid;
using cirm::default_k_grid;
using cirm::method_k_grid;
using cirm::scaled_k_grid;
using k_list = std::vector<std::size_t>;

TEST_CASE("the method k_list is the paper's seven budgets plus 0") {
    CHECK(method_k_grid() == k_list{0, 50, 100, 200, 500, 1000, 2000, 5000});
}

TEST_CASE("the scaled k_list puts its largest value at 5 % of the neurons") {
    // M = 100,000: factor M / 100,000 = 1, the method's steps unchanged; 5 % of M = 5000.
    CHECK(scaled_k_grid(100'000) == k_list{0, 50, 100, 200, 500, 1000, 2000, 5000});
    // M = 10,000: factor 0.1 → 5, 10, 20, 50, 100, 200, 500 (500 = 5 % of 10,000).
    CHECK(scaled_k_grid(10'000) == k_list{0, 5, 10, 20, 50, 100, 200, 500});
    // M = 1,000: factor 0.01 → 0.5, 1, 2, 5, 10, 20, 50; 0.5 rounds half up to 1, equal to the
    // next step, so 1 appears once.
    CHECK(scaled_k_grid(1'000) == k_list{0, 1, 2, 5, 10, 20, 50});
    // M = 3,000: factor 0.03 → 1.5→2, 3, 6, 15, 30, 60, 150.
    CHECK(scaled_k_grid(3'000) == k_list{0, 2, 3, 6, 15, 30, 60, 150});
    // M = 20: factor 0.0002 → 0.01, 0.02, 0.04, 0.1, 0.2, 0.4, 1 → all at least 1 → {1}.
    CHECK(scaled_k_grid(20) == k_list{0, 1});
    // M = 123,457: 50·1.23457 = 61.7285 → 62; 100 → 123.457 → 123; 200 → 246.914 → 247;
    // 500 → 617.285 → 617; 1000 → 1234.57 → 1235; 2000 → 2469.14 → 2469; 5000 → 6172.85 → 6173.
    CHECK(scaled_k_grid(123'457) == k_list{0, 62, 123, 247, 617, 1235, 2469, 6173});
}

TEST_CASE("the scaled k_list does not overflow for huge neuron counts") {
    const std::size_t m = std::numeric_limits<std::size_t>::max();
    // 5000 · m / 100,000 = m / 20; m = 2^64 − 1 ≡ 15 (mod 20), so m / 20 has fraction 0.75 and
    // rounds up. A wrapped-around product would give a much smaller value.
    const auto g = scaled_k_grid(m);
    REQUIRE(g.size() == 8);
    CHECK(m % 20 == 15);
    CHECK(g.back() == m / 20 + 1);
    CHECK(g[1] < g.back());
}

TEST_CASE("the scaled k_list refuses a model without neurons") {
    CHECK_THROWS_WITH(scaled_k_grid(0), Catch::Contains("no neurons"));
}

TEST_CASE("the default k_list is the method's for large models and scaled for small ones") {
    CHECK(default_k_grid(1'400'000) == method_k_grid());
    CHECK(default_k_grid(500'000) == method_k_grid());
    // 499,999 neurons: scaled, factor 4.99999 → 249.9995 → 250, 500, 1000, 2500, 5000, 10000, 25000
    // (5000 · 4.99999 = 24999.95 → 25000).
    CHECK(default_k_grid(499'999) == k_list{0, 250, 500, 1000, 2500, 5000, 10000, 25000});
    CHECK(default_k_grid(10'000) == k_list{0, 5, 10, 20, 50, 100, 200, 500});
}

TEST_CASE("clamping replaces values above the available neurons and removes duplicates") {
    CHECK(clamp_k_grid(method_k_grid(), 700) == k_list{0, 50, 100, 200, 500, 700});
    CHECK(clamp_k_grid(method_k_grid(), 500) == k_list{0, 50, 100, 200, 500});
    CHECK(clamp_k_grid(method_k_grid(), 10'000) == method_k_grid());
    CHECK(clamp_k_grid(method_k_grid(), 0) == k_list{0});
    CHECK(clamp_k_grid({300, 20, 300, 5}, 100) == k_list{5, 20, 100});
}
