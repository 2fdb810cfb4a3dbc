#pragma once
/// \file
/// CPU adapter over raw memory: a pointer, a shape and strides (in elements) become the
/// activation view that interventions write into, and last-token activations are read out of
/// such a view into the float buffer an ActivationSink takes. For engines that own plain
/// buffers (llama.cpp-style tensors, std::vector, arrays).

#include <cstddef>
#include <cstdlib>
#include <span>
#include <string>

#include "cirm/activation_view.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"

namespace cirm::cpu {

/// Checks that a tokens × width view with these strides is well formed: no stride is zero
/// where there is more than one element along it, and no two elements share an address
/// (which would make a pin write one neuron through another).
inline void check_strides(std::size_t tokens, std::size_t width, std::ptrdiff_t token_stride,
                          std::ptrdiff_t neuron_stride) {
    const auto abs_t = static_cast<std::size_t>(std::llabs(token_stride));
    const auto abs_n = static_cast<std::size_t>(std::llabs(neuron_stride));
    if (width > 1 && abs_n == 0) throw error("cpu view: neuron stride is 0 for a width of " + std::to_string(width));
    if (tokens > 1 && abs_t == 0) throw error("cpu view: token stride is 0 for " + std::to_string(tokens) + " tokens");
    if (tokens > 1 && width > 1) {
        // The two strides must separate: one axis has to step over the whole extent of the other.
        const bool tokens_outer = abs_t >= abs_n && abs_t >= abs_n * width;
        const bool neurons_outer = abs_n > abs_t && abs_n >= abs_t * tokens;
        if (!tokens_outer && !neurons_outer)
            throw error("cpu view: strides (" + std::to_string(token_stride) + ", " + std::to_string(neuron_stride) +
                        ") make elements of a " + std::to_string(tokens) + " × " + std::to_string(width) +
                        " view overlap");
    }
}

/// A tokens × width view of `data` (T = float, float16 or bfloat16; const T for reading).
template <class T>
activation_view<T> view(T* data, std::size_t tokens, std::size_t width, std::ptrdiff_t token_stride,
                        std::ptrdiff_t neuron_stride = 1) {
    if (data == nullptr && tokens * width != 0) throw error("cpu view: null data pointer");
    check_strides(tokens, width, token_stride, neuron_stride);
    return {data, tokens, width, token_stride, neuron_stride};
}

/// Copies the last token's activations of `v` into `out` (width floats), converting to float.
template <class T>
void gather_last_token(activation_view<T> v, std::span<float> out) {
    if (out.size() != v.width)
        throw error("gather_last_token: output holds " + std::to_string(out.size()) + " floats for a width of " +
                    std::to_string(v.width));
    if (v.tokens == 0) throw error("gather_last_token: the view has no tokens");
    for (std::size_t i = 0; i < v.width; ++i) out[i] = to_float(v(v.tokens - 1, i));
}

}  // namespace cirm::cpu
