#pragma once
/// \file
/// The kernel launchers as ordinary functions that host-compiled files can call: a libtorch
/// file or an engine built by g++ includes this header, and exactly one .cu file of the program
/// defines the functions by including cirm/cuda/define_compiled_launchers.cuh. They behave as
/// cirm::cuda::apply and cirm::cuda::gather_last_tokens of kernels.cuh (same checks, same
/// stream semantics).

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "cirm/cuda/device_collection.cuh"
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/device_view.cuh"

namespace cirm::cuda::compiled {

/// See cirm::cuda::apply (kernels.cuh).
void apply(const device_pin& pin, std::size_t site, const device_view& v, cudaStream_t stream,
           const std::int64_t* last_positions = nullptr);

/// See cirm::cuda::gather_last_tokens (kernels.cuh).
void gather_last_tokens(const device_view& v, float* out, std::ptrdiff_t out_sample_stride, cudaStream_t stream,
                        const std::int64_t* last_positions = nullptr);

/// See cirm::cuda::gather_last_tokens (kernels.cuh), into a collection buffer.
void gather_last_tokens(const device_view& v, device_collection& into, std::size_t first_sample, std::size_t site,
                        cudaStream_t stream, const std::int64_t* last_positions = nullptr);

}  // namespace cirm::cuda::compiled
