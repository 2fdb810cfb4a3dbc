#pragma once
/// \file
/// The element-wise work of a pin and of a last-token gather, shared by the CPU path and the
/// CUDA backend (CIRM_HOST_DEVICE), so that the same logic is unit-tested on the host. A CUDA
/// thread does one element (pin_neuron, gathered_value); the CPU loops over them (pin_token).

#include <cstddef>
#include <cstdint>

#include "cirm/activation_view.hpp"
#include "cirm/detail/config.hpp"
#include "cirm/dtype.hpp"

namespace cirm::detail {

/// Writes values[i] to neuron indices[i] of one token row of `view`: one edited neuron.
template <class T>
CIRM_HOST_DEVICE inline void pin_neuron(activation_view<T> view, std::size_t token, const std::int64_t* indices,
                                        const float* values, std::size_t i) noexcept {
    T* row = view.data + static_cast<std::ptrdiff_t>(token) * view.token_stride;
    row[indices[i] * view.neuron_stride] = from_float<T>(values[i]);
}

/// Writes values[i] to neuron indices[i] of one token row of `view`.
template <class T>
CIRM_HOST_DEVICE inline void pin_token(activation_view<T> view, std::size_t token, const std::int64_t* indices,
                                       const float* values, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) pin_neuron(view, token, indices, values, i);
}

/// The first and one-past-last token rows a pin touches in a view of `tokens` rows.
CIRM_HOST_DEVICE inline void pinned_tokens(positions mode, std::size_t tokens, std::size_t& first,
                                           std::size_t& last) noexcept {
    last = tokens;
    first = (mode == positions::all || tokens == 0) ? 0 : tokens - 1;
}

/// The number of token rows of sample `sample` in a batch: its last position + 1 when the
/// caller gives per-sample last positions (`last_positions`, may be null), else every row.
/// A batch of right-padded sequences is viewed per sample as rows 0 … last, so that "the last
/// row is the last token" holds for each sample as the Intervention concept requires.
CIRM_HOST_DEVICE inline std::size_t sample_tokens(const std::int64_t* last_positions, std::size_t sample,
                                                  std::size_t tokens) noexcept {
    return last_positions == nullptr ? tokens : static_cast<std::size_t>(last_positions[sample]) + 1;
}

/// The value of neuron `neuron` at the last row of `view` (rows 0 … tokens−1), as float: one
/// element of a last-token gather.
template <class T>
CIRM_HOST_DEVICE inline float gathered_value(activation_view<T> view, std::size_t neuron) noexcept {
    return to_float(view(view.tokens - 1, neuron));
}

}  // namespace cirm::detail
