// The pins refuse a spec made for another model (spec::validate_against): a site the layout lacks,
// a site whose recorded width differs, or a recorded total neuron count that differs, each named
// with both numbers. A spec that records no width (hand-made) is checked by its indices only.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cirm/intervene/direction_pin.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/intervene/spec_pin.hpp"

namespace {

/// Two layers of one site each; widths 2560 (5,120 neurons) or 3328 (6,656 neurons).
cirm::site_layout two_layers(std::size_t width) {
    return cirm::site_layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, width},
                              {"model.layers.1.mlp.up_proj", 1, cirm::module_kind::up_proj, width}});
}

/// One neuron of layer 1, recorded as made for `two_layers(width)`.
cirm::spec made_for(std::size_t width) {
    cirm::spec s;
    s.sites = {{.name = "model.layers.1.mlp.up_proj", .indices = {7}, .values = {0.5f}, .width = width}};
    s.provenance.total_neurons = 2 * width;
    return s;
}

cirm::spec one_direction(std::size_t width, const std::string& site) {
    cirm::spec s;
    std::vector<float> u(width, 0.0f);
    u[0] = 1.0f;
    s.sites = {{.name = site, .directions = {{"length", 0.25f, u}}, .width = width}};
    s.provenance.total_neurons = 2 * width;
    return s;
}

}  // namespace

TEST_CASE("a spec made for the model is accepted by every pin") {
    const auto layout = two_layers(2560);
    CHECK(cirm::neuron_pin(made_for(2560), layout).edited() == 1);
    CHECK(cirm::spec_pin(made_for(2560), layout).edited() == 1);
    CHECK(cirm::direction_pin(one_direction(2560, "model.layers.0.mlp.up_proj"), layout).pinned() == 1);
}

TEST_CASE("a spec whose site widths differ from the model's is refused, naming the site and both widths") {
    const auto bigger = two_layers(3328);
    const std::string message = "site 'model.layers.1.mlp.up_proj' has width 2560 in the spec, but 3328 in this model";
    CHECK_THROWS_WITH(cirm::neuron_pin(made_for(2560), bigger), Catch::Contains(message));
    CHECK_THROWS_WITH(cirm::spec_pin(made_for(2560), bigger), Catch::Contains(message));
    CHECK_THROWS_WITH(cirm::direction_pin(one_direction(2560, "model.layers.1.mlp.up_proj"), bigger),
                      Catch::Contains(message));
}

TEST_CASE("a spec whose total neuron count differs from the model's is refused with both numbers") {
    // the widths are not recorded (a hand-made spec or an older file): the total still catches it
    cirm::spec s = made_for(2560);
    s.sites[0].width = 0;
    CHECK_THROWS_WITH(cirm::neuron_pin(s, two_layers(3328)),
                      Catch::Contains("made for a model with 5120 neurons, this one has 6656"));
    CHECK_THROWS_WITH(cirm::spec_pin(s, two_layers(3328)),
                      Catch::Contains("made for a model with 5120 neurons, this one has 6656"));
    // a total of 0 is not recorded: only the sites and indices are checked
    s.provenance.total_neurons = 0;
    CHECK(cirm::neuron_pin(s, two_layers(3328)).edited() == 1);
}

TEST_CASE("a spec naming a site the model does not have is refused by name") {
    cirm::spec s = made_for(2560);
    s.sites[0].name = "model.layers.5.mlp.up_proj";
    CHECK_THROWS_WITH(cirm::neuron_pin(s, two_layers(2560)),
                      Catch::Contains("spec names site 'model.layers.5.mlp.up_proj', which the model does not have"));
    CHECK_THROWS_WITH(cirm::direction_pin(one_direction(2560, "model.layers.5.mlp.up_proj"), two_layers(2560)),
                      Catch::Contains("site 'model.layers.5.mlp.up_proj', which the model does not have"));
}

TEST_CASE("a recorded width must hold the site's indices and directions") {
    cirm::spec s = made_for(8);
    s.sites[0].indices = {8};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("neuron 8 of site 'model.layers.1.mlp.up_proj' is out of range "
                                                    "(the spec records width 8)"));
    cirm::spec d = one_direction(8, "model.layers.0.mlp.up_proj");
    d.sites[0].width = 9;
    CHECK_THROWS_WITH(d.validate(), Catch::Contains("have 8 components, but the spec records width 9"));
}

TEST_CASE("a pin checks the layout it is used with against the one it was built for") {
    cirm::spec s = made_for(4);
    s.sites[0].indices = {3};
    const cirm::neuron_pin pin(s, two_layers(4));
    CHECK(pin.sites() == 2);
    CHECK(pin.width(1) == 4);
    CHECK_NOTHROW(pin.check_layout(two_layers(4), "test"));
    CHECK_THROWS_WITH(pin.check_layout(two_layers(5), "test"),
                      "test: site 'model.layers.0.mlp.up_proj' has width 5, the pin was built for width 4");
    const std::vector<float> flat(10, 1.0f);
    CHECK_THROWS_WITH(pin.gather(two_layers(5), flat),
                      Catch::Contains("neuron_pin::gather: site 'model.layers.0.mlp.up_proj' has width 5"));
    std::vector<float> activations(8, 0.0f);
    activations[4 + 3] = 2.5f;  // layer 1's neuron 3
    CHECK(pin.gather(two_layers(4), activations) == std::vector<float>{2.5f});
}
