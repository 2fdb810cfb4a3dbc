#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "cirm/search/joint_search.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/search/random_sampler.hpp"
#include "cirm/search/tpe_sampler.hpp"

using cirm::configuration;
using cirm::random_sampler;
using cirm::space;
using cirm::tpe_options;
using cirm::tpe_sampler;
using cirm::trial;

namespace {
space tpe_five_biases() {
    return space({"length", "paragraphs", "overlap", "exclamation", "bold"}, cirm::method_k_grid());
}

trial make_trial(std::size_t number, configuration c, double objective, const space& s) {
    trial t;
    t.number = number;
    t.total_k = s.total_k(c);
    t.budgets = s.budgets(c);
    t.indices = std::move(c);
    t.objective = objective;
    return t;
}

// Space a ∈ {0, 10, 20, 30}, b ∈ {0, 5} and 11 trials (indices, objective):
//   t0 (0,1) .50   t1 (1,1) .60   t2 (2,0) .90   t3 (3,0) .55   t4 (1,0) .60   t5 (0,1) .40
//   t6 (3,0) .45   t7 (0,1) .50   t8 (1,1) .60   t9 (3,0) .55   t10 (0,1) .30
// n = 11 → γ = ⌈1.1⌉ = 2 good trials: t2 (.90), then of the three at .60 the smallest total k:
// t4 (k 10) beats t1 and t8 (k 15). Bad: the other 9.
const space two_biases({{"a", {0, 10, 20, 30}}, {"b", {0, 5}}});
std::vector<trial> worked_history() {
    const std::vector<std::pair<configuration, double>> rows{{{0, 1}, .50}, {{1, 1}, .60}, {{2, 0}, .90}, {{3, 0}, .55},
                                                             {{1, 0}, .60}, {{0, 1}, .40}, {{3, 0}, .45}, {{0, 1}, .50},
                                                             {{1, 1}, .60}, {{3, 0}, .55}, {{0, 1}, .30}};
    std::vector<trial> h;
    for (const auto& [c, v] : rows) h.push_back(make_trial(h.size(), c, v, two_biases));
    return h;
}

// A separable objective over 5 biases × 8 candidates with its unique maximum 1 at
// {3, 6, 1, 5, 2}: each bias loses 1/35 per step away from its best candidate. A uniform draw
// hits the maximum with probability 8^-5 ≈ 3e-5, so 100 random trials rarely do.
constexpr std::array<std::size_t, 5> optimum{3, 6, 1, 5, 2};
double synthetic_accuracy(const configuration& c) {
    double loss = 0.0;
    for (std::size_t b = 0; b < 5; ++b)
        loss += static_cast<double>(c[b] > optimum[b] ? c[b] - optimum[b] : optimum[b] - c[b]);
    return 1.0 - loss / 35.0;
}

template <class Sampler>
double best_after(Sampler& sampler, std::size_t trials) {
    const space s = tpe_five_biases();
    auto objective = [&](std::span<const std::size_t> budgets) {
        configuration c(5);  // the method grid: candidate index of each k
        const auto grid = cirm::method_k_grid();
        for (std::size_t b = 0; b < 5; ++b)
            c[b] = static_cast<std::size_t>(std::find(grid.begin(), grid.end(), budgets[b]) - grid.begin());
        return synthetic_accuracy(c);
    };
    return cirm::joint_search(s, sampler, objective, trials).best_trial().objective;
}

double median_of_ten(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return (v[4] + v[5]) / 2;
}
}  // namespace

TEST_CASE("the good set is min(ceil(0.1 n), 25) trials (Optuna's default gamma)") {
    CHECK(cirm::tpe_good_count(1) == 1);
    CHECK(cirm::tpe_good_count(10) == 1);
    CHECK(cirm::tpe_good_count(11) == 2);
    CHECK(cirm::tpe_good_count(100) == 10);
    CHECK(cirm::tpe_good_count(241) == 25);
    CHECK(cirm::tpe_good_count(1000) == 25);
}

TEST_CASE("the Parzen estimators match the hand-worked densities") {
    const auto m = cirm::tpe_fit(two_biases, worked_history(), 1.0);
    CHECK(m.good_trials == 2);
    CHECK(m.bad_trials == 9);
    // Prior 1.0 spread over the candidates: 1/4 for a, 1/2 for b.
    // l_a: good a-values {2, 1} → (0.25, 1.25, 1.25, 0.25) / (2 + 1)
    const std::vector<double> la{0.25 / 3, 1.25 / 3, 1.25 / 3, 0.25 / 3};
    // g_a: bad a-values: 0 ×4 (t0 t5 t7 t10), 1 ×2 (t1 t8), 2 ×0, 3 ×3 (t3 t6 t9) → (+0.25) / (9 + 1)
    const std::vector<double> ga{0.425, 0.225, 0.025, 0.325};
    // l_b: good b-values {0, 0} → (2.5, 0.5) / 3; g_b: bad b = 0 ×3 (t3 t6 t9), 1 ×6 → (3.5, 6.5) / 10
    const std::vector<double> lb{2.5 / 3, 0.5 / 3};
    const std::vector<double> gb{0.35, 0.65};
    for (std::size_t c = 0; c < 4; ++c) {
        CHECK(m.good_density[0][c] == Approx(la[c]).epsilon(1e-12));
        CHECK(m.bad_density[0][c] == Approx(ga[c]).epsilon(1e-12));
    }
    for (std::size_t c = 0; c < 2; ++c) {
        CHECK(m.good_density[1][c] == Approx(lb[c]).epsilon(1e-12));
        CHECK(m.bad_density[1][c] == Approx(gb[c]).epsilon(1e-12));
    }
    // score(2, 0) = log((5/12) / 0.025) + log((5/6) / 0.35) = log(16.667 · 2.381) = log(39.683)
    CHECK(m.score({2, 0}) == Approx(std::log((1.25 / 3 / 0.025) * (2.5 / 3 / 0.35))).epsilon(1e-12));
}

TEST_CASE("TPE proposes the best-scoring configuration that was not evaluated") {
    // Ratios l/g from the worked densities: a: 0.196, 1.85, 16.7, 0.256; b: 2.38, 0.256.
    // Evaluated: (0,1) (1,1) (2,0) (3,0) (1,0). Not evaluated, with their l/g products:
    // (2,1) 16.7 · 0.256 = 4.27, (0,0) 0.196 · 2.38 = 0.467, (3,1) 0.256 · 0.256 = 0.066.
    // The best, (2,0) at 39.7, was evaluated, so (2,1) wins. With 2000 candidates drawn from l,
    // each fresh configuration is drawn for all practical purposes (the least likely, (3,1),
    // has probability 1/12 · 1/6 per draw: missed with probability 0.986^2000 < 1e-12).
    tpe_options options;
    options.candidates = 2000;
    tpe_sampler sampler(two_biases, 5, options);
    CHECK(sampler.next(worked_history()) == configuration{2, 1});
}

TEST_CASE("TPE starts with uniformly random configurations") {
    // During start-up TPE draws exactly like the random sampler with the same seed.
    tpe_sampler tpe(tpe_five_biases(), 11);
    random_sampler random(tpe_five_biases(), 11);
    std::vector<trial> history;
    for (std::size_t i = 0; i < 10; ++i) {
        const auto c = tpe.next(history);
        CHECK(c == random.next(history));
        history.push_back(make_trial(i, c, 0.5, tpe_five_biases()));
    }
}

TEST_CASE("TPE is deterministic for a seed and differs across seeds") {
    auto run = [](std::uint64_t seed) {
        tpe_sampler sampler(tpe_five_biases(), seed);
        std::vector<configuration> proposed;
        std::vector<trial> history;
        for (std::size_t i = 0; i < 40; ++i) {
            auto c = sampler.next(history);
            history.push_back(make_trial(i, c, synthetic_accuracy(c), tpe_five_biases()));
            proposed.push_back(std::move(c));
        }
        return proposed;
    };
    const auto first = run(42);
    CHECK(first == run(42));
    CHECK(first != run(43));
}

TEST_CASE("TPE beats random search on a separable objective") {
    std::vector<double> tpe_best, random_best;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        tpe_sampler tpe(tpe_five_biases(), seed);
        random_sampler random(tpe_five_biases(), seed);
        tpe_best.push_back(best_after(tpe, 100));
        random_best.push_back(best_after(random, 100));
    }
    const double tpe_median = median_of_ten(tpe_best);
    const double random_median = median_of_ten(random_best);
    INFO("TPE median " << tpe_median << ", random median " << random_median);
    CHECK(tpe_median > random_median);
    // Random search rarely reaches the top; TPE gets within one step of it.
    CHECK(tpe_median >= 1.0 - 1.0 / 35.0 - 1e-12);
    CHECK(*std::max_element(random_best.begin(), random_best.end()) < 1.0);

    tpe_sampler fixed(tpe_five_biases(), 2024);
    CHECK(best_after(fixed, 100) >= 1.0 - 1.0 / 35.0 - 1e-12);
}

TEST_CASE("TPE rejects unusable options") {
    tpe_options none;
    none.candidates = 0;
    CHECK_THROWS_WITH(tpe_sampler(tpe_five_biases(), 0, none), Catch::Contains("candidates must be at least 1"));
    tpe_options bad_prior;
    bad_prior.prior_weight = 0.0;
    CHECK_THROWS_WITH(tpe_sampler(tpe_five_biases(), 0, bad_prior), Catch::Contains("prior_weight"));
}
