#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "cirm/intervene/neuron_pin.hpp"

namespace {
cirm::site_layout layout3() {
    return cirm::site_layout({{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 4},
                              {"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 5},
                              {"model.layers.1.mlp.down_proj", 1, cirm::module_kind::down_proj, 3}});
}
cirm::spec spec_for(cirm::positions p) {
    cirm::spec s;
    s.positions = p;
    s.sites = {{"model.layers.0.mlp.up_proj", {1, 4}, {7.5f, -2.25f}, {}},
               {"model.layers.0.self_attn.q_proj", {0}, {3.0f}, {}}};  // order of sites in a spec is free
    return s;
}
}  // namespace

TEST_CASE("a last-token pin overwrites exactly the edited neurons of the last row") {
    const auto layout = layout3();
    const cirm::neuron_pin pin(spec_for(cirm::positions::last_token), layout);
    CHECK(pin.edited() == 3);
    CHECK(pin.touches(0));
    CHECK(pin.touches(1));
    CHECK_FALSE(pin.touches(2));
    CHECK_FALSE(pin.touches(99));

    std::vector<float> acts(3 * 5, 1.0f);  // 3 tokens × width 5, row-major
    pin.apply(1, cirm::make_view(acts.data(), 3, 5));
    std::vector<float> expected(15, 1.0f);
    expected[2 * 5 + 1] = 7.5f;
    expected[2 * 5 + 4] = -2.25f;
    CHECK(acts == expected);
}

TEST_CASE("an all-positions pin overwrites every row, strided and column-major views work") {
    const auto layout = layout3();
    const cirm::neuron_pin pin(spec_for(cirm::positions::all), layout);
    // column-major 2 tokens × 5 neurons inside a buffer with padding: element (t, n) at n*3 + t
    std::vector<float> buf(5 * 3, 0.0f);
    pin.apply(1, cirm::activation_view<float>{buf.data(), 2, 5, 1, 3});
    std::vector<float> expected(15, 0.0f);
    for (std::size_t t = 0; t < 2; ++t) {
        expected[1 * 3 + t] = 7.5f;
        expected[4 * 3 + t] = -2.25f;
    }
    CHECK(buf == expected);
}

TEST_CASE("pins write float16 and bfloat16 storage with correct rounding") {
    const auto layout = layout3();
    const cirm::neuron_pin pin(spec_for(cirm::positions::last_token), layout);
    std::vector<cirm::float16> h(5, cirm::float16(0.0f));
    pin.apply(1, cirm::make_view(h.data(), 1, 5));
    CHECK(h[1].bits == 0x4780);  // 7.5 = 1.875·2^2: sign 0, exp 17, mantissa 0x380
    CHECK(h[4].bits == 0xc080);  // -2.25 = -1.125·2^1: exp 16, mantissa 0x080
    CHECK(h[0].bits == 0);
    std::vector<cirm::bfloat16> b(5, cirm::bfloat16(0.0f));
    pin.apply(1, cirm::make_view(b.data(), 1, 5));
    CHECK(b[1].bits == 0x40f0);  // 7.5f = 0x40f00000
    CHECK(b[4].bits == 0xc010);  // -2.25f = 0xc0100000
}

TEST_CASE("gather and with_values give the pin other values for the same neurons") {
    const auto layout = layout3();
    const cirm::neuron_pin pin(spec_for(cirm::positions::last_token), layout);
    std::vector<float> flat(layout.neurons());
    for (std::size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<float>(i) * 10.0f;
    const auto g = pin.gather(layout, flat);
    // order: site 0 (q_proj) index 0 → flat 0; site 1 (up_proj) indices 1, 4 → flat 5, 8
    CHECK(g == std::vector<float>{0.0f, 50.0f, 80.0f});
    const auto other = pin.with_values(g);
    std::vector<float> row(5, 1.0f);
    other.apply(1, cirm::make_view(row.data(), 1, 5));
    CHECK(row == std::vector<float>{1, 50, 1, 1, 80});
    CHECK_THROWS_WITH(pin.with_values(std::vector<float>{1.0f}), Catch::Contains("1 values for 3 edited neurons"));
}

TEST_CASE("a pin is rejected when its spec does not fit the model") {
    const auto layout = layout3();
    cirm::spec s;
    s.sites = {{"model.layers.7.mlp.up_proj", {0}, {1.0f}, {}}};
    CHECK_THROWS_WITH(cirm::neuron_pin(s, layout), Catch::Contains("does not have"));
}

TEST_CASE("one pin applied from several threads at once gives the same result as sequentially") {
    const auto layout = layout3();
    const cirm::neuron_pin pin(spec_for(cirm::positions::all), layout);
    std::vector<std::vector<float>> buffers(4, std::vector<float>(64 * 5, 2.0f));
    std::vector<std::thread> threads;
    for (auto& b : buffers)
        threads.emplace_back([&pin, &b] {
            for (int rep = 0; rep < 100; ++rep) pin.apply(1, cirm::make_view(b.data(), 64, 5));
        });
    for (auto& t : threads) t.join();
    for (const auto& b : buffers)
        for (std::size_t t = 0; t < 64; ++t) {
            CHECK(b[t * 5 + 0] == 2.0f);
            CHECK(b[t * 5 + 1] == 7.5f);
            CHECK(b[t * 5 + 4] == -2.25f);
        }
}
