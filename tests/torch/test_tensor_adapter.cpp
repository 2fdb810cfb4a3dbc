// The libtorch tensor adapter: views of strided tensors, in-place interventions on single samples
// and right-padded batches, collection into the core's store, and the error messages for tensors
// it cannot take. Expected values are written out by hand from the tensors' construction.

// libtorch first: its logging (glog) defines a CHECK macro, and catch.hpp, included after it,
// must be the one that defines CHECK here.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "cirm/calibrate/activation_store.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/libtorch/collect.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "cirm/libtorch/tensor_view.hpp"

namespace {
const cirm::site_layout& layout() {
    static const cirm::site_layout l({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 5},
                                      {"model.layers.0.mlp.down_proj", 0, cirm::module_kind::down_proj, 3}});
    return l;
}
/// Neurons 1 and 4 of site 0 pinned to 0.5 and -2.
cirm::neuron_pin make_pin(cirm::positions mode) {
    cirm::spec s;
    s.positions = mode;
    s.sites = {{"model.layers.0.mlp.up_proj", {1, 4}, {0.5f, -2.0f}, {}}};
    return cirm::neuron_pin(s, layout());
}
}  // namespace

TEST_CASE("torch: a transposed [tokens × width] tensor is pinned at its last token only") {
    torch::NoGradGuard no_grad;
    // storage is width-major: t[r][i] = 10·r + i, seen through a transpose (strides 1, 3)
    auto t =
        (torch::arange(3, torch::kFloat32).unsqueeze(1) * 10 + torch::arange(5, torch::kFloat32)).t().contiguous().t();
    REQUIRE(t.stride(1) == 3);
    cirm::libtorch::apply(make_pin(cirm::positions::last_token), layout(), 0, t);
    CHECK(t[2][1].item<float>() == 0.5f);
    CHECK(t[2][4].item<float>() == -2.0f);
    CHECK(t[2][0].item<float>() == 20.0f);
    CHECK(t[1][1].item<float>() == 11.0f);  // earlier tokens untouched
    // site 1 is not edited: nothing happens, even to a tensor of the other width
    auto other = torch::zeros({2, 3});
    cirm::libtorch::apply(make_pin(cirm::positions::last_token), layout(), 1, other);
    CHECK(other.abs().sum().item<float>() == 0.0f);
}

TEST_CASE("torch: a right-padded batch is pinned at each sample's last position, or at all of its rows") {
    torch::NoGradGuard no_grad;
    const auto last = torch::tensor(std::vector<std::int64_t>{1, 3}, torch::kInt64);
    auto t = torch::zeros({2, 4, 5});
    cirm::libtorch::apply(make_pin(cirm::positions::last_token), layout(), 0, t, last);
    CHECK(t[0][1][1].item<float>() == 0.5f);
    CHECK(t[1][3][4].item<float>() == -2.0f);
    CHECK(t[0][3][1].item<float>() == 0.0f);  // padding after sample 0's last token
    CHECK(t.ne(0).sum().item<std::int64_t>() == 4);

    auto all = torch::zeros({2, 4, 5}, torch::kBFloat16);
    cirm::libtorch::apply(make_pin(cirm::positions::all), layout(), 0, all, last);
    // sample 0: rows 0–1, sample 1: rows 0–3, two neurons each → (2 + 4)·2 elements
    CHECK(all.ne(0).sum().item<std::int64_t>() == 12);
    CHECK(all[1][0][4].to(torch::kFloat32).item<float>() == -2.0f);
    CHECK(all[0][2][1].to(torch::kFloat32).item<float>() == 0.0f);

    auto half = torch::zeros({1, 2, 5}, torch::kFloat16);
    cirm::libtorch::apply(make_pin(cirm::positions::last_token), layout(), 0, half);
    CHECK(half[0][1][1].to(torch::kFloat32).item<float>() == 0.5f);
}

TEST_CASE("torch: last-token activations of a batch go into the core's activation store") {
    // t[b][r][i] = 100·b + 10·r + i, sample 0 ends at row 2, sample 1 at row 0
    const auto t = torch::arange(2, torch::kFloat32).view({2, 1, 1}) * 100 +
                   torch::arange(4, torch::kFloat32).view({1, 4, 1}) * 10 +
                   torch::arange(3, torch::kFloat32).view({1, 1, 3});
    cirm::activation_store store(layout(), 3);
    cirm::libtorch::collect_last_tokens(store, 1, layout(), 1, t.to(torch::kFloat16),
                                        torch::tensor(std::vector<std::int64_t>{2, 0}, torch::kInt64));
    CHECK(store.at(1, 5 + 0) == 20.0f);
    CHECK(store.at(1, 5 + 2) == 22.0f);
    CHECK(store.at(2, 5 + 1) == 101.0f);

    const auto v = cirm::libtorch::view<float>(t[1]);
    CHECK(v.tokens == 4);
    CHECK(v(3, 2) == 132.0f);
}

TEST_CASE("torch: tensors the adapter cannot take are refused with a message naming them") {
    torch::NoGradGuard no_grad;
    const auto pin = make_pin(cirm::positions::last_token);
    const auto& l = layout();
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, torch::zeros({2, 5}, torch::kFloat64)),
                      Catch::Contains("'model.layers.0.mlp.up_proj' has dtype Double"));
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, torch::zeros({5})), Catch::Contains("has 1 dimensions"));
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, torch::zeros({2, 6})),
                      Catch::Contains("has width 6 but the site has width 5"));
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, torch::zeros({1, 5}).expand({3, 5})),
                      Catch::Contains("expanded"));
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 2, torch::zeros({2, 5})),
                      Catch::Contains("site 2 is outside the layout"));
    CHECK_THROWS_WITH(
        cirm::libtorch::apply(pin, l, 0, torch::zeros({2, 4, 5}), torch::tensor(std::vector<std::int64_t>{1, 4})),
        Catch::Contains("last position 4 of sample 1") && Catch::Contains("outside its 4 tokens"));
    CHECK_THROWS_WITH(
        cirm::libtorch::apply(pin, l, 0, torch::zeros({2, 4, 5}), torch::tensor(std::vector<float>{1, 2})),
        Catch::Contains("must be a 1-D int64 tensor of 2 values"));
    CHECK_THROWS_WITH(
        cirm::libtorch::apply(pin, l, 0, torch::zeros({4, 5}), torch::tensor(std::vector<std::int64_t>{1})),
        Catch::Contains("per-sample last positions need a [batch × tokens × width] tensor"));
    CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, torch::zeros({2, 5}, torch::Device(torch::kMeta))),
                      Catch::Contains("is on meta; host views need a CPU tensor"));
    CHECK_THROWS_WITH(cirm::libtorch::view<cirm::float16>(torch::zeros({2, 5})),
                      Catch::Contains("holds f32 but a view of f16"));
    {
        torch::AutoGradMode grad(true);
        const auto leaf = torch::zeros({2, 5}, torch::requires_grad());
        CHECK_THROWS_WITH(cirm::libtorch::apply(pin, l, 0, leaf), Catch::Contains("requires grad"));
    }
}
