#include <catch2/catch.hpp>

#include <vector>

#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/testing/small_planted.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

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
    o.on_trial = [&](const cirm::trial&) { ++calls; };
    const auto r = cirm::search_budgets(source, loc, validation, o);
    REQUIRE(r.search.trials.size() == 30);
    CHECK(calls == 30);

    // trial 0 is the base: nothing edited, and its accuracy is the plain RM's
    const auto& base = r.search.base_trial();
    CHECK(base.total_k == 0);
    const auto plain =
        cirm::score_pairs(source, std::span<const cirm::preference_pair>(validation), cirm::no_intervention{});
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
    CHECK_THROWS_WITH(cirm::parse_mode<cirm::sampler_kind>("anneal"), Catch::Contains("unknown sampler 'anneal'"));
}

namespace {

/// The robust accuracy of the rewards `score` gives, recomputed here from its definition: half the
/// accuracy, half the mean over the attributes with an edit of the share of pairs (among those the
/// edit applies to) whose chosen response beats the style-injected rejected one.
template <class Score>
double robust_accuracy_by_hand(const std::vector<cirm::preference_pair>& pairs, const std::vector<std::string>& names,
                               Score&& score, double weight = 0.5) {
    std::size_t right = 0;
    for (const auto& p : pairs) right += score(p.prompt, p.chosen) > score(p.prompt, p.rejected) ? 1 : 0;
    double counterfactual = 0.0;
    std::size_t groups = 0;
    for (const auto& name : names) {
        std::size_t applies = 0, kept = 0;
        for (const auto& p : pairs) {
            const auto edited = cirm::inject_style(name, p.prompt, p.rejected);
            if (!edited) continue;
            ++applies;
            kept += score(p.prompt, p.chosen) > score(p.prompt, *edited) ? 1 : 0;
        }
        if (applies == 0) continue;
        counterfactual += static_cast<double>(kept) / static_cast<double>(applies);
        ++groups;
    }
    return (1.0 - weight) * static_cast<double>(right) / static_cast<double>(pairs.size()) +
           weight * counterfactual / static_cast<double>(groups);
}

}  // namespace

TEST_CASE("the robust objective: half the accuracy, half the accuracy against style-injected rejected responses") {
    auto source = cirm::testing::small_planted_source();
    const auto validation = cirm::testing::make_arithmetic_pairs(120, 41);
    const auto names = cirm::testing::method_names();
    const auto loc = cirm::localize(source, cirm::response_samples(validation), cirm::make_attributes(names));

    cirm::budget_search_options o;
    o.k_grid = {0, 2, 4, 8};
    o.trials = 12;
    o.seed = 1;
    o.objective = cirm::parse_mode<cirm::search_objective>("robust");
    const auto r = cirm::search_budgets(source, loc, validation, o);

    // one reward at a time, without the search's batching: the base trial, then the best trial's spec
    const auto reward = [&](const auto& intervention) {
        return [&source, &intervention](const std::string& prompt, const std::string& response) {
            const std::vector<cirm::sample> one{{prompt, response}};
            return cirm::score_samples(source, std::span<const cirm::sample>(one), intervention, 1).at(0);
        };
    };
    const cirm::no_intervention none;
    CHECK(r.search.base_trial().objective ==
          Approx(robust_accuracy_by_hand(validation, names, reward(none))).margin(1e-12));
    const cirm::neuron_pin pin(r.best, source.layout());
    CHECK(r.search.best_trial().objective ==
          Approx(robust_accuracy_by_hand(validation, names, reward(pin))).margin(1e-12));
    CHECK(r.search.best_trial().objective > r.search.base_trial().objective);  // the planted biases can be removed
    // beside the objective, every trial keeps its plain validation accuracy
    REQUIRE(r.accuracy.size() == r.search.trials.size());
    const auto plain_accuracy = [&](const auto& score) {
        std::size_t right = 0;
        for (const auto& p : validation) right += score(p.prompt, p.chosen) > score(p.prompt, p.rejected) ? 1 : 0;
        return static_cast<double>(right) / static_cast<double>(validation.size());
    };
    CHECK(r.accuracy.front() == Approx(plain_accuracy(reward(none))).margin(1e-12));
    CHECK(r.accuracy[r.search.best] == Approx(plain_accuracy(reward(pin))).margin(1e-12));

    // the plain objective differs on the same search: it is not the robust one under another name
    o.objective = cirm::search_objective::accuracy;
    const auto plain = cirm::search_budgets(source, loc, validation, o);
    CHECK(plain.search.base_trial().objective != Approx(r.search.base_trial().objective).margin(1e-9));
    REQUIRE(plain.accuracy.size() == plain.search.trials.size());
    for (std::size_t i = 0; i < plain.accuracy.size(); ++i)
        CHECK(plain.accuracy[i] == plain.search.trials[i].objective);

    // all the weight on the counterfactual accuracy
    o.objective = cirm::search_objective::robust_accuracy;
    o.robust_weight = 1.0;
    o.trials = 3;
    const auto counterfactual_only = cirm::search_budgets(source, loc, validation, o);
    CHECK(counterfactual_only.search.base_trial().objective ==
          Approx(robust_accuracy_by_hand(validation, names, reward(none), 1.0)).margin(1e-12));
    o.robust_weight = 1.5;
    CHECK_THROWS_WITH(cirm::search_budgets(source, loc, validation, o),
                      Catch::Contains("weight must be in [0, 1], got 1.5"));

    CHECK_THROWS_WITH(cirm::parse_mode<cirm::search_objective>("flips"),
                      Catch::Contains("unknown search objective 'flips'"));
}

TEST_CASE("the robust objective needs an attribute that has a style edit") {
    auto source = cirm::testing::small_planted_source();
    const auto validation = cirm::testing::make_arithmetic_pairs(40, 43);
    const std::vector<std::string> names{"emoji", "headers"};  // no style edit exists for these
    const auto loc = cirm::localize(source, cirm::response_samples(validation), cirm::make_attributes(names));
    cirm::budget_search_options o;
    o.k_grid = {0, 2};
    o.trials = 2;
    o.objective = cirm::search_objective::robust_accuracy;
    CHECK_THROWS_WITH(cirm::search_budgets(source, loc, validation, o),
                      Catch::Contains("robust objective needs an attribute with a style edit"));
}
