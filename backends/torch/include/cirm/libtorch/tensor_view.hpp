#pragma once
/// \file
/// libtorch adapter: a torch::Tensor holding one site's activations — [tokens × width] for one
/// sample, or [batch × tokens × width] with per-sample last positions — is checked (rank,
/// element type, device, width, strides) and seen as the core's activation views: one view per
/// sample, rows 0 … last[b], so that the last row is that sample's last token as the
/// Intervention concept requires. Any strides (transposed, narrowed, sliced tensors); float, half
/// and bfloat16 elements. This and the other headers of cirm/libtorch are the only ones of cirm
/// that include libtorch; their namespace is cirm::libtorch, so that `torch::` inside cirm keeps
/// naming libtorch.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <torch/torch.h>

#include "cirm/activation_view.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"

namespace cirm::libtorch {

/// cirm's element type for a tensor's dtype: float, half and bfloat16 are activations; any other
/// dtype is an error naming the tensor.
inline dtype element_type(const torch::Tensor& t, std::string_view what) {
    switch (t.scalar_type()) {
        case torch::kFloat32: return dtype::f32;
        case torch::kFloat16: return dtype::f16;
        case torch::kBFloat16: return dtype::bf16;
        default:
            throw error("tensor '" + std::string(what) + "' has dtype " + std::string(c10::toString(t.scalar_type())) +
                        "; activations must be float, half or bfloat16");
    }
}

/// Checks a site's activations tensor anywhere (CPU or CUDA): defined, rank 2 ([tokens × width])
/// or 3 ([batch × tokens × width]), an activation dtype, the site's width (unless `width` is 0),
/// and no two elements at one address (an expanded tensor would pin one neuron through another).
inline void check_activations(const torch::Tensor& t, std::size_t width, std::string_view what) {
    if (!t.defined()) throw error("tensor '" + std::string(what) + "' is undefined");
    if (t.dim() != 2 && t.dim() != 3)
        throw error("tensor '" + std::string(what) + "' has " + std::to_string(t.dim()) +
                    " dimensions; activations are [tokens × width] or [batch × tokens × width]");
    element_type(t, what);
    const auto last_dim = static_cast<std::size_t>(t.size(-1));
    if (width != 0 && last_dim != width)
        throw error("tensor '" + std::string(what) + "' has width " + std::to_string(last_dim) +
                    " but the site has width " + std::to_string(width));
    // Sorted by stride, each axis must step over the whole extent of the axes inside it.
    std::array<std::pair<std::int64_t, std::int64_t>, 3> axes{};  // (stride, extent)
    const auto rank = static_cast<std::size_t>(t.dim());
    for (std::size_t a = 0; a < rank; ++a) {
        const auto dim = static_cast<std::int64_t>(a);
        axes[a] = {t.stride(dim), t.size(dim)};
        if (t.size(dim) > 1 && t.stride(dim) <= 0)
            throw error("tensor '" + std::string(what) + "' has stride " + std::to_string(t.stride(dim)) +
                        " along dimension " + std::to_string(a) +
                        " (expanded or broadcast tensors cannot be written in place)");
    }
    std::sort(axes.begin(), axes.begin() + static_cast<std::ptrdiff_t>(rank));
    std::int64_t span = 1;
    for (std::size_t a = 0; a < rank; ++a) {
        if (axes[a].second <= 1) continue;
        if (axes[a].first < span)
            throw error("tensor '" + std::string(what) + "' has overlapping elements (strides " +
                        c10::str(t.strides()) + " for sizes " + c10::str(t.sizes()) + ")");
        span = axes[a].first * axes[a].second;
    }
}

/// Per-sample last positions of a [batch × tokens × width] tensor, read on the host: `last`
/// undefined means every sample's last row; otherwise a 1-D int64 CPU tensor of `batch` values,
/// each in [0, tokens).
class last_positions {
public:
    last_positions(const torch::Tensor& last, std::size_t batch, std::size_t tokens, std::string_view what) {
        if (!last.defined()) return;
        if (!last.device().is_cpu())
            throw error("last positions of tensor '" + std::string(what) + "' are on " + last.device().str() +
                        "; the host path reads them on the CPU");
        if (last.scalar_type() != torch::kInt64 || last.dim() != 1 || static_cast<std::size_t>(last.size(0)) != batch)
            throw error("last positions of tensor '" + std::string(what) + "' must be a 1-D int64 tensor of " +
                        std::to_string(batch) + " values, got " + std::string(c10::toString(last.scalar_type())) + " " +
                        c10::str(last.sizes()));
        data_ = last.data_ptr<std::int64_t>();
        stride_ = last.stride(0);
        for (std::size_t b = 0; b < batch; ++b) {
            const std::int64_t p = (*this)(b, tokens);
            if (p < 0 || static_cast<std::size_t>(p) >= tokens)
                throw error("last position " + std::to_string(p) + " of sample " + std::to_string(b) + " of tensor '" +
                            std::string(what) + "' is outside its " + std::to_string(tokens) + " tokens");
        }
    }
    /// The last position of sample b (tokens − 1 without per-sample positions).
    std::int64_t operator()(std::size_t b, std::size_t tokens) const noexcept {
        return data_ ? data_[static_cast<std::int64_t>(b) * stride_] : static_cast<std::int64_t>(tokens) - 1;
    }

private:
    const std::int64_t* data_ = nullptr;
    std::int64_t stride_ = 1;
};

namespace detail {
template <class T>
activation_view<T> view_at(const torch::Tensor& t, std::int64_t sample, std::size_t tokens) {
    const bool batched = t.dim() == 3;
    const auto token_dim = batched ? 1 : 0;
    T* base = static_cast<T*>(t.data_ptr()) + (batched ? sample * t.stride(0) : 0);
    return {base, tokens, static_cast<std::size_t>(t.size(-1)), static_cast<std::ptrdiff_t>(t.stride(token_dim)),
            static_cast<std::ptrdiff_t>(t.stride(-1))};
}
}  // namespace detail

/// Calls f(sample, view) for every sample of the CPU tensor `t` (one for a 2-D tensor), where
/// view is an activation_view<float | float16 | bfloat16> of the sample's rows 0 … last[b].
/// `width` (0: any) and `what` (the site's name) are for the checks and their messages.
template <class F>
void for_each_sample(const torch::Tensor& t, const torch::Tensor& last, std::size_t width, std::string_view what,
                     F&& f) {
    check_activations(t, width, what);
    if (!t.device().is_cpu())
        throw error("tensor '" + std::string(what) + "' is on " + t.device().str() +
                    "; host views need a CPU tensor (pin device tensors with a cirm::cuda::device_pin through "
                    "cirm/libtorch/cuda.hpp)");
    const bool batched = t.dim() == 3;
    const auto batch = static_cast<std::size_t>(batched ? t.size(0) : 1);
    const auto tokens = static_cast<std::size_t>(t.size(batched ? 1 : 0));
    if (tokens == 0) return;
    if (!batched && last.defined())
        throw error("tensor '" + std::string(what) +
                    "' is [tokens × width]: per-sample last positions need a "
                    "[batch × tokens × width] tensor");
    const last_positions lasts(last, batch, tokens, what);
    const auto each = [&](auto element) {
        using T = decltype(element);
        for (std::size_t b = 0; b < batch; ++b)
            f(b, detail::view_at<T>(t, static_cast<std::int64_t>(b), static_cast<std::size_t>(lasts(b, tokens)) + 1));
    };
    switch (element_type(t, what)) {
        case dtype::f32: each(float{}); break;
        case dtype::f16: each(float16{}); break;
        case dtype::bf16: each(bfloat16{}); break;
    }
}

/// The [tokens × width] CPU tensor `t` of element type T (float, cirm::float16, cirm::bfloat16)
/// as one activation view.
template <class T>
activation_view<T> view(const torch::Tensor& t, std::string_view what = "activations") {
    check_activations(t, 0, what);
    if (t.dim() != 2)
        throw error("tensor '" + std::string(what) + "' has " + std::to_string(t.dim()) +
                    " dimensions; view() takes one sample [tokens × width] (use for_each_sample for a batch)");
    if (!t.device().is_cpu())
        throw error("tensor '" + std::string(what) + "' is on " + t.device().str() + "; view() needs a CPU tensor");
    if (element_type(t, what) != dtype_of<T>::value)
        throw error("tensor '" + std::string(what) + "' holds " + std::string(to_string(element_type(t, what))) +
                    " but a view of " + std::string(to_string(dtype_of<T>::value)) + " was asked for");
    return detail::view_at<T>(t, 0, static_cast<std::size_t>(t.size(0)));
}

}  // namespace cirm::libtorch
