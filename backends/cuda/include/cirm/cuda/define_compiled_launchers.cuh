#pragma once
/// \file
/// Defines the functions that compiled_launchers.cuh declares. Include it in exactly one .cu file
/// of a program (nvcc compiles the kernels there); every other file, host-compiled or not,
/// includes compiled_launchers.cuh and calls them.

#include "cirm/cuda/compiled_launchers.cuh"
#include "cirm/cuda/kernels.cuh"

namespace cirm::cuda::compiled {

void apply(const device_pin& pin, std::size_t site, const device_view& v, cudaStream_t stream,
           const std::int64_t* last_positions) {
    cuda::apply(pin, site, v, stream, last_positions);
}

void gather_last_tokens(const device_view& v, float* out, std::ptrdiff_t out_sample_stride, cudaStream_t stream,
                        const std::int64_t* last_positions) {
    cuda::gather_last_tokens(v, out, out_sample_stride, stream, last_positions);
}

void gather_last_tokens(const device_view& v, device_collection& into, std::size_t first_sample, std::size_t site,
                        cudaStream_t stream, const std::int64_t* last_positions) {
    cuda::gather_last_tokens(v, into, first_sample, site, stream, last_positions);
}

}  // namespace cirm::cuda::compiled
