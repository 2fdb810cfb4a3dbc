#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "cirm/calibrate/activation_store.hpp"

namespace {
cirm::site_layout layout3() {
    return cirm::site_layout({{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 2},
                              {"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 3},
                              {"model.layers.1.mlp.down_proj", 1, cirm::module_kind::down_proj, 2}});
}
}  // namespace

TEST_CASE("the store is filled site by site in batches and reads back as a samples × neurons matrix") {
    const auto layout = layout3();
    cirm::activation_store store(layout, 3);
    CHECK(store.neurons() == 7);
    CHECK(store.bytes() == 3 * 7 * sizeof(float) + 3 * 3);
    for (std::size_t first : {0u, 2u}) {
        auto sink = store.batch(first);
        for (std::size_t b = 0; b < (first == 0 ? 2u : 1u); ++b)
            for (std::size_t s = 0; s < 3; ++s) {
                std::vector<float> v(layout[s].width);
                for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(100 * (first + b) + 10 * s + i);
                sink.put(b, s, v);
            }
    }
    CHECK_NOTHROW(store.check_complete());
    CHECK(store.at(2, 3) == 211.0f);  // sample 2, flat 3 = site 1 index 1
    CHECK(store.row(1)[6] == 121.0f);
}

TEST_CASE("the store keeps only the chosen sites, in the chosen order") {
    const auto layout = layout3();
    const std::vector<std::size_t> keep{2, 0};
    cirm::activation_store store(layout, keep, 1);
    CHECK(store.layout().size() == 2);
    CHECK(store.layout()[0].name == "model.layers.1.mlp.down_proj");
    CHECK(store.neurons() == 4);
    store.put(0, 1, std::vector<float>{9, 9, 9});  // not kept: ignored
    store.put(0, 2, std::vector<float>{1, 2});
    CHECK_THROWS_WITH(store.check_complete(),
                      Catch::Contains("site 'model.layers.0.self_attn.q_proj' of sample 0 was never written"));
    store.put(0, 0, std::vector<float>{3, 4});
    CHECK_NOTHROW(store.check_complete());
    CHECK(store.row(0)[0] == 1.0f);
    CHECK(store.row(0)[3] == 4.0f);
}

TEST_CASE("the store refuses NaN and infinite activations naming site, neuron and sample") {
    cirm::activation_store store(layout3(), 4);
    CHECK_THROWS_WITH(store.put(3, 1, std::vector<float>{0, std::numeric_limits<float>::quiet_NaN(), 0}),
                      "activation of site 'model.layers.0.mlp.up_proj' neuron 1 is NaN for sample 3");
    CHECK_THROWS_WITH(store.put(2, 0, std::vector<float>{std::numeric_limits<float>::infinity(), 0}),
                      "activation of site 'model.layers.0.self_attn.q_proj' neuron 0 is infinite for sample 2");
}

TEST_CASE("the store refuses wrong widths, unknown samples and double writes") {
    cirm::activation_store store(layout3(), 2);
    CHECK_THROWS_WITH(store.put(0, 0, std::vector<float>{1}), Catch::Contains("has width 2 but 1 values were given"));
    CHECK_THROWS_WITH(store.put(5, 0, std::vector<float>{1, 2}), Catch::Contains("sample 5 is out of range"));
    store.put(0, 0, std::vector<float>{1, 2});
    CHECK_THROWS_WITH(store.put(0, 0, std::vector<float>{1, 2}), Catch::Contains("written twice"));
    CHECK_THROWS_WITH(cirm::activation_store(layout3(), 0), Catch::Contains("no samples"));
}
