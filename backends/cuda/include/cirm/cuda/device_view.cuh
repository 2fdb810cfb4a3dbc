#pragma once
/// \file
/// A non-owning view of one site's activations in device memory, as an engine that owns raw
/// buffers describes them: a pointer, rows (token positions) × width (neurons), the row stride,
/// the element type (f32, f16, bf16), and, for a batch, the number of samples and the stride
/// between them. Plain data: it is passed to kernels by value and also compiles in host-only
/// translation units (no CUDA header needed), so that a libtorch or engine file built by the host
/// compiler can describe its tensors.

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "cirm/activation_view.hpp"
#include "cirm/detail/config.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"

namespace cirm::cuda {

/// `samples` blocks of rows × width elements of `type` in device memory. Element (b, r, i) is at
/// data + b·sample_stride + r·row_stride + i·neuron_stride (in elements). Within a sample, the
/// last row is the last token unless per-sample last positions are given to a kernel.
struct device_view {
    void* data = nullptr;
    cirm::dtype type = dtype::f32;
    std::size_t rows = 0;              ///< token positions per sample
    std::size_t width = 0;             ///< the site's neurons
    std::ptrdiff_t row_stride = 0;     ///< elements between consecutive rows
    std::size_t samples = 1;           ///< samples of a batch
    std::ptrdiff_t sample_stride = 0;  ///< elements between consecutive samples
    std::ptrdiff_t neuron_stride = 1;  ///< elements between consecutive neurons

    bool empty() const noexcept { return samples == 0 || rows == 0 || width == 0; }
};

/// The first `tokens` rows of sample `sample` of `v` as a typed activation view (T must match
/// v.type; the caller dispatches on it).
template <class T>
CIRM_HOST_DEVICE inline activation_view<T> sample_view(const device_view& v, std::size_t sample,
                                                       std::size_t tokens) noexcept {
    T* base = static_cast<T*>(v.data) + static_cast<std::ptrdiff_t>(sample) * v.sample_stride;
    return {base, tokens, v.width, v.row_stride, v.neuron_stride};
}

namespace detail {
/// Checks that no two elements of `v` share an address: the axes, sorted by stride, must each
/// step over the whole extent of the axes inside them. Strides must be positive where the
/// extent is above 1 (device buffers and torch tensors never need negative ones).
inline void check_device_view(const device_view& v, const char* where) {
    if (v.empty()) return;
    if (v.data == nullptr) throw error(std::string(where) + ": null device pointer");
    struct axis {
        std::size_t extent;
        std::ptrdiff_t stride;
        const char* name;
    };
    std::array<axis, 3> axes{
        {{v.width, v.neuron_stride, "neuron"}, {v.rows, v.row_stride, "row"}, {v.samples, v.sample_stride, "sample"}}};
    for (const auto& a : axes)
        if (a.extent > 1 && a.stride <= 0)
            throw error(std::string(where) + ": " + a.name + " stride is " + std::to_string(a.stride) + " for " +
                        std::to_string(a.extent) + " elements along it (must be positive)");
    std::sort(axes.begin(), axes.end(), [](const axis& a, const axis& b) { return a.stride < b.stride; });
    std::ptrdiff_t span = 1;  // elements covered by the inner axes so far
    for (const auto& a : axes) {
        if (a.extent <= 1) continue;
        if (a.stride < span)
            throw error(std::string(where) + ": strides (sample " + std::to_string(v.sample_stride) + ", row " +
                        std::to_string(v.row_stride) + ", neuron " + std::to_string(v.neuron_stride) +
                        ") make elements of a " + std::to_string(v.samples) + " × " + std::to_string(v.rows) + " × " +
                        std::to_string(v.width) + " view overlap");
        span = a.stride * static_cast<std::ptrdiff_t>(a.extent);
    }
}
}  // namespace detail

/// A checked view of rows × width elements with `row_stride` elements between rows (one sample).
inline device_view make_device_view(void* data, dtype type, std::size_t rows, std::size_t width,
                                    std::ptrdiff_t row_stride) {
    device_view v{data, type, rows, width, row_stride, 1, 0, 1};
    if (rows == 1) v.row_stride = static_cast<std::ptrdiff_t>(width);  // any stride is fine for one row
    detail::check_device_view(v, "cuda view");
    return v;
}

/// A checked view of a batch: `samples` blocks of rows × width, `sample_stride` elements apart.
inline device_view make_device_batch_view(void* data, dtype type, std::size_t samples, std::size_t rows,
                                          std::size_t width, std::ptrdiff_t sample_stride, std::ptrdiff_t row_stride,
                                          std::ptrdiff_t neuron_stride = 1) {
    device_view v{data, type, rows, width, row_stride, samples, sample_stride, neuron_stride};
    detail::check_device_view(v, "cuda view");
    return v;
}

}  // namespace cirm::cuda
