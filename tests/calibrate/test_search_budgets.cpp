#include <catch2/catch.hpp>

#include <vector>

#include "cirm/calibrate/search_budgets.hpp"
#include "support/small_planted.hpp"
#include "support/synthetic_pairs.hpp"

TEST_CASE("the budget search starts from the base, never does worse on validation, and returns the best spec") {
    auto source = cirm::testing::small_planted_source();
    const auto validation = cirm::testing::make_arithmetic_pairs(200, 31);
    const auto samples = cirm::response_samples(validation);
    const auto loc = cirm::localize(source, samples, cirm::make_attributes(cirm::testing::method_names()));

    cirm::budget_search_options o;
    o.k_grid = {0, 2, 4, 8};
    o.trials = 30;
    o.seed = 3;
    std::size_t calls = 0;
    o.on_trial = [&](const cirm::search::trial&) { ++calls; };
    const auto r = cirm::search_budgets(source, loc, validation, o);
    REQUIRE(r.search.trials.size() == 30);
    CHECK(calls == 30);

    // trial 0 is the base: nothing edited, and its accuracy is the plain RM's
    const auto& base = r.search.base_trial();
    CHECK(base.total_k == 0);
    const auto plain = cirm::score_pairs(source, std::span<const cirm::preference_pair>(validation), cirm::no_intervention{});
    std::size_t right = 0;
    for (std::size_t i = 0; i < validation.size(); ++i) right += plain.chosen[i] > plain.rejected[i];
    CHECK(base.objective == Approx(static_cast<double>(right) / 200.0).epsilon(0));

    const auto& best = r.search.best_trial();
    CHECK(best.objective >= base.objective);
    CHECK(best.objective > base.objective + 0.1);  // the planted biases are there to be removed
    CHECK(r.best.budgets == r.search.best_budgets());
    CHECK(r.best.provenance.data_hash == loc.data_hash);

    o.replacement = cirm::replacement::swap;
    CHECK_THROWS_WITH(cirm::search_budgets(source, loc, validation, o), Catch::Contains("swap"));
    CHECK_THROWS_WITH(cirm::parse_sampler("anneal"), Catch::Contains("unknown sampler 'anneal'"));
}
