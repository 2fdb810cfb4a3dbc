#include <catch2/catch.hpp>

#include <vector>

#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/select/make_spec.hpp"

namespace {
cirm::site_layout two_sites() {
    return cirm::site_layout({{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 3},
                              {"model.layers.1.mlp.up_proj", 1, cirm::module_kind::up_proj, 4}});
}
cirm::correlation_table table7() {
    cirm::correlation_table t;
    t.attributes = {"length"};
    t.neurons = 7;
    t.samples = 4;
    t.rho.assign(7, 0.0);
    t.constant.assign(7, 0);
    t.attribute_constant = {0};
    t.median = {10, 11, 12, 13, 14, 15, 16};
    t.mean = {20, 21, 22, 23, 24, 25, 26};
    return t;
}
cirm::selection flat_1_and_6() {
    cirm::selection sel;
    sel.neurons = {{1, {{"length", 0.5}}}, {6, {{"length", 0.3}}}};
    return sel;
}
}  // namespace

TEST_CASE("make_spec groups flat neurons by site with the chosen replacement values") {
    const auto layout = two_sites();
    const auto t = table7();
    cirm::selection sel;
    sel.neurons = {{1, {{"length", 0.5}}}, {3, {{"length", -0.4}}}, {6, {{"length", 0.3}}}};
    const std::vector<std::size_t> k{2};

    const auto median =
        cirm::make_spec(layout, t, sel, k, {cirm::replacement::median, cirm::positions::last_token, "abc"});
    REQUIRE(median.sites.size() == 2);
    CHECK(median.sites[0].name == "model.layers.0.self_attn.q_proj");
    CHECK(median.sites[0].indices == std::vector<std::int64_t>{1});
    CHECK(median.sites[0].values == std::vector<float>{11});
    CHECK(median.sites[1].indices == std::vector<std::int64_t>{0, 3});  // flat 3 → site 1 index 0, flat 6 → index 3
    CHECK(median.sites[1].values == std::vector<float>{13, 16});
    CHECK(median.sites[1].chosen_by[1][0].rho == 0.3);
    CHECK(median.edited() == 3);
    CHECK(median.budgets == std::vector<cirm::bias_budget>{{"length", 2}});
    CHECK(median.provenance.data_hash == "abc");
    CHECK(median.provenance.total_neurons == 7);
    CHECK(median.provenance.samples == 4);

    const auto mean = cirm::make_spec(layout, t, sel, k, {cirm::replacement::mean, cirm::positions::all, ""});
    CHECK(mean.sites[1].values == std::vector<float>{23, 26});
    CHECK(mean.positions == cirm::positions::all);
    const auto zero = cirm::make_spec(layout, t, sel, k, {cirm::replacement::zero, cirm::positions::last_token, ""});
    CHECK(zero.sites[1].values == std::vector<float>{0, 0});
}

TEST_CASE("spec validation names the problem") {
    const auto layout = two_sites();
    cirm::spec s;
    s.sites = {{"model.layers.9.mlp.up_proj", {0}, {1.0f}, {}}};
    CHECK_THROWS_WITH(s.validate_against(layout),
                      Catch::Contains("'model.layers.9.mlp.up_proj', which the model does not have"));
    s.sites = {{"model.layers.1.mlp.up_proj", {4}, {1.0f}, {}}};
    CHECK_THROWS_WITH(s.validate_against(layout),
                      Catch::Contains("neuron 4 of site 'model.layers.1.mlp.up_proj' is out of range"));
    s.sites = {{"model.layers.1.mlp.up_proj", {2, 1}, {1.0f, 2.0f}, {}}};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("not strictly ascending"));
    s.sites = {{"model.layers.1.mlp.up_proj", {1}, {1.0f, 2.0f}, {}}};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("1 indices but 2 values"));
    s.sites = {{"a", {1}, {1.0f}, {}}, {"a", {2}, {1.0f}, {}}};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("site 'a' appears twice"));
}

// make_spec records each site's width and the model's neuron count, so that the pins can refuse
// a spec made for another model.
TEST_CASE("make_spec records the width of each site from the layout") {
    const std::vector<std::size_t> k{1};
    const auto s = cirm::make_spec(two_sites(), table7(), flat_1_and_6(), k);
    REQUIRE(s.sites.size() == 2);
    CHECK(s.sites[0].width == 3);
    CHECK(s.sites[1].width == 4);
    CHECK(s.provenance.total_neurons == 7);
}

TEST_CASE("make_spec records the whole model's neuron count when the layout is some of its sites") {
    const std::vector<std::size_t> k{1};
    cirm::spec_options options;
    options.model_neurons = 19;  // the two sites are part of a model of 19 neurons
    const auto s = cirm::make_spec(two_sites(), table7(), flat_1_and_6(), k, options);
    CHECK(s.provenance.total_neurons == 19);
    // a pin over the two sites alone refuses it: they are not the model the spec was made for
    CHECK_THROWS_WITH(cirm::neuron_pin(s, two_sites()),
                      Catch::Contains("made for a model with 19 neurons, this one has 7"));
    options.model_neurons = 6;  // fewer than the layout's own neurons
    CHECK_THROWS_WITH(cirm::make_spec(two_sites(), table7(), flat_1_and_6(), k, options),
                      "make_spec: the model has 6 neurons, fewer than the layout's 7");
}
