// Host tests of the element-wise code the CUDA kernels run (cirm/intervene/pin_kernel.hpp, and
// the device view of cirm/cuda/device_view.cuh): the same functions, compiled by the host
// compiler, so that CI without a GPU checks what a kernel thread does for one element.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "cirm/cuda/device_view.cuh"
#include "cirm/intervene/pin_kernel.hpp"

TEST_CASE("pin_neuron writes one edited neuron of one row, through both strides") {
    // 3 tokens × 4 neurons stored transposed (neuron stride 3, token stride 1): element (t, i) at 3i + t.
    std::vector<float> buffer(12, 0.0f);
    const cirm::activation_view<float> view{buffer.data(), 3, 4, 1, 3};
    const std::vector<std::int64_t> indices{1, 3};
    const std::vector<float> values{0.5f, -2.25f};
    cirm::detail::pin_neuron(view, 2, indices.data(), values.data(), 1);  // neuron 3 of token 2 → 3·3 + 2 = 11
    CHECK(buffer[11] == -2.25f);
    CHECK(buffer[5] == 0.0f);  // neuron 1 of token 2 not written by this thread
    cirm::detail::pin_token(view, 0, indices.data(), values.data(), 2);  // token 0: elements 3 and 9
    CHECK(buffer[3] == 0.5f);
    CHECK(buffer[9] == -2.25f);
    int written = 0;
    for (float v : buffer) written += v != 0.0f;
    CHECK(written == 3);
}

TEST_CASE("pin_neuron rounds to the 16-bit storage type to nearest even") {
    // 1 + 2^-8 lies halfway between the bfloat16 neighbours 1 and 1 + 2^-7 (7 stored mantissa
    // bits): ties go to the even mantissa, 1.0 = 0x3F80. 1 + 3·2^-8 lies halfway between 1 + 2^-7
    // (mantissa 1, odd) and 1 + 2^-6 (mantissa 2, even): 0x3F82.
    std::vector<cirm::bfloat16> bf(2, cirm::bfloat16(0.0f));
    const std::vector<std::int64_t> indices{0, 1};
    const std::vector<float> bf_values{1.00390625f, 1.01171875f};
    cirm::detail::pin_token(cirm::make_view(bf.data(), 1, 2), 0, indices.data(), bf_values.data(), 2);
    CHECK(bf[0].bits == 0x3F80);
    CHECK(bf[1].bits == 0x3F82);
    // binary16 has 10 mantissa bits: 1 + 2^-11 is the tie between 1 (0x3C00) and 1 + 2^-10 → 0x3C00;
    // -0.5 is exact: sign bit, exponent 14 → 0xB800.
    std::vector<cirm::float16> h(2, cirm::float16(0.0f));
    const std::vector<float> h_values{1.00048828125f, -0.5f};
    cirm::detail::pin_token(cirm::make_view(h.data(), 1, 2), 0, indices.data(), h_values.data(), 2);
    CHECK(h[0].bits == 0x3C00);
    CHECK(h[1].bits == 0xB800);
}

TEST_CASE("pinned rows: the last token, or every row, per-sample last positions") {
    std::size_t first = 9, last = 9;
    cirm::detail::pinned_tokens(cirm::positions::last_token, 5, first, last);
    CHECK((first == 4 && last == 5));
    cirm::detail::pinned_tokens(cirm::positions::all, 5, first, last);
    CHECK((first == 0 && last == 5));
    cirm::detail::pinned_tokens(cirm::positions::last_token, 0, first, last);
    CHECK(first == last);  // nothing to pin in an empty view

    const std::vector<std::int64_t> lasts{2, 0, 6};
    CHECK(cirm::detail::sample_tokens(nullptr, 1, 7) == 7);
    CHECK(cirm::detail::sample_tokens(lasts.data(), 0, 7) == 3);
    CHECK(cirm::detail::sample_tokens(lasts.data(), 1, 7) == 1);
    CHECK(cirm::detail::sample_tokens(lasts.data(), 2, 7) == 7);
}

TEST_CASE("gathered_value reads the last row, converted to float") {
    // 2 tokens × 3 neurons, row pitch 4: the last row is elements 4, 5, 6.
    std::vector<cirm::float16> buffer;
    for (float v : {1.0f, 2.0f, 3.0f, 0.0f, -1.5f, 0.25f, 65504.0f, 0.0f}) buffer.push_back(cirm::float16(v));
    const cirm::activation_view<cirm::float16> view{buffer.data(), 2, 3, 4, 1};
    CHECK(cirm::detail::gathered_value(view, 0) == -1.5f);
    CHECK(cirm::detail::gathered_value(view, 1) == 0.25f);
    CHECK(cirm::detail::gathered_value(view, 2) == 65504.0f);  // the largest finite half
}

TEST_CASE("device views: a sample's rows as an activation view, overlapping or bad strides are refused") {
    // 2 samples × 3 rows × 4 neurons, row pitch 5, sample pitch 16 (one spare row between samples).
    std::vector<float> buffer(32, 0.0f);
    const auto v = cirm::cuda::make_device_batch_view(buffer.data(), cirm::dtype::f32, 2, 3, 4, 16, 5);
    const auto second = cirm::cuda::sample_view<float>(v, 1, 2);  // rows 0 … 1 of sample 1
    CHECK(&second(1, 3) == &buffer[16 + 5 + 3]);
    CHECK(second.tokens == 2);

    CHECK_THROWS_WITH(cirm::cuda::make_device_view(buffer.data(), cirm::dtype::f32, 3, 4, 3),
                      Catch::Contains("overlap"));
    CHECK_THROWS_WITH(cirm::cuda::make_device_batch_view(buffer.data(), cirm::dtype::f32, 2, 3, 4, 10, 5),
                      Catch::Contains("overlap"));
    CHECK_THROWS_WITH(cirm::cuda::make_device_view(nullptr, cirm::dtype::f16, 3, 4, 4),
                      Catch::Contains("null device pointer"));
    CHECK_THROWS_WITH(cirm::cuda::make_device_view(buffer.data(), cirm::dtype::f32, 3, 4, -4),
                      Catch::Contains("row stride is -4"));
    // one row: its stride does not matter
    CHECK(cirm::cuda::make_device_view(buffer.data(), cirm::dtype::f32, 1, 4, 0).row_stride == 4);
}

TEST_CASE("direction_dot sums a row's component along a direction, whole or one slice of it") {
    // 2 tokens × 4 neurons, row pitch 5: row 1 is elements 5 … 8.
    std::vector<float> buffer{0, 0, 0, 0, 0, 1.0f, -2.0f, 0.5f, 4.0f, 0};
    const cirm::activation_view<float> view{buffer.data(), 2, 4, 5, 1};
    const std::vector<float> u{0.5f, 0.25f, -1.0f, 0.125f};
    // 0.5·1 + 0.25·(−2) + (−1)·0.5 + 0.125·4 = 0.5 − 0.5 − 0.5 + 0.5 = 0
    CHECK(cirm::detail::direction_dot(view, 1, u.data(), 4, 0, 1) == 0.0f);
    // the slices a block of 2 threads takes: neurons 0, 2 and neurons 1, 3
    CHECK(cirm::detail::direction_dot(view, 1, u.data(), 4, 0, 2) == 0.0f);  // 0.5 − 0.5
    CHECK(cirm::detail::direction_dot(view, 1, u.data(), 4, 1, 2) == 0.0f);  // −0.5 + 0.5
    CHECK(cirm::detail::direction_dot(view, 1, u.data(), 4, 3, 4) == 0.5f);  // neuron 3 alone
    CHECK(cirm::detail::direction_dot(view, 0, u.data(), 4, 0, 1) == 0.0f);  // row 0 is all zeros
    CHECK(cirm::detail::direction_dot(view, 1, u.data(), 4, 4, 1) == 0.0f);  // an empty slice
}

TEST_CASE("shift_neuron adds the corrections of a chunk in order and rounds once") {
    // one row of 3 neurons, transposed storage (neuron stride 2); two directions e_0 and e_2.
    std::vector<float> buffer{1.0f, 9.0f, 2.0f, 9.0f, 3.0f, 9.0f};
    const cirm::activation_view<float> view{buffer.data(), 1, 3, 1, 2};
    const std::vector<float> u{1, 0, 0, 0, 0, 1};
    const std::vector<float> delta{cirm::detail::pinned_delta(5.0f, 1.0f), cirm::detail::pinned_delta(-1.0f, 3.0f)};
    CHECK(delta[0] == 4.0f);
    CHECK(delta[1] == -4.0f);
    for (std::size_t n = 0; n < 3; ++n) cirm::detail::shift_neuron(view, 0, n, u.data(), 3, delta.data(), 2);
    CHECK(buffer == std::vector<float>{5.0f, 9.0f, 2.0f, 9.0f, -1.0f, 9.0f});

    // bfloat16 (7 stored mantissa bits) rounds the float sum once: two corrections of 2^-9 make
    // 1 + 2^-8, the tie between 1 (0x3F80) and 1 + 2^-7, which goes to even: 1.0 stays. Three
    // make 1 + 3·2^-9, above the tie: 1 + 2^-7 = 0x3F81 (rounded after each correction, the row
    // would have stayed at 1.0).
    std::vector<cirm::bfloat16> bf(1, cirm::bfloat16(1.0f));
    const std::vector<float> ones{1.0f, 1.0f, 1.0f};
    const std::vector<float> small{0.001953125f, 0.001953125f, 0.001953125f};  // 2^-9
    cirm::detail::shift_neuron(cirm::make_view(bf.data(), 1, 1), 0, 0, ones.data(), 1, small.data(), 2);
    CHECK(bf[0].bits == 0x3F80);
    cirm::detail::shift_neuron(cirm::make_view(bf.data(), 1, 1), 0, 0, ones.data(), 1, small.data(), 3);
    CHECK(bf[0].bits == 0x3F81);
}
