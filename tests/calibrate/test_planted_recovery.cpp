// The method end to end on a synthetic source whose bias neurons are known (cirm/testing/planted_source.hpp):
// localization must find the planted neurons, and pinning them must remove the toy reward's
// dependence on the planted attributes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {
std::vector<cirm::site_info> four_layers() {
    std::vector<cirm::site_info> sites;
    for (int l = 0; l < 4; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        sites.push_back({p + ".self_attn.q_proj", l, cirm::module_kind::q_proj, 48});
        sites.push_back({p + ".mlp.up_proj", l, cirm::module_kind::up_proj, 96});
    }
    return sites;
}
const std::vector<std::string> planted_names{"length", "exclamation", "bold"};

cirm::testing::planted_source make_source() {
    cirm::testing::planted_source::options o;
    o.sites = four_layers();
    o.attributes = cirm::make_attributes(planted_names);
    o.planted_per_side = 8;
    o.seed = 7;
    return cirm::testing::planted_source(std::move(o));
}
}  // namespace

TEST_CASE("localization recovers the planted neurons and pinning removes the planted biases") {
    auto source = make_source();
    const auto pairs = cirm::testing::make_arithmetic_pairs(1000, 11);
    const auto samples = cirm::response_samples(pairs);
    const auto attributes = cirm::make_attributes(planted_names);

    const auto loc =
        cirm::localize(source, samples, attributes, {.batch_size = 64, .sites = {}, .threads = 2, .progress = {}});
    REQUIRE(loc.table.neurons == source.layout().neurons());
    REQUIRE(loc.table.samples == samples.size());

    const std::vector<std::size_t> k(3, 8);  // the planted k per side
    const auto chosen = cirm::spearman_top_bottom_k{}.select(loc.table, k);
    std::set<std::size_t> planted;
    for (const auto& p : source.planted()) planted.insert(p.flat);
    std::size_t hits = 0;
    for (const auto& n : chosen.neurons) hits += planted.count(n.flat);
    const double precision = static_cast<double>(hits) / static_cast<double>(chosen.size());
    INFO("selected " << chosen.size() << ", of them planted " << hits);
    CHECK(precision >= 0.95);

    // the toy reward over the same samples, before and after pinning the selected neurons
    const auto spec = cirm::make_spec(loc.layout, loc.table, chosen, k,
                                      {.replacement = cirm::replacement::median,
                                       .positions = cirm::positions::last_token,
                                       .data_hash = loc.data_hash});
    const cirm::neuron_pin pin(spec, source.layout());
    std::vector<float> base(samples.size()), pinned(samples.size());
    source.score(samples, cirm::no_intervention{}, base);
    source.score(samples, pin, pinned);
    const std::vector<double> base_d(base.begin(), base.end()), pinned_d(pinned.begin(), pinned.end());
    for (std::size_t b = 0; b < planted_names.size(); ++b) {
        std::vector<double> f(samples.size());
        for (std::size_t s = 0; s < samples.size(); ++s) f[s] = loc.attributes.at(s, b);
        const double before = cirm::spearman(base_d, f);
        const double after = cirm::spearman(pinned_d, f);
        INFO(planted_names[b] << ": rho(reward, attribute) " << before << " -> " << after);
        CHECK(std::abs(before) > 0.2);  // the toy RM is biased to begin with
        CHECK(std::abs(after) < 0.05);
    }
}

TEST_CASE("localization keeps only the requested sites and hashes its data") {
    auto source = make_source();
    const auto pairs = cirm::testing::make_arithmetic_pairs(20, 3);
    const auto samples = cirm::response_samples(pairs);
    const auto attributes = cirm::make_attributes(planted_names);
    cirm::localize_options o;
    o.sites = {"model.layers.2.mlp.up_proj", "model.layers.0.self_attn.q_proj"};
    o.batch_size = 7;  // batches that do not divide the sample count
    const auto loc = cirm::localize(source, samples, attributes, o);
    REQUIRE(loc.layout.size() == 2);
    CHECK(loc.layout[0].name == "model.layers.2.mlp.up_proj");
    CHECK(loc.table.neurons == 96 + 48);
    CHECK(loc.data_hash.size() == 64);
    CHECK(loc.data_hash == cirm::hash_samples(samples));
    auto other = samples;
    other[5].response = "changed";
    CHECK(cirm::hash_samples(other) != loc.data_hash);

    o.sites = {"model.layers.9.mlp.up_proj"};
    CHECK_THROWS_WITH(cirm::localize(source, samples, attributes, o),
                      Catch::Contains("unknown site 'model.layers.9.mlp.up_proj'"));
    CHECK_THROWS_WITH(cirm::localize(source, std::span(samples).first(1), attributes, {}),
                      Catch::Contains("need at least 2 samples"));
}
