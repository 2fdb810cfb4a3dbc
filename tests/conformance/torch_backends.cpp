// The libtorch adapter under the conformance suite: the case's buffer as a strided tensor
// ([tokens × width], or [batch × tokens × width] with an int64 tensor of last positions), pinned
// by cirm::libtorch::apply and read by cirm::libtorch::collect_last_tokens. torch-cuda runs the
// same on a copy of the whole buffer on the GPU, pinned by a cirm::cuda::device_pin.
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cirm/libtorch/collect.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "conformance_cases.hpp"
#if defined(CIRM_CONFORMANCE_CUDA)
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/error.cuh"
#include "cirm/libtorch/cuda.hpp"
#endif

namespace conformance {

namespace {

torch::ScalarType scalar_type(cirm::dtype t) {
    return t == cirm::dtype::f32 ? torch::kFloat32 : t == cirm::dtype::f16 ? torch::kFloat16 : torch::kBFloat16;
}

/// The case's activations over `flat` (the whole buffer as a 1-D tensor, on any device).
torch::Tensor activations(const test_case& c, const torch::Tensor& flat) {
    const auto T = static_cast<std::int64_t>(c.tokens), W = static_cast<std::int64_t>(c.width);
    if (!c.batched) return flat.as_strided({T, W}, {c.row_stride, c.neuron_stride});
    return flat.as_strided({static_cast<std::int64_t>(c.samples), T, W},
                           {c.sample_stride, c.row_stride, c.neuron_stride});
}

torch::Tensor last_positions(const test_case& c) {
    if (c.last.empty()) return {};
    return torch::tensor(c.last, torch::kInt64);
}

torch::Tensor host_buffer(const test_case& c, std::span<std::byte> buffer) {
    return torch::from_blob(buffer.data(), {static_cast<std::int64_t>(c.elements)}, scalar_type(c.type));
}

/// Receives collect_last_tokens' rows.
struct rows_sink {
    const test_case* c;
    std::vector<float>* out;
    void put(std::size_t b, std::size_t, std::span<const float> values) {
        std::copy(values.begin(), values.end(), out->begin() + static_cast<std::ptrdiff_t>(b * c->width));
    }
};

std::vector<float> collect(const test_case& c, const torch::Tensor& flat, const torch::Tensor& last) {
    std::vector<float> values(c.samples * c.width);
    rows_sink sink{&c, &values};
    cirm::libtorch::collect_last_tokens(sink, the_fixture().layout, c.site, activations(c, flat), last);
    return values;
}

#if defined(CIRM_CONFORMANCE_CUDA)
std::string torch_cuda_unavailable() {
    if (!torch::cuda::is_available())
        return "libtorch here has no usable CUDA device (torch::cuda::is_available() is false; Debian's libtorch is CPU-only)";
    return "";
}
#endif

}  // namespace

std::vector<backend> torch_backends() {
    std::vector<backend> out;
    out.push_back({"torch-cpu", [] { return std::string(); }, [](const test_case&) { return true; },
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       torch::NoGradGuard no_grad;
                       cirm::libtorch::apply(pin, the_fixture().layout, c.site, activations(c, host_buffer(c, buffer)),
                                             last_positions(c));
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       return collect(c, host_buffer(c, buffer), last_positions(c));
                   }});
#if defined(CIRM_CONFORMANCE_CUDA)
    out.push_back({"torch-cuda", torch_cuda_unavailable, [](const test_case&) { return true; },
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       torch::NoGradGuard no_grad;
                       const cirm::cuda::device_pin device_pin(pin, the_fixture().layout);
                       auto flat = host_buffer(c, buffer).to(torch::kCUDA);
                       auto last = last_positions(c);
                       if (last.defined()) last = last.to(torch::kCUDA);
                       // libtorch runs on the legacy default stream unless told otherwise; so does this.
                       cirm::libtorch::apply(device_pin, the_fixture().layout, c.site, activations(c, flat), nullptr,
                                             last);
                       const auto back = flat.to(torch::kCPU);  // waits for the kernel
                       std::memcpy(buffer.data(), back.data_ptr(), buffer.size());
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       auto flat = host_buffer(c, buffer).to(torch::kCUDA);
                       auto last = last_positions(c);
                       if (last.defined()) last = last.to(torch::kCUDA);
                       return collect(c, flat, last);
                   }});
#endif
    return out;
}

}  // namespace conformance
