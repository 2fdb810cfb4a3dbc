#pragma once
/// \file
/// Reads each sample's last-token activations of a site out of a torch::Tensor (CPU or CUDA,
/// float / half / bfloat16, [tokens × width] or [batch × tokens × width] with per-sample last
/// positions) and hands them, as floats, to an ActivationSink — the core's activation_store
/// among them, which checks every value (docs/method.md §5 step 1).

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cirm/calibrate/activation_store.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/intervene/pin_kernel.hpp"
#include "cirm/libtorch/intervene.hpp"
#include "cirm/libtorch/tensor_view.hpp"
#include "cirm/site.hpp"

namespace cirm::libtorch {

/// For every sample b of `activations` (layout site `site`): sink.put(b, site, its last-token
/// activations). CPU tensors are read through the core's views; device tensors are gathered by
/// libtorch on their device and copied to the host (the copy waits for the device).
template <ActivationSink K>
void collect_last_tokens(K& sink, const site_layout& layout, std::size_t site, const torch::Tensor& activations,
                         const torch::Tensor& last = {}) {
    const site_info& info = detail::checked_site(layout, site);
    if (activations.defined() && !activations.device().is_cpu()) {
        check_activations(activations, info.width, info.name);
        torch::NoGradGuard no_grad;
        torch::Tensor rows;  // [batch × width]
        if (activations.dim() == 2) {
            rows = activations.select(0, activations.size(0) - 1).unsqueeze(0);
        } else {
            const auto batch = activations.size(0), tokens = activations.size(1);
            const torch::Tensor positions =
                last.defined() ? last.to(torch::kCPU) : torch::full({batch}, tokens - 1, torch::kInt64);
            (void)last_positions(positions, static_cast<std::size_t>(batch), static_cast<std::size_t>(tokens),
                                 info.name);
            rows = activations.index(
                {torch::arange(batch, torch::kInt64).to(activations.device()), positions.to(activations.device())});
        }
        const auto host = rows.to(torch::kCPU, torch::kFloat32).contiguous();
        for (std::int64_t b = 0; b < host.size(0); ++b)
            sink.put(static_cast<std::size_t>(b), site, std::span<const float>(host[b].data_ptr<float>(), info.width));
        return;
    }
    std::vector<float> values(info.width);
    for_each_sample(activations, last, info.width, info.name, [&](std::size_t b, auto view) {
        for (std::size_t i = 0; i < info.width; ++i) values[i] = cirm::detail::gathered_value(view, i);
        sink.put(b, site, std::span<const float>(values));
    });
}

/// collect_last_tokens into the core's store: sample b of the tensor is store sample first + b.
inline void collect_last_tokens(activation_store& store, std::size_t first, const site_layout& layout, std::size_t site,
                                const torch::Tensor& activations, const torch::Tensor& last = {}) {
    auto sink = store.batch(first);
    collect_last_tokens(sink, layout, site, activations, last);
}

}  // namespace cirm::libtorch
