#pragma once
/// \file
/// The CUDA kernels of cirm and their launchers: (a) pin the edited neurons and the pinned
/// directions of a site at each sample's last token (or at every position) to the spec's
/// values, as cirm::spec_pin does on the host, (b) gather each sample's
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
#include "cirm/intervene/direction_pin.hpp"
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

/// Threads of a block that pins directions (a multiple of the 32 lanes of a warp).
inline constexpr unsigned direction_threads = 256;
/// Directions whose components one pass over a row reads before writing, as on the host.
inline constexpr std::size_t direction_chunk = direction_pin::chunk;

/// One block per (sample, pinned row), in a grid-stride loop over the rows: for each chunk of
/// up to direction_chunk directions, every thread sums its slice of the row's component along
/// each of them (direction_dot), the warps add up their lanes and one thread per direction the
/// warps, and then every thread moves its own neurons by the chunk's corrections (shift_neuron),
/// as direction_pin does row by row on the host. Only the order of the component's sum differs
/// from the host's (slices, then a tree), so the results agree to float rounding, not bit for bit.
template <class T>
__global__ void __launch_bounds__(direction_threads)
    pin_direction_rows(device_view v, const std::int64_t* last_positions, const float* vectors, const float* values,
                       std::size_t count, positions mode) {
    constexpr unsigned warp_size = 32;
    __shared__ float partial[direction_threads / warp_size][direction_chunk];
    __shared__ float delta[direction_chunk];
    const std::size_t rows_per_sample = mode == positions::all ? v.rows : 1;
    const std::size_t total = v.samples * rows_per_sample;
    const unsigned lane = threadIdx.x % warp_size, warp = threadIdx.x / warp_size, warps = blockDim.x / warp_size;
    for (std::size_t r = blockIdx.x; r < total; r += gridDim.x) {
        const std::size_t sample = r / rows_per_sample;
        const std::size_t tokens = cirm::detail::sample_tokens(last_positions, sample, v.rows);
        std::size_t first = 0, last = 0;
        cirm::detail::pinned_tokens(mode, tokens, first, last);
        const std::size_t row = first + r % rows_per_sample;
        if (row >= last) continue;  // the same for the whole block: no thread is left at a barrier
        const auto view = sample_view<T>(v, sample, tokens);
        for (std::size_t d0 = 0; d0 < count; d0 += direction_chunk) {
            const std::size_t chunk = count - d0 < direction_chunk ? count - d0 : direction_chunk;
            const float* u = vectors + d0 * v.width;
            for (std::size_t j = 0; j < chunk; ++j) {
                float dot = cirm::detail::direction_dot(view, row, u + j * v.width, v.width, threadIdx.x, blockDim.x);
                for (unsigned offset = warp_size / 2; offset > 0; offset /= 2)
                    dot += __shfl_down_sync(0xffffffffu, dot, offset);
                if (lane == 0) partial[warp][j] = dot;
            }
            __syncthreads();
            if (threadIdx.x < chunk) {
                float component = 0.0f;
                for (unsigned w = 0; w < warps; ++w) component += partial[w][threadIdx.x];
                delta[threadIdx.x] = cirm::detail::pinned_delta(values[d0 + threadIdx.x], component);
            }
            __syncthreads();
            for (std::size_t n = threadIdx.x; n < v.width; n += blockDim.x)
                cirm::detail::shift_neuron(view, row, n, u, v.width, delta, chunk);
            __syncthreads();  // the next chunk reads the moved row and reuses partial and delta
        }
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

/// The most blocks a launch asks for: the kernels loop over the rest.
inline constexpr std::size_t max_blocks = 65535;

/// Enough blocks for `total` threads, capped at max_blocks.
inline unsigned blocks_for(std::size_t total) noexcept {
    const std::size_t blocks = (total + threads_per_block - 1) / threads_per_block;
    return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, max_blocks));
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

/// Pins, on `stream`, the directions of layout site `site` in `v` (the site's activations of
/// one sample or of a batch) and then overwrites its edited neurons with the pin's values: one
/// launch for each part the site has. Untouched sites cost nothing.
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
    const std::size_t rows_per_sample = pin.mode() == positions::all ? v.rows : 1;
    if (const std::size_t directions = pin.directions(site); directions != 0) {
        const auto blocks =
            static_cast<unsigned>(std::clamp<std::size_t>(v.samples * rows_per_sample, 1, kernels::max_blocks));
        kernels::with_element_type(v.type, [&](auto element) {
            using T = decltype(element);
            kernels::pin_direction_rows<T><<<blocks, kernels::direction_threads, 0, stream>>>(
                v, last_positions, pin.device_directions(site), pin.device_direction_values(site), directions,
                pin.mode());
        });
        check(cudaGetLastError(), "launch of the direction pin kernel for site " + std::to_string(site));
    }
    if (const std::size_t count = pin.count(site); count != 0) {
        const unsigned blocks = kernels::blocks_for(v.samples * rows_per_sample * count);
        kernels::with_element_type(v.type, [&](auto element) {
            using T = decltype(element);
            kernels::pin_rows<T><<<blocks, kernels::threads_per_block, 0, stream>>>(
                v, last_positions, pin.device_indices(site), pin.device_values(site), count, pin.mode());
        });
        check(cudaGetLastError(), "launch of the pin kernel for site " + std::to_string(site));
    }
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
