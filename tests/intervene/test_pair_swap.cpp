#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cirm/intervene/pair_swap.hpp"

namespace {
// A hand-made source: one site of width 2; activation 0 = response length, activation 1 = 1;
// reward = 2·a0 + a1. Derivations below follow from these definitions alone.
struct length_source {
    cirm::site_layout layout_{{{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 2}}};
    const cirm::site_layout& layout() const { return layout_; }
    static std::vector<float> acts(const cirm::sample& x) { return {static_cast<float>(x.response.size()), 1.0f}; }
    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) const {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const auto a = acts(batch[b]);
            sink.put(b, 0, a);
        }
    }
    template <cirm::Intervention I>
    void score(std::span<const cirm::sample> batch, const I& iv, std::span<float> rewards) const {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            auto a = acts(batch[b]);
            iv.apply(0, cirm::make_view(a.data(), 1, 2));
            rewards[b] = 2 * a[0] + a[1];
        }
    }
};
}  // namespace

TEST_CASE("swap scores each response of a pair with the other's edited activations") {
    length_source src;
    cirm::spec s;
    s.replacement = cirm::replacement::swap;
    s.sites = {{"model.layers.0.mlp.up_proj", {0}, {100.0f}, {}}};
    const cirm::neuron_pin pin(s, src.layout());
    const cirm::sample a{"q", "short"}, b{"q", "a much longer one"};
    const auto [ra, rb] = cirm::score_pair_swapped(src, pin, a, b);
    // a gets b's length (17): 2·17 + 1 = 35; b gets a's length (5): 2·5 + 1 = 11
    CHECK(ra == 35.0f);
    CHECK(rb == 11.0f);
    // without a partner, the pin uses its stored value: 2·100 + 1
    float r = 0;
    src.score(std::span<const cirm::sample>(&a, 1), pin, std::span<float>(&r, 1));
    CHECK(r == 201.0f);
}
