#pragma once
/// \file
/// CPU adapter for xtensor: a 2-D xtensor container, adaptor (`xt::adapt(ptr, shape)`) or
/// strided view of shape tokens × width, holding float, cirm::float16 or cirm::bfloat16,
/// becomes an activation view. This is the only header of cirm that includes xtensor.

#include <cstddef>
#include <string>
#include <type_traits>

#include <xtensor/xtensor.hpp>

#include "cirm/activation_view.hpp"
#include "cirm/cpu/raw.hpp"
#include "cirm/error.hpp"

namespace cirm::cpu {

/// A view of the 2-D expression `e` (axis 0: tokens, axis 1: neurons). `e` must have a data
/// interface (containers, adaptors, strided views), not be a lazy expression.
// clang-format off (clang-format 14 garbles requires-clauses)
template <class E>
requires requires(E& e) {
    e.data();
    e.strides();
    e.shape();
    e.data_offset();
}
auto view(E& e) {
    // clang-format on
    using value_type = std::remove_reference_t<decltype(*e.data())>;
    static_assert(std::is_same_v<std::remove_const_t<value_type>, float> ||
                      std::is_same_v<std::remove_const_t<value_type>, float16> ||
                      std::is_same_v<std::remove_const_t<value_type>, bfloat16>,
                  "cirm::cpu::view(xtensor): elements must be float, cirm::float16 or cirm::bfloat16");
    if (e.dimension() != 2)
        throw error("cpu view: an xtensor activation must be 2-D (tokens × width), got " +
                    std::to_string(e.dimension()) + " dimensions");
    const auto tokens = static_cast<std::size_t>(e.shape()[0]);
    const auto width = static_cast<std::size_t>(e.shape()[1]);
    // xtensor reports a stride of 0 along axes of extent 1; any stride is fine there.
    const auto token_stride = static_cast<std::ptrdiff_t>(e.strides()[0]);
    const auto neuron_stride = static_cast<std::ptrdiff_t>(e.strides()[1]);
    return cpu::view(e.data() + e.data_offset(), tokens, width,
                     tokens == 1 ? static_cast<std::ptrdiff_t>(width) : token_stride,
                     width == 1 ? std::ptrdiff_t{1} : neuron_stride);
}

}  // namespace cirm::cpu
