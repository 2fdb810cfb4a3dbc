#pragma once
/// \file
/// Applies any Intervention (neuron_pin, a user's own) in place to a site's activations held in a
/// CPU torch::Tensor, through the core's activation views: for a batch, each sample's rows
/// 0 … last[b] are one view. Writing goes around autograd, so a tensor that requires grad is
/// refused while grad mode is on (run scoring under torch::NoGradGuard). Device tensors go
/// through cirm/libtorch/cuda.hpp and a cirm::cuda::device_pin instead.

#include <cstddef>
#include <string>

#include <torch/torch.h>

#include "cirm/concepts/intervention.hpp"
#include "cirm/error.hpp"
#include "cirm/libtorch/tensor_view.hpp"
#include "cirm/site.hpp"

namespace cirm::libtorch {

namespace detail {
inline const site_info& checked_site(const site_layout& layout, std::size_t site) {
    if (site >= layout.size())
        throw error("site " + std::to_string(site) + " is outside the layout (" + std::to_string(layout.size()) +
                    " sites)");
    return layout[site];
}
inline void check_writable(const torch::Tensor& t, const std::string& what) {
    if (t.requires_grad() && torch::GradMode::is_enabled())
        throw error("tensor '" + what +
                    "' requires grad: an in-place intervention would be invisible to autograd; "
                    "score under torch::NoGradGuard");
}
}  // namespace detail

/// Overwrites, in place, what `intervention` edits at layout site `site` in `activations`
/// ([tokens × width] or [batch × tokens × width] on the CPU; `last`: per-sample last positions,
/// int64 [batch] on the CPU, or undefined for every sample's last row).
template <Intervention I>
void apply(const I& intervention, const site_layout& layout, std::size_t site, const torch::Tensor& activations,
           const torch::Tensor& last = {}) {
    const site_info& info = detail::checked_site(layout, site);
    if (!intervention.touches(site)) return;
    detail::check_writable(activations, info.name);
    for_each_sample(activations, last, info.width, info.name,
                    [&](std::size_t, auto view) { intervention.apply(site, view); });
}

}  // namespace cirm::libtorch
