#pragma once
/// \file
/// The CUDA kernels of cirm and their launchers: (a) pin the edited neurons of a site at each
/// sample's last token (or at every position) to the spec's values, (b) gather each sample's
/// last-token activations of a site into a float collection buffer. Both run on the caller's
/// stream; a launch allocates nothing and does not synchronize (only cudaGetLastError is read,
/// which does not wait). The per-element work is the CIRM_HOST_DEVICE code the CPU path runs
/// (cirm/intervene/pin_kernel.hpp), so it is unit-tested on the host.
///
/// Per-sample last positions (`last_positions`, device memory, one int64 per sample, may be
/// null = every sample's last row) follow the CPU adapters: sample b is rows 0 … last[b], its
/// last token is row last[b], and an all-positions pin touches rows 0 … last[b]. They are not
/// checked on the device (that would need a copy back); each must lie in [0, rows).
///
/// Defines kernels: include it from a .cu file that nvcc compiles. The other headers of
/// cirm::cuda (device_pin, device_collection, device_view) compile with the host compiler.

#if !defined(__CUDACC__)
#error "cirm/cuda/kernels.cuh defines CUDA kernels: include it from a .cu source compiled by nvcc"
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <cuda_runtime.h>

#include "cirm/cuda/device_collection.cuh"
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/device_view.cuh"
#include "cirm/cuda/error.cuh"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/pin_kernel.hpp"

namespace cirm::cuda {

namespace kernels {

inline constexpr unsigned threads_per_block = 256;

/// One thread per (sample, pinned row, edited neuron), in a grid-stride loop.
template <class T>
__global__ void pin_rows(device_view v, const std::int64_t* last_positions, const std::int64_t* indices,
                         const float* values, std::size_t count, positions mode) {
    const std::size_t rows_per_sample = mode == positions::all ? v.rows : 1;
    const std::size_t total = v.samples * rows_per_sample * count;
    const std::size_t step = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t e = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += step) {
        const std::size_t neuron = e % count;
        const std::size_t rest = e / count;
        const std::size_t sample = rest / rows_per_sample;
        const std::size_t tokens = cirm::detail::sample_tokens(last_positions, sample, v.rows);
        std::size_t first = 0, last = 0;
        cirm::detail::pinned_tokens(mode, tokens, first, last);
        const std::size_t row = first + rest % rows_per_sample;
        if (row < last) cirm::detail::pin_neuron(sample_view<T>(v, sample, tokens), row, indices, values, neuron);
    }
}

/// One thread per (sample, neuron): out[sample·out_stride + neuron] = the last token's value.
template <class T>
__global__ void gather_last_tokens(device_view v, const std::int64_t* last_positions, float* out,
                                   std::ptrdiff_t out_stride) {
    const std::size_t total = v.samples * v.width;
    const std::size_t step = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t e = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += step) {
        const std::size_t neuron = e % v.width;
        const std::size_t sample = e / v.width;
        const std::size_t tokens = cirm::detail::sample_tokens(last_positions, sample, v.rows);
        out[static_cast<std::ptrdiff_t>(sample) * out_stride + static_cast<std::ptrdiff_t>(neuron)] =
            cirm::detail::gathered_value(sample_view<T>(v, sample, tokens), neuron);
    }
}

/// Enough blocks for `total` threads, capped: the kernels loop over the rest.
inline unsigned blocks_for(std::size_t total) noexcept {
    const std::size_t blocks = (total + threads_per_block - 1) / threads_per_block;
    return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, 65535));
}

/// Calls f(T{}) for the element type T that `type` names.
template <class F>
void with_element_type(dtype type, F&& f) {
    switch (type) {
        case dtype::f32: f(float{}); return;
        case dtype::f16: f(float16{}); return;
        case dtype::bf16: f(bfloat16{}); return;
    }
    throw error("cirm::cuda: unknown element type");
}

}  // namespace kernels

/// Overwrites the edited neurons of layout site `site` in `v` (the site's activations of one
/// sample or of a batch) with the pin's values, on `stream`. Untouched sites cost nothing.
/// Throws cirm::error for a site outside the pin's layout, a width that is not the site's, or a
/// failed launch.
inline void apply(const device_pin& pin, std::size_t site, const device_view& v, cudaStream_t stream,
                  const std::int64_t* last_positions = nullptr) {
    if (site >= pin.sites())
        throw error("cirm::cuda::apply: site " + std::to_string(site) + " is outside the pin's layout (" +
                    std::to_string(pin.sites()) + " sites)");
    if (v.width != pin.width(site))
        throw error("cirm::cuda::apply: the view of site " + std::to_string(site) + " has width " +
                    std::to_string(v.width) + " but the site has width " + std::to_string(pin.width(site)));
    if (!pin.touches(site) || v.empty()) return;
    const std::size_t count = pin.count(site);
    const std::size_t rows_per_sample = pin.mode() == positions::all ? v.rows : 1;
    const unsigned blocks = kernels::blocks_for(v.samples * rows_per_sample * count);
    kernels::with_element_type(v.type, [&](auto element) {
        using T = decltype(element);
        kernels::pin_rows<T><<<blocks, kernels::threads_per_block, 0, stream>>>(
            v, last_positions, pin.device_indices(site), pin.device_values(site), count, pin.mode());
    });
    check(cudaGetLastError(), "launch of the pin kernel for site " + std::to_string(site));
}

/// Writes each sample's last-token activations of `v` as floats to out + b·out_sample_stride
/// (device memory, v.width floats per sample), on `stream`.
inline void gather_last_tokens(const device_view& v, float* out, std::ptrdiff_t out_sample_stride, cudaStream_t stream,
                               const std::int64_t* last_positions = nullptr) {
    if (v.empty()) return;
    if (out == nullptr) throw error("cirm::cuda::gather_last_tokens: null output pointer");
    if (v.samples > 1 && out_sample_stride < static_cast<std::ptrdiff_t>(v.width))
        throw error("cirm::cuda::gather_last_tokens: output stride " + std::to_string(out_sample_stride) +
                    " is below the width " + std::to_string(v.width) + " (samples would overlap)");
    const unsigned blocks = kernels::blocks_for(v.samples * v.width);
    kernels::with_element_type(v.type, [&](auto element) {
        using T = decltype(element);
        kernels::gather_last_tokens<T>
            <<<blocks, kernels::threads_per_block, 0, stream>>>(v, last_positions, out, out_sample_stride);
    });
    check(cudaGetLastError(), "launch of the gather kernel");
}

/// Gathers site `site`'s last-token activations of a batch (v.samples samples) into the rows
/// first_sample … of a collection buffer.
inline void gather_last_tokens(const device_view& v, device_collection& into, std::size_t first_sample,
                               std::size_t site, cudaStream_t stream, const std::int64_t* last_positions = nullptr) {
    if (site >= into.layout().size())
        throw error("cirm::cuda::gather_last_tokens: site " + std::to_string(site) +
                    " is outside the collection's layout");
    const site_info& info = into.layout()[site];
    if (v.width != info.width)
        throw error("cirm::cuda::gather_last_tokens: the view of site '" + info.name + "' has width " +
                    std::to_string(v.width) + " but the site has width " + std::to_string(info.width));
    if (first_sample + v.samples > into.samples())
        throw error("cirm::cuda::gather_last_tokens: samples " + std::to_string(first_sample) + " … " +
                    std::to_string(first_sample + v.samples - 1) + " do not fit the collection of " +
                    std::to_string(into.samples()) + " samples");
    gather_last_tokens(v, into.site_columns(first_sample, site), into.row_stride(), stream, last_positions);
}

}  // namespace cirm::cuda
