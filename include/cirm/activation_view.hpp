#pragma once
/// \file
/// A non-owning, mutable, strided view of one site's activations for one sample:
/// tokens × width elements of type T (float, float16 or bfloat16). Interventions write through
/// it in place; backends build it over their own memory (a raw pointer, an Eigen map, an xtensor
/// adaptor, a torch tensor, a device buffer).

#include <cstddef>

#include "cirm/detail/config.hpp"
#include "cirm/dtype.hpp"

namespace cirm {

/// Positions an intervention acts on (docs/method.md §6).
enum class positions { last_token, all };

template <class T>
struct activation_view {
    using element_type = T;

    T* data = nullptr;
    std::size_t tokens = 0;            ///< rows: token positions, the last one is the last token
    std::size_t width = 0;             ///< columns: the site's neurons
    std::ptrdiff_t token_stride = 0;   ///< elements between consecutive tokens
    std::ptrdiff_t neuron_stride = 1;  ///< elements between consecutive neurons

    CIRM_HOST_DEVICE T& operator()(std::size_t token, std::size_t neuron) const noexcept {
        return data[static_cast<std::ptrdiff_t>(token) * token_stride +
                    static_cast<std::ptrdiff_t>(neuron) * neuron_stride];
    }
    CIRM_HOST_DEVICE bool empty() const noexcept { return tokens == 0 || width == 0; }
};

/// A contiguous row-major view (token_stride = width).
template <class T>
CIRM_HOST_DEVICE activation_view<T> make_view(T* data, std::size_t tokens, std::size_t width) noexcept {
    return {data, tokens, width, static_cast<std::ptrdiff_t>(width), 1};
}

}  // namespace cirm
