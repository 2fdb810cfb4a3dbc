#include "engine_test_support.hpp"  // first: Eigen macros shared by every file of this program

#include <catch2/catch.hpp>

#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

static_assert(cirm::PrefixCachingSource<cirm::reference::llama_reward_model>);
static_assert(!cirm::PrefixCachingSource<cirm::testing::planted_source>);

// The method on the real engine: localize over its sites, then search the budgets; trials scored
// over cached prefixes must give the same accuracies as trials scored by full forwards.
TEST_CASE("budget search on the engine: cached trials agree with full forwards") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto pairs = cirm::testing::make_arithmetic_pairs(24, 77);
    const auto samples = cirm::response_samples(pairs);
    const auto loc = cirm::localize(model, samples, cirm::make_attributes(std::vector<std::string>{"length", "bold"}));
    REQUIRE(loc.table.neurons == model.layout().neurons());

    cirm::budget_search_options o;
    o.k_grid = {0, 5, 20, 80};
    o.trials = 8;
    o.sampler = cirm::sampler_kind::random;
    o.seed = 4;
    const auto cached = cirm::search_budgets(model, loc, pairs, o);
    o.use_prefix_cache = false;
    const auto full = cirm::search_budgets(model, loc, pairs, o);
    REQUIRE(cached.search.trials.size() == full.search.trials.size());
    for (std::size_t t = 0; t < full.search.trials.size(); ++t) {
        CHECK(cached.search.trials[t].budgets == full.search.trials[t].budgets);
        CHECK(cached.search.trials[t].objective == full.search.trials[t].objective);
    }
    CHECK(cached.best == full.best);
}
