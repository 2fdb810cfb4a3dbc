#pragma once
/// \file
/// The element-wise work of a pin and of a last-token gather, shared by the CPU path and the
/// CUDA backend (CIRM_HOST_DEVICE), so that the same logic is unit-tested on the host. A CUDA
/// thread does one element (pin_neuron, gathered_value); the CPU loops over them (pin_token).
/// A direction pin splits one token row into two passes: the components of a chunk of
/// directions (direction_dot over a stride of the row's neurons; the CPU takes the whole row at
/// once, a CUDA block one slice per thread and then sums the slices), then each neuron moved by
/// the chunk's corrections (shift_neuron; the CPU loops over the neurons, a thread does its own).

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

/// Σ u[n]·row[n] over the neurons n = first, first + step, … below `width` of token row `token`
/// of `view`, summed in that order in float: the component of the row along direction `u`
/// (width floats) when first = 0 and step = 1, else one slice of it.
template <class T>
CIRM_HOST_DEVICE inline float direction_dot(activation_view<T> view, std::size_t token, const float* u,
                                            std::size_t width, std::size_t first, std::size_t step) noexcept {
    const T* row = view.data + static_cast<std::ptrdiff_t>(token) * view.token_stride;
    float dot = 0.0f;
    for (std::size_t n = first; n < width; n += step)
        dot += u[n] * to_float(row[static_cast<std::ptrdiff_t>(n) * view.neuron_stride]);
    return dot;
}

/// Neuron `neuron` of token row `token` of `view` moved along `count` directions (u: count
/// consecutive directions of `width` floats) by delta[j] each, the corrections added in order j
/// = 0 … count−1 in float and the sum rounded once to the storage type:
/// x ← x + Σ_j delta[j]·u_j[neuron]. delta[j] is the pinned value minus the row's component
/// along u_j (pinned_delta).
template <class T>
CIRM_HOST_DEVICE inline void shift_neuron(activation_view<T> view, std::size_t token, std::size_t neuron,
                                          const float* u, std::size_t width, const float* delta,
                                          std::size_t count) noexcept {
    T& x = view.data[static_cast<std::ptrdiff_t>(token) * view.token_stride +
                     static_cast<std::ptrdiff_t>(neuron) * view.neuron_stride];
    float v = to_float(x);
    for (std::size_t j = 0; j < count; ++j) v += delta[j] * u[j * width + neuron];
    x = from_float<T>(v);
}

/// How far a row must move along a direction for its component `component` to become `value`.
CIRM_HOST_DEVICE inline float pinned_delta(float value, float component) noexcept { return value - component; }

}  // namespace cirm::detail
