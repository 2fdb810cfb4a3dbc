#pragma once
/// \file
/// CPU adapter for Eigen: a float Eigen object with direct storage (Matrix, Map with strides,
/// Ref, Block) of shape tokens × width, row- or column-major, becomes an activation view —
/// writable when the object is, read-only (activation_view<const float>) when it is const.
/// This is the only header of cirm that includes Eigen.

#include <cstddef>
#include <type_traits>

#include <Eigen/Core>

#include "cirm/activation_view.hpp"
#include "cirm/cpu/raw.hpp"

namespace cirm::cpu {

/// A view of the tokens × width matrix `m` (rows are tokens, columns are neurons).
/// Accepts lvalues and temporaries such as `Eigen::Map<...>(ptr, rows, cols, stride)`.
// clang-format off (clang-format 14 garbles requires-clauses)
template <class E>
requires std::is_base_of_v<Eigen::DenseBase<std::remove_cvref_t<E>>, std::remove_cvref_t<E>>
auto view(E&& m) {
    // clang-format on
    using D = std::remove_cvref_t<E>;
    static_assert(std::is_same_v<typename D::Scalar, float>,
                  "cirm::cpu::view(Eigen): activations must be a float matrix (tokens × width)");
    static_assert((D::Flags & Eigen::DirectAccessBit) != 0,
                  "cirm::cpu::view(Eigen): needs an object with direct storage (Matrix, Map, Ref, Block), "
                  "not an expression; evaluate it into a matrix first");
    const auto rows = static_cast<std::size_t>(m.rows());
    const auto cols = static_cast<std::size_t>(m.cols());
    const auto inner = static_cast<std::ptrdiff_t>(m.innerStride());
    const auto outer = static_cast<std::ptrdiff_t>(m.outerStride());
    auto* data = m.data();  // const float* for const objects
    if constexpr (D::IsRowMajor)
        return cpu::view(data, rows, cols, rows == 1 ? static_cast<std::ptrdiff_t>(cols) * inner : outer, inner);
    else
        return cpu::view(data, rows, cols, inner, cols == 1 ? static_cast<std::ptrdiff_t>(rows) * inner : outer);
}

}  // namespace cirm::cpu
