// Localization needs only collection (calibrate/localize.hpp): a model that collects activations
// but cannot score goes through localize, and so does an activation store the caller filled by
// hand; a constant attribute is reported as constant and no neuron is selected for it.
#include <catch2/catch.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"

namespace {

cirm::site_layout two_sites() {
    return cirm::site_layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 3},
                              {"model.layers.1.mlp.up_proj", 1, cirm::module_kind::up_proj, 2}});
}

std::size_t count_of(std::string_view text, char c) {
    std::size_t n = 0;
    for (char x : text) n += x == c;
    return n;
}

/// Site 0: [bytes of the response, its '!' count, 1 (constant)]; site 1: [−bytes, bytes mod 4].
std::vector<float> activations_of(const cirm::sample& s, std::size_t site) {
    const auto bytes = static_cast<float>(s.response.size());
    if (site == 0) return {bytes, static_cast<float>(count_of(s.response, '!')), 1.0f};
    return {-bytes, static_cast<float>(s.response.size() % 4)};
}

/// Collects, does not score: an ActivationCollector that is no ActivationSource.
struct collect_only {
    cirm::site_layout layout_ = two_sites();
    const cirm::site_layout& layout() const { return layout_; }
    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) {
        for (std::size_t b = 0; b < batch.size(); ++b)
            for (std::size_t s = 0; s < layout_.size(); ++s) sink.put(b, s, activations_of(batch[b], s));
    }
};
static_assert(cirm::ActivationCollector<collect_only>);
static_assert(!cirm::ActivationSource<collect_only>);

// Response lengths (ASCII, so bytes = code points) 1, 3, 4, 6, 8, 9; '!' counts 0, 1, 0, 2, 1, 2;
// no response has "**", so bold is 0 on every sample.
std::vector<cirm::sample> six_samples() {
    return {{"q", "a"}, {"q", "bb!"}, {"q", "cccc"}, {"q", "dddd!!"}, {"q", "eeeeeee!"}, {"q", "fffffff!!"}};
}

const std::vector<std::string> collector_attribute_names{"length", "exclamation", "bold"};

}  // namespace

TEST_CASE("a model that only collects localizes") {
    collect_only model;
    const auto samples = six_samples();
    const auto attributes = cirm::make_attributes(collector_attribute_names);
    const cirm::localization loc =
        cirm::localize(model, samples, attributes, {.batch_size = 4, .sites = {}, .threads = 1, .progress = {}});

    REQUIRE(loc.table.neurons == 5);
    REQUIRE(loc.table.samples == 6);
    // neuron 0 is the length itself, neuron 3 its negative: ρ = ±1 against length
    CHECK(loc.table.at(0, 0) == Approx(1.0));
    CHECK(loc.table.at(3, 0) == Approx(-1.0));
    // neuron 1 is the '!' count itself
    CHECK(loc.table.at(1, 1) == Approx(1.0));
    // neuron 2 is 1 on every sample
    CHECK(loc.table.constant == std::vector<std::uint8_t>{0, 0, 1, 0, 0});
    // medians by hand: bytes 1 3 4 6 8 9 -> (4 + 6) / 2; '!' 0 0 1 1 2 2 -> 1; bytes mod 4: 1 3 0 2 0 1 -> 1
    CHECK(loc.table.median[0] == 5.0f);
    CHECK(loc.table.median[1] == 1.0f);
    CHECK(loc.table.median[3] == -5.0f);
    CHECK(loc.table.median[4] == 1.0f);
    CHECK(loc.table.mean[0] == Approx(31.0 / 6.0));
    CHECK(loc.data_hash == cirm::hash_samples(samples));
    CHECK(loc.model_neurons == 5);
}

TEST_CASE("a store filled by hand gives the same localization as the model's path") {
    collect_only model;
    const auto samples = six_samples();
    const auto attributes = cirm::make_attributes(collector_attribute_names);
    const cirm::localization from_model = cirm::localize(model, samples, attributes);

    const cirm::site_layout layout = two_sites();
    cirm::activation_store store(layout, samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        for (std::size_t s = 0; s < layout.size(); ++s) store.put(i, s, activations_of(samples[i], s));
    const cirm::localization by_hand =
        cirm::localize(store, cirm::evaluate_attributes(samples, attributes), cirm::hash_samples(samples));

    CHECK(by_hand.layout == from_model.layout);
    CHECK(by_hand.table.attributes == from_model.table.attributes);
    CHECK(by_hand.table.rho == from_model.table.rho);
    CHECK(by_hand.table.constant == from_model.table.constant);
    CHECK(by_hand.table.attribute_constant == from_model.table.attribute_constant);
    CHECK(by_hand.table.median == from_model.table.median);
    CHECK(by_hand.table.mean == from_model.table.mean);
    CHECK(by_hand.attributes.values == from_model.attributes.values);
    CHECK(by_hand.data_hash == from_model.data_hash);
    CHECK(by_hand.model_neurons == from_model.model_neurons);

    // and the same spec from either
    const std::vector<std::size_t> k{1, 1, 0};
    CHECK(cirm::spec_for_budgets(by_hand, k) == cirm::spec_for_budgets(from_model, k));
}

TEST_CASE("localization from a store refuses an incomplete store and mismatched attribute values") {
    const auto samples = six_samples();
    const auto attributes = cirm::make_attributes(collector_attribute_names);
    const cirm::site_layout layout = two_sites();
    cirm::activation_store store(layout, samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) store.put(i, 0, activations_of(samples[i], 0));
    CHECK_THROWS_WITH(cirm::localize(store, cirm::evaluate_attributes(samples, attributes)),
                      Catch::Contains("site 'model.layers.1.mlp.up_proj' of sample 0 was never written"));
    for (std::size_t i = 0; i < samples.size(); ++i) store.put(i, 1, activations_of(samples[i], 1));
    const std::span<const cirm::sample> five(samples.data(), 5);
    CHECK_THROWS_WITH(cirm::localize(store, cirm::evaluate_attributes(five, attributes)),
                      Catch::Contains("the attribute values cover 5 samples, the activation store 6"));
    CHECK_THROWS_WITH(cirm::localize(store, cirm::attribute_values{{}, 6, {}}), Catch::Contains("no bias attributes"));
    CHECK_NOTHROW(cirm::localize(store, cirm::evaluate_attributes(samples, attributes)));
}

TEST_CASE("an attribute constant over the samples is reported as constant and no neuron is selected for it") {
    collect_only model;
    const auto samples = six_samples();
    const cirm::localization loc = cirm::localize(model, samples, cirm::make_attributes(collector_attribute_names));

    // bold is 0 on every sample
    CHECK(loc.table.attribute_constant == std::vector<std::uint8_t>{0, 0, 1});
    CHECK(loc.constant_attributes() == std::vector<std::string>{"bold"});
    for (std::size_t n = 0; n < loc.table.neurons; ++n) CHECK(loc.table.at(n, 2) == 0.0);

    // its budget 0 selects nothing for it, beside the others' neurons
    const cirm::selection chosen = cirm::spearman_top_bottom_k{}.select(loc.table, std::vector<std::size_t>{1, 1, 0});
    REQUIRE_FALSE(chosen.neurons.empty());
    for (const auto& n : chosen.neurons)
        for (const auto& by : n.chosen_by) CHECK(by.bias != "bold");
    CHECK(cirm::spec_for_budgets(loc, std::vector<std::size_t>{0, 0, 0}).edited() == 0);
    // a positive budget for it is refused by name rather than filled with neurons of ρ = 0
    CHECK_THROWS_WITH(cirm::spearman_top_bottom_k{}.select(loc.table, std::vector<std::size_t>{1, 1, 2}),
                      Catch::Contains("attribute 'bold' was constant over the 6 samples"));
}

TEST_CASE("a localization of some sites makes specs that record the whole model and fit it") {
    collect_only model;
    const auto samples = six_samples();
    cirm::localize_options options;
    options.sites = {"model.layers.1.mlp.up_proj"};
    const cirm::localization loc =
        cirm::localize(model, samples, cirm::make_attributes(collector_attribute_names), options);
    REQUIRE(loc.layout.neurons() == 2);
    CHECK(loc.model_neurons == 5);

    const cirm::spec s = cirm::spec_for_budgets(loc, std::vector<std::size_t>{1, 0, 0});
    CHECK(s.provenance.total_neurons == 5);
    REQUIRE(s.sites.size() == 1);
    CHECK(s.sites[0].name == "model.layers.1.mlp.up_proj");
    CHECK(s.sites[0].width == 2);
    const cirm::spec_pin pin(s, model.layout());  // the whole model's layout: accepted
    CHECK(pin.edited() == s.edited());
    CHECK_THROWS_WITH(cirm::spec_pin(s, loc.layout),
                      Catch::Contains("made for a model with 5 neurons, this one has 2"));
}
