#pragma once
/// \file
/// NeuronSelector: from a correlation table (neurons × biases) and one budget per bias, the set
/// of neurons to edit (docs/method.md §5 steps 3–4).
///
/// A model S has `select(const correlation_table&, std::span<const std::size_t> budgets) const
/// -> selection`, budgets[b] being k_b for column b of the table. It is deterministic: the same
/// table and budgets give the same selection.

#include <concepts>
#include <cstddef>
#include <span>

#include "cirm/correlation_table.hpp"
#include "cirm/selection.hpp"

namespace cirm {

template <class S>
concept NeuronSelector = requires(const S& s, const correlation_table& table, std::span<const std::size_t> budgets) {
    { s.select(table, budgets) } -> std::same_as<selection>;
};

}  // namespace cirm
