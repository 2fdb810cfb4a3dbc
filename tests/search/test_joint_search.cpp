#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "cirm/search/exhaustive_sampler.hpp"
#include "cirm/search/joint_search.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/search/tpe_sampler.hpp"

using cirm::configuration;
using cirm::exhaustive_sampler;
using cirm::joint_search;
using cirm::space;
using cirm::trial;
using budgets_t = std::vector<std::size_t>;

namespace {
/// Proposes a fixed list of configurations, in order (repeats allowed).
struct scripted_sampler {
    std::vector<configuration> script;
    std::size_t next_index = 0;
    std::vector<std::size_t> history_sizes{};
    configuration next(std::span<const trial> history) {
        history_sizes.push_back(history.size());
        return script.at(next_index++);
    }
};

/// Counts objective calls and records their budgets.
struct recording_objective {
    std::vector<budgets_t> calls{};
    double (*value)(std::span<const std::size_t>);
    double operator()(std::span<const std::size_t> k) {
        calls.emplace_back(k.begin(), k.end());
        return value(k);
    }
};

double sum_scaled(std::span<const std::size_t> k) {
    double s = 0.0;
    for (auto v : k) s += static_cast<double>(v);
    return 0.5 + s / 10000.0;
}
}  // namespace

TEST_CASE("trial 0 is the base, with nothing edited") {
    space s({{"length", {50, 0, 100}}, {"bold", {0, 200}}});
    scripted_sampler sampler{{{2, 1}, {0, 0}}};
    recording_objective objective{{}, sum_scaled};
    const auto r = joint_search(s, sampler, objective, 3);
    REQUIRE(r.trials.size() == 3);
    CHECK(r.trials[0].number == 0);
    CHECK(r.trials[0].indices == configuration{1, 0});  // where the 0s are in each list
    CHECK(r.trials[0].budgets == budgets_t{0, 0});
    CHECK(r.trials[0].total_k == 0);
    CHECK(r.trials[0].objective == 0.5);
    CHECK(&r.base_trial() == &r.trials[0]);
    CHECK(objective.calls.front() == budgets_t{0, 0});
    // The sampler saw the base: histories of size 1 and 2 for its two proposals.
    CHECK(sampler.history_sizes == std::vector<std::size_t>{1, 2});
    CHECK(r.trials[1].budgets == budgets_t{100, 200});
    CHECK(r.trials[1].total_k == 300);
    CHECK(r.trials[1].objective == Approx(0.53));
    CHECK(r.best == 1);
    CHECK(r.biases == std::vector<std::string>{"length", "bold"});
    const auto named = r.best_budgets();
    REQUIRE(named.size() == 2);
    CHECK(named[0].bias == "length");
    CHECK(named[0].k == 100);
    CHECK(named[1].k == 200);
}

TEST_CASE("a repeated configuration reuses its value and still counts as a trial") {
    space s({"a", "b"}, {0, 10, 20});
    scripted_sampler sampler{{{1, 2}, {1, 2}, {0, 0}, {2, 2}}};
    recording_objective objective{{}, sum_scaled};
    std::vector<std::size_t> reported;
    const auto r = joint_search(s, sampler, objective, 5, [&](const trial& t) { reported.push_back(t.number); });
    REQUIRE(r.trials.size() == 5);
    // Evaluated: base (0,0), (1,2); then (1,2) again and (0,0) (the base) from the cache; (2,2).
    CHECK(objective.calls == std::vector<budgets_t>{{0, 0}, {10, 20}, {20, 20}});
    CHECK_FALSE(r.trials[1].cached);
    CHECK(r.trials[2].cached);
    CHECK(r.trials[2].objective == r.trials[1].objective);
    CHECK(r.trials[2].seconds == 0.0);
    CHECK(r.trials[3].cached);
    CHECK(r.trials[3].objective == 0.5);
    CHECK_FALSE(r.trials[4].cached);
    CHECK(reported == std::vector<std::size_t>{0, 1, 2, 3, 4});
    CHECK(r.best == 4);
}

TEST_CASE("ties go to the smaller total k, then to the earlier trial") {
    // Two optimal configurations: k = (100, 0) and (0, 50), both 0.9; total k 100 vs 50.
    space s({"a", "b"}, {0, 50, 100});
    auto two_optima = [](std::span<const std::size_t> k) {
        if ((k[0] == 100 && k[1] == 0) || (k[0] == 0 && k[1] == 50)) return 0.9;
        return 0.6;
    };
    exhaustive_sampler sampler(s);
    const auto r = joint_search(s, sampler, two_optima, 100);
    CHECK(r.trials.size() == 9);  // stops when all 3^2 are evaluated
    CHECK(r.best_trial().budgets == budgets_t{0, 50});

    // Equal objective and equal total k: (50, 50) and (100, 0) — (50,50) comes first in order.
    auto same_total = [](std::span<const std::size_t> k) {
        return (k[0] == 50 && k[1] == 50) || (k[0] == 100 && k[1] == 0) ? 0.8 : 0.7;
    };
    exhaustive_sampler again(s);
    const auto r2 = joint_search(s, again, same_total, 100);
    CHECK(r2.best_trial().budgets == budgets_t{50, 50});
    CHECK(r2.best_trial().number < 7);  // (100, 0) is trial 6 in enumeration order; (50,50) trial 4

    // Nothing beats the base: the base wins over equally good edits (smaller total k).
    exhaustive_sampler flat_sampler(s);
    const auto r3 = joint_search(
        s, flat_sampler, [](std::span<const std::size_t>) { return 0.7; }, 100);
    CHECK(r3.best == 0);
}

TEST_CASE("an exhaustive search evaluates each of the 32,768 configurations once") {
    space s({"length", "paragraphs", "overlap", "exclamation", "bold"}, cirm::method_k_grid());
    exhaustive_sampler sampler(s);
    std::set<budgets_t> seen;
    std::size_t calls = 0;
    auto objective = [&](std::span<const std::size_t> k) {
        ++calls;
        seen.emplace(k.begin(), k.end());
        return 0.5;
    };
    const auto r = joint_search(s, sampler, objective, 1'000'000);
    CHECK(calls == 32'768);
    CHECK(seen.size() == 32'768);
    CHECK(r.trials.size() == 32'768);
    CHECK(r.best == 0);  // all equal: the base has the smallest total k
}

TEST_CASE("a base outside the space is logged for comparison but cannot win") {
    space s({"a", "b"}, {50, 100});  // no 0: the paper's grid style
    scripted_sampler sampler{{{0, 0}, {1, 1}}};
    recording_objective objective{{}, [](std::span<const std::size_t> k) { return k[0] == 0 ? 0.99 : 0.6; }};
    const auto r = joint_search(s, sampler, objective, 2);
    REQUIRE(r.trials.size() == 3);  // the base plus 2 trials of the space
    CHECK(r.trials[0].indices.empty());
    CHECK(r.trials[0].budgets == budgets_t{0, 0});
    CHECK(r.trials[0].objective == 0.99);
    CHECK(sampler.history_sizes == std::vector<std::size_t>{0, 1});  // the sampler never saw it
    CHECK(r.best == 1);  // (50,50) and (100,100) tie at 0.6: the smaller total k
}

TEST_CASE("the TPE search finds the top of a simple objective and logs timings") {
    space s({"length", "bold"}, cirm::method_k_grid());
    cirm::tpe_sampler sampler(s, 3);
    // Peak at length = 500, bold = 50: accuracy falls with distance in grid steps.
    auto objective = [](std::span<const std::size_t> k) {
        auto step = [](std::size_t v) {
            const auto g = cirm::method_k_grid();
            for (std::size_t i = 0; i < g.size(); ++i)
                if (g[i] == v) return static_cast<double>(i);
            return -100.0;
        };
        return 0.9 - 0.01 * (std::abs(step(k[0]) - 4.0) + std::abs(step(k[1]) - 1.0));
    };
    const auto r = joint_search(s, sampler, objective, 40);
    CHECK(r.trials.size() == 40);
    CHECK(r.best_trial().budgets == budgets_t{500, 50});
    for (const auto& t : r.trials) CHECK(t.seconds >= 0.0);
}

TEST_CASE("the search reports bad input") {
    space s({"length", "bold"}, {0, 50});
    scripted_sampler none{{}};
    CHECK_THROWS_WITH(joint_search(s, none, sum_scaled, 0), Catch::Contains("trials must be at least 1"));

    scripted_sampler wrong{{{0, 2}}};
    CHECK_THROWS_WITH(
        joint_search(s, wrong, sum_scaled, 2),
        Catch::Contains("sampler proposed an invalid configuration") && Catch::Contains("index 2 for bias 'bold'"));

    scripted_sampler fine{{{1, 1}}};
    auto nan_at_edit = [](std::span<const std::size_t> k) {
        return k[0] == 50 ? std::numeric_limits<double>::quiet_NaN() : 0.5;
    };
    CHECK_THROWS_WITH(joint_search(s, fine, nan_at_edit, 2),
                      Catch::Contains("non-finite value for budgets length=50, bold=50"));
}
