// make_spec records each site's width and the model's neuron count, so that the pins can refuse
// a spec made for another model.
#include <catch2/catch.hpp>

#include <vector>

#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/select/make_spec.hpp"

namespace {
cirm::site_layout widths_layout() {
    return cirm::site_layout({{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 3},
                              {"model.layers.1.mlp.up_proj", 1, cirm::module_kind::up_proj, 4}});
}
cirm::correlation_table widths_table() {
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

TEST_CASE("make_spec records the width of each site from the layout") {
    const std::vector<std::size_t> k{1};
    const auto s = cirm::make_spec(widths_layout(), widths_table(), flat_1_and_6(), k);
    REQUIRE(s.sites.size() == 2);
    CHECK(s.sites[0].width == 3);
    CHECK(s.sites[1].width == 4);
    CHECK(s.provenance.total_neurons == 7);
}

TEST_CASE("make_spec records the whole model's neuron count when the layout is some of its sites") {
    const std::vector<std::size_t> k{1};
    cirm::spec_options options;
    options.model_neurons = 19;  // the two sites are part of a model of 19 neurons
    const auto s = cirm::make_spec(widths_layout(), widths_table(), flat_1_and_6(), k, options);
    CHECK(s.provenance.total_neurons == 19);
    // a pin over the two sites alone refuses it: they are not the model the spec was made for
    CHECK_THROWS_WITH(cirm::neuron_pin(s, widths_layout()),
                      Catch::Contains("made for a model with 19 neurons, this one has 7"));
    options.model_neurons = 6;  // fewer than the layout's own neurons
    CHECK_THROWS_WITH(cirm::make_spec(widths_layout(), widths_table(), flat_1_and_6(), k, options),
                      "make_spec: the model has 6 neurons, fewer than the layout's 7");
}
