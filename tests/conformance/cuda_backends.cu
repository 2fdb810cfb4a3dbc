// The raw CUDA backend under the conformance suite: the case's buffer copied to device memory,
// described by a cirm::cuda::device_view (batch, row and neuron strides), pinned and gathered by
// the kernels on a stream of its own. This file also defines the compiled launchers that the
// torch-cuda backend (a host-compiled file) calls.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "cirm/cuda/cuda.cuh"
#include "cirm/cuda/define_compiled_launchers.cuh"
#include "conformance_cases.hpp"

namespace conformance {

namespace {

/// A stream of its own, so that the kernels' stream parameter is exercised (not the default stream).
struct stream_owner {
    cudaStream_t stream = nullptr;
    stream_owner() { cirm::cuda::check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate"); }
    ~stream_owner() { (void)cudaStreamDestroy(stream); }
    stream_owner(const stream_owner&) = delete;
    stream_owner& operator=(const stream_owner&) = delete;
};

struct device_case {
    cirm::cuda::device_buffer<std::byte> buffer;
    cirm::cuda::device_buffer<std::int64_t> last;
    cirm::cuda::device_view view;

    device_case(const test_case& c, std::span<const std::byte> host)
        : buffer(host, "the case's activations"),
          last(std::span<const std::int64_t>(c.last), "the case's last positions"),
          view(cirm::cuda::make_device_batch_view(buffer.data(), c.type, c.samples, c.tokens, c.width, c.sample_stride,
                                                  c.row_stride, c.neuron_stride)) {}
    const std::int64_t* last_positions() const { return last.size() ? last.data() : nullptr; }
};

}  // namespace

std::vector<backend> cuda_backends() {
    std::vector<backend> out;
    out.push_back({"cuda-raw",
                   [] {
                       return cirm::cuda::device_count() > 0
                                  ? std::string()
                                  : std::string("no CUDA device here (cudaGetDeviceCount found none)");
                   },
                   [](const test_case&) { return true; },
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       const cirm::cuda::device_pin device_pin(pin, the_fixture().layout);
                       stream_owner s;
                       device_case d(c, buffer);
                       cirm::cuda::apply(device_pin, c.site, d.view, s.stream, d.last_positions());
                       cirm::cuda::check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize after the pin");
                       d.buffer.copy_to(buffer, "the case's activations");
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       stream_owner s;
                       device_case d(c, buffer);
                       cirm::cuda::device_buffer<float> gathered(c.samples * c.width, "the gathered activations");
                       cirm::cuda::gather_last_tokens(d.view, gathered.data(), static_cast<std::ptrdiff_t>(c.width),
                                                      s.stream, d.last_positions());
                       cirm::cuda::check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize after the gather");
                       std::vector<float> values(c.samples * c.width);
                       gathered.copy_to(values, "the gathered activations");
                       return values;
                   }});
    return out;
}

}  // namespace conformance
