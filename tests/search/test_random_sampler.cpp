#include <catch2/catch.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "cirm/search/k_grid.hpp"
#include "cirm/search/random_sampler.hpp"

using cirm::configuration;
using cirm::random_sampler;
using cirm::space;
using cirm::trial;

namespace {
space five_biases() { return space({"length", "paragraphs", "overlap", "exclamation", "bold"}, cirm::method_k_grid()); }
std::vector<configuration> proposals(random_sampler& s, std::size_t n) {
    std::vector<configuration> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(s.next({}));
    return out;
}
trial evaluated(configuration c) {
    trial t;
    t.indices = std::move(c);
    t.objective = 0.5;
    return t;
}
}  // namespace

TEST_CASE("the random sampler is deterministic for a seed and differs across seeds") {
    random_sampler a(five_biases(), 7), b(five_biases(), 7), c(five_biases(), 8);
    const auto first = proposals(a, 50);
    CHECK(first == proposals(b, 50));
    CHECK(first != proposals(c, 50));
    for (const auto& p : first) CHECK_NOTHROW(five_biases().check(p));
}

TEST_CASE("the random sampler draws every candidate about equally often") {
    // 16,000 draws over 8 candidates: each count is Binomial(16000, 1/8), mean 2000,
    // sd = sqrt(16000 · 1/8 · 7/8) ≈ 41.8; ±6 sd = ±251 fails by chance with p < 1e-8.
    random_sampler s(five_biases(), 1);
    std::vector<std::vector<std::size_t>> counts(5, std::vector<std::size_t>(8, 0));
    for (int i = 0; i < 16000; ++i) {
        const auto c = s.next({});
        for (std::size_t b = 0; b < 5; ++b) ++counts[b][c[b]];
    }
    for (const auto& per_bias : counts)
        for (std::size_t n : per_bias) {
            CHECK(n > 1749);
            CHECK(n < 2251);
        }
}

TEST_CASE("the random sampler avoids evaluated configurations while it can") {
    space tiny({{"a", {0, 1}}, {"b", {0, 1}}});
    random_sampler s(tiny, 3);
    const std::vector<trial> history{evaluated({0, 0}), evaluated({0, 1}), evaluated({1, 1})};
    // One fresh configuration of 4; 64 tries miss it with probability (3/4)^64 ≈ 1e-8.
    for (int i = 0; i < 20; ++i) CHECK(s.next(history) == configuration{1, 0});

    // Everything evaluated: it still answers (a duplicate) instead of looping.
    std::vector<trial> all = history;
    all.push_back(evaluated({1, 0}));
    const auto c = s.next(all);
    CHECK_NOTHROW(tiny.check(c));
}
