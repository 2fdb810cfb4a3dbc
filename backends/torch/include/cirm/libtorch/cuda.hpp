#pragma once
/// \file
/// CUDA tensors through the CUDA backend: a torch::Tensor on a CUDA device (float / half /
/// bfloat16, [tokens × width] or [batch × tokens × width], any strides) becomes a
/// cirm::cuda::device_view, and a cirm::cuda::device_pin is applied to it by the CUDA kernels on
/// the caller's stream (pass the stream libtorch runs on, e.g. at::cuda::getCurrentCUDAStream()).
/// Compiles with the host compiler; the program links one .cu file that includes
/// cirm/cuda/define_compiled_launchers.cuh (needs CIRM_WITH_CUDA and the cirm::cuda target).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <cuda_runtime_api.h>
#include <torch/torch.h>

#include "cirm/cuda/compiled_launchers.cuh"
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/device_view.cuh"
#include "cirm/error.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "cirm/libtorch/llama_module.hpp"
#include "cirm/libtorch/tensor_view.hpp"
#include "cirm/site.hpp"

namespace cirm::libtorch {

/// The CUDA tensor `t` as a device view (checked like any activations tensor; `width` 0: any).
inline cuda::device_view device_view(const torch::Tensor& t, std::size_t width, std::string_view what) {
    check_activations(t, width, what);
    if (!t.is_cuda())
        throw error("tensor '" + std::string(what) + "' is on " + t.device().str() +
                    "; a device view needs a CUDA tensor (CPU tensors go through cirm::libtorch::apply)");
    const bool batched = t.dim() == 3;
    cuda::device_view v;
    v.data = t.data_ptr();
    v.type = element_type(t, what);
    v.samples = batched ? static_cast<std::size_t>(t.size(0)) : 1;
    v.sample_stride = batched ? static_cast<std::ptrdiff_t>(t.stride(0)) : 0;
    v.rows = static_cast<std::size_t>(t.size(batched ? 1 : 0));
    v.row_stride = static_cast<std::ptrdiff_t>(t.stride(batched ? 1 : 0));
    v.width = static_cast<std::size_t>(t.size(-1));
    v.neuron_stride = static_cast<std::ptrdiff_t>(t.stride(-1));
    return v;
}

/// Device address of per-sample last positions for the kernels: `last` undefined gives null
/// (every sample's last row); otherwise a contiguous 1-D int64 tensor of one value per sample on
/// the activations' device. The values are not read here (that would wait for the device).
inline const std::int64_t* device_last_positions(const torch::Tensor& last, const torch::Tensor& activations,
                                                 std::string_view what) {
    if (!last.defined()) return nullptr;
    if (activations.dim() != 3)
        throw error("tensor '" + std::string(what) +
                    "' is [tokens × width]: per-sample last positions need a "
                    "[batch × tokens × width] tensor");
    if (last.device() != activations.device() || last.scalar_type() != torch::kInt64 || last.dim() != 1 ||
        last.size(0) != activations.size(0) || !last.is_contiguous())
        throw error("last positions of tensor '" + std::string(what) + "' must be a contiguous 1-D int64 tensor of " +
                    std::to_string(activations.size(0)) + " values on " + activations.device().str());
    return last.data_ptr<std::int64_t>();
}

/// Pins, in place on `stream`, what `pin` edits at layout site `site` in the CUDA tensor
/// `activations` (last: see device_last_positions). No allocation, no synchronization.
inline void apply(const cuda::device_pin& pin, const site_layout& layout, std::size_t site,
                  const torch::Tensor& activations, cudaStream_t stream, const torch::Tensor& last = {}) {
    const site_info& info = detail::checked_site(layout, site);
    if (!pin.touches(site)) return;
    detail::check_writable(activations, info.name);
    cuda::compiled::apply(pin, site, device_view(activations, info.width, info.name), stream,
                          device_last_positions(last, activations, info.name));
}

/// A llama_module site_hook (see llama_module.hpp) that pins CUDA activations with `pin` on
/// `stream`; the hook's int64 last positions must be on the device.
inline site_hook device_pin_hook(const cuda::device_pin& pin, const site_layout& layout, cudaStream_t stream) {
    return [&pin, &layout, stream](std::size_t site, const torch::Tensor& activations, const torch::Tensor& last) {
        apply(pin, layout, site, activations, stream, last);
    };
}

}  // namespace cirm::libtorch
