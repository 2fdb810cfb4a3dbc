#include <catch2/catch.hpp>

#include <vector>

#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/select/top_bottom_k.hpp"

namespace {
// A table built by hand: 6 neurons × 2 biases, rho[n*2 + b].
cirm::correlation_table hand_table() {
    cirm::correlation_table t;
    t.attributes = {"length", "bold"};
    t.neurons = 6;
    t.samples = 10;
    t.rho = {0.9,  0.0,   // n0
             -0.8, 0.1,   // n1
             0.3,  0.7,   // n2
             0.0,  0.0,   // n3 constant
             -0.1, -0.6,  // n4
             0.3,  0.2};  // n5 (ties n2 on length)
    t.constant = {0, 0, 0, 1, 0, 0};
    t.attribute_constant = {0, 0};
    t.median.assign(6, 0.0f);
    t.mean.assign(6, 0.0f);
    return t;
}
std::vector<std::size_t> flats(const cirm::selection& s) {
    std::vector<std::size_t> v;
    for (const auto& n : s.neurons) v.push_back(n.flat);
    return v;
}
}  // namespace

static_assert(cirm::NeuronSelector<cirm::spearman_top_bottom_k>);

TEST_CASE("top and bottom k per bias, union over biases, provenance kept") {
    const auto t = hand_table();
    const std::vector<std::size_t> k{1, 1};
    const auto sel = cirm::spearman_top_bottom_k{}.select(t, k);
    // length: top n0 (0.9), bottom n1 (-0.8); bold: top n2 (0.7), bottom n4 (-0.6)
    CHECK(flats(sel) == std::vector<std::size_t>{0, 1, 2, 4});
    REQUIRE(sel.neurons[0].chosen_by.size() == 1);
    CHECK(sel.neurons[0].chosen_by[0].bias == "length");
    CHECK(sel.neurons[0].chosen_by[0].rho == 0.9);
    CHECK(sel.neurons[3].chosen_by[0].bias == "bold");
    CHECK(sel.neurons[3].chosen_by[0].rho == -0.6);
}

TEST_CASE("a neuron chosen by several biases is edited once and lists each") {
    const auto t = hand_table();
    const std::vector<std::size_t> k{2, 2};
    const auto sel = cirm::spearman_top_bottom_k{}.select(t, k);
    // length top2: n0 0.9, then n2/n5 tie at 0.3 → n2 (lower index); bottom2: n1 -0.8, n4 -0.1
    // bold top2: n2 0.7, n5 0.2; bottom2: n4 -0.6, n0 0.0 (n0 and n3 tie at 0.0 but n3 is constant)
    CHECK(flats(sel) == std::vector<std::size_t>{0, 1, 2, 4, 5});
    const auto& n2 = sel.neurons[2];
    REQUIRE(n2.chosen_by.size() == 2);
    CHECK(n2.chosen_by[0].bias == "length");
    CHECK(n2.chosen_by[1].bias == "bold");
}

TEST_CASE("constant neurons are never selected and k = 0 leaves a bias out") {
    const auto t = hand_table();
    const std::vector<std::size_t> k{5, 0};  // all five non-constant neurons on each side
    const auto sel = cirm::spearman_top_bottom_k{}.select(t, k);
    CHECK(flats(sel) == std::vector<std::size_t>{0, 1, 2, 4, 5});
    for (const auto& n : sel.neurons) {
        REQUIRE(n.chosen_by.size() == 1);  // in both top and bottom of length, listed once
        CHECK(n.chosen_by[0].bias == "length");
    }
}

TEST_CASE("selector errors: k too large, constant attribute, wrong budget count") {
    auto t = hand_table();
    CHECK_THROWS_WITH(cirm::spearman_top_bottom_k{}.select(t, std::vector<std::size_t>{6, 0}),
                      Catch::Contains("k = 6 for attribute 'length' exceeds the 5 neurons available"));
    CHECK_THROWS_WITH(cirm::spearman_top_bottom_k{}.select(t, std::vector<std::size_t>{1}),
                      Catch::Contains("1 budgets given for 2 biases"));
    t.attribute_constant = {0, 1};
    CHECK_THROWS_WITH(cirm::spearman_top_bottom_k{}.select(t, std::vector<std::size_t>{1, 1}),
                      Catch::Contains("attribute 'bold' was constant"));
    CHECK_NOTHROW(cirm::spearman_top_bottom_k{}.select(t, std::vector<std::size_t>{1, 0}));
}
