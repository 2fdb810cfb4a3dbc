#pragma once
/// \file
/// The element-wise work of a pin, shared by the CPU path and the CUDA backend
/// (CIRM_HOST_DEVICE), so that the same logic is unit-tested on the host.

#include <cstddef>
#include <cstdint>

#include "cirm/activation_view.hpp"
#include "cirm/detail/config.hpp"
#include "cirm/dtype.hpp"

namespace cirm::detail {

/// Writes values[i] to neuron indices[i] of one token row of `view`.
template <class T>
CIRM_HOST_DEVICE inline void pin_token(activation_view<T> view, std::size_t token, const std::int64_t* indices,
                                       const float* values, std::size_t count) noexcept {
    T* row = view.data + static_cast<std::ptrdiff_t>(token) * view.token_stride;
    for (std::size_t i = 0; i < count; ++i) row[indices[i] * view.neuron_stride] = from_float<T>(values[i]);
}

/// The first and one-past-last token rows a pin touches in a view of `tokens` rows.
CIRM_HOST_DEVICE inline void pinned_tokens(positions mode, std::size_t tokens, std::size_t& first,
                                           std::size_t& last) noexcept {
    last = tokens;
    first = (mode == positions::all || tokens == 0) ? 0 : tokens - 1;
}

}  // namespace cirm::detail
