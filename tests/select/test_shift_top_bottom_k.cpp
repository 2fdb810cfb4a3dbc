#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <span>
#include <vector>

#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/select/shift_top_bottom_k.hpp"
#include "cirm/testing/small_planted.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {
// 5 neurons × 2 biases; ρ and shift disagree on purpose.
cirm::correlation_table rho_table() {
    cirm::correlation_table t;
    t.attributes = {"length", "bold"};
    t.neurons = 5;
    t.samples = 8;
    t.rho = {0.9,  0.1,   // n0
             0.2,  0.8,   // n1
             -0.7, -0.5,  // n2
             0.1,  0.0,   // n3
             0.0,  0.3};  // n4 constant in the correlation table
    t.constant = {0, 0, 0, 0, 1};
    t.attribute_constant = {0, 0};
    t.median = {1, 2, 3, 4, 5};
    t.mean = {1, 2, 3, 4, 5};
    return t;
}
// columns in the other order, and an extra one, to check that columns are matched by name
cirm::shift_table hand_shifts() {
    cirm::shift_table s;
    s.attributes = {"bold", "extra", "length"};
    s.neurons = 5;
    s.samples = 8;
    s.edited = {8, 8, 8};
    s.shift = {0.0,  0.0, -0.3,  // n0
               0.1,  0.0, 0.2,   // n1
               2.0,  0.0, 0.05,  // n2 constant in the shift table
               -1.5, 0.0, 1.2,   // n3
               9.0,  0.0, 9.0};  // n4
    s.constant = {0, 0, 1, 0, 0};
    return s;
}
std::vector<std::size_t> shift_flats(const cirm::selection& s) {
    std::vector<std::size_t> v;
    for (const auto& n : s.neurons) v.push_back(n.flat);
    return v;
}
}  // namespace

static_assert(cirm::NeuronSelector<cirm::shift_top_bottom_k>);

TEST_CASE("shift selector: top and bottom k by shift, columns matched by name, ρ kept as provenance") {
    const auto t = rho_table();
    const cirm::shift_top_bottom_k selector(hand_shifts());
    // length (shift column 2), eligible n0, n1, n3: top n3 (1.2), bottom n0 (-0.3)
    auto sel = selector.select(t, std::vector<std::size_t>{1, 0});
    CHECK(shift_flats(sel) == std::vector<std::size_t>{0, 3});
    REQUIRE(sel.neurons[1].chosen_by.size() == 1);
    CHECK(sel.neurons[1].chosen_by[0].bias == "length");
    CHECK(sel.neurons[1].chosen_by[0].rho == 0.1);  // n3's ρ for length, not its shift
    // bold (shift column 0): top n1 (0.1) ... n2 would top it (2.0) but is constant in the shifts
    sel = selector.select(t, std::vector<std::size_t>{0, 1});
    CHECK(shift_flats(sel) == std::vector<std::size_t>{1, 3});  // top n1, bottom n3 (-1.5)
    // the method's selector on the same table picks by ρ instead
    const auto by_rho = cirm::spearman_top_bottom_k{}.select(t, std::vector<std::size_t>{1, 0});
    CHECK(shift_flats(by_rho) == std::vector<std::size_t>{0, 2});
    // k = 3 of 3 eligible for both biases: every eligible neuron, once
    sel = selector.select(t, std::vector<std::size_t>{3, 3});
    CHECK(shift_flats(sel) == std::vector<std::size_t>{0, 1, 3});
    CHECK(sel.neurons[0].chosen_by.size() == 2);
}

TEST_CASE("shift selector: errors name what is missing") {
    const auto t = rho_table();
    auto s = hand_shifts();
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{4, 0}),
                      Catch::Contains("k = 4 for attribute 'length' exceeds the 3 neurons available"));
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{1}),
                      Catch::Contains("1 budgets given for 2"));
    s.edited[0] = 0;  // bold's edit applied nowhere
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{0, 1}),
                      Catch::Contains("style edit of 'bold' applied to none"));
    CHECK(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{1, 0}).size() == 2);  // k = 0 for bold is fine
    s = hand_shifts();
    s.attributes = {"x", "extra", "length"};
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{0, 1}),
                      Catch::Contains("no counterfactual shift was measured for attribute 'bold'"));
    s = hand_shifts();
    s.neurons = 4;
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s), Catch::Contains("inconsistent"));
    s.shift.resize(12);
    s.constant.resize(4);
    CHECK_THROWS_WITH(cirm::shift_top_bottom_k(s).select(t, std::vector<std::size_t>{1, 0}),
                      Catch::Contains("4 neurons but the correlation table has 5"));
}

TEST_CASE("shift selector finds the planted neurons of the length and exclamation biases") {
    auto source = cirm::testing::small_planted_source();
    const auto pairs = cirm::testing::make_arithmetic_pairs(200, 17);
    const auto samples = cirm::response_samples(pairs);
    const auto names = cirm::testing::method_names();
    const auto loc = cirm::localize(source, samples, cirm::make_attributes(names));
    const auto shifts = cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples),
                                                            cirm::builtin_style_edits(names));
    REQUIRE(shifts.neurons == loc.table.neurons);
    const cirm::shift_top_bottom_k selector(shifts);
    for (const std::string bias : {"length", "exclamation"}) {
        const auto b = static_cast<std::size_t>(std::find(names.begin(), names.end(), bias) - names.begin());
        std::vector<std::size_t> budgets(names.size(), 0);
        budgets[b] = 4;  // the source plants 4 per side
        std::set<std::size_t> planted;
        for (const auto& p : source.planted())
            if (p.attribute == b) planted.insert(p.flat);
        const auto sel = selector.select(loc.table, budgets);
        std::set<std::size_t> chosen;
        for (const auto& n : sel.neurons) chosen.insert(n.flat);
        INFO("bias " << bias);
        CHECK(chosen == planted);
    }
    // and it drops into the budget search in place of the method's selector
    cirm::budget_search_options o;
    o.k_grid = {0, 4};
    o.trials = 8;
    const auto r = cirm::search_budgets(source, loc, pairs, o, selector);
    CHECK(r.best.edited() == selector.select(loc.table, r.search.best_trial().budgets).size());
    CHECK(r.search.best_trial().objective >= r.search.base_trial().objective);
}
