#pragma once
/// \file
/// The seven style attributes the dataset generator controls, measured with the library's own
/// attribute functions (docs/method.md §4), and the relation between a pair's two measured values.
/// The generator accepts a pair only when the MEASURED relations are the ones it meant to
/// produce: injected style levels do not translate one-to-one into measured values (filler
/// sentences lower the overlap ratio, for instance).

#include <array>
#include <cstddef>
#include <string_view>

#include "cirm/attributes/bold.hpp"
#include "cirm/attributes/exclamation.hpp"
#include "cirm/attributes/headers.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/attributes/list_items.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/attributes/paragraphs.hpp"

namespace cirm::synthetic {

/// The controlled attributes: the method's five, then two extra ones. The order indexes every
/// per-attribute array of the generator.
enum class style_attribute : std::size_t { length, paragraphs, overlap, exclamation, bold, list_items, headers };
inline constexpr std::size_t style_attribute_count = 7;
/// How many of style_attribute's first entries are the method's attributes.
inline constexpr std::size_t method_style_attribute_count = 5;

/// The library's names of the attributes, in style_attribute order.
inline constexpr std::array<std::string_view, style_attribute_count> style_attribute_names{
    attributes::length::name(),      attributes::paragraphs::name(), attributes::overlap::name(),
    attributes::exclamation::name(), attributes::bold::name(),       attributes::list_items::name(),
    attributes::headers::name()};

constexpr std::size_t index_of(style_attribute attribute) noexcept { return static_cast<std::size_t>(attribute); }

/// One response's measured attribute values, in style_attribute order.
using attribute_values = std::array<double, style_attribute_count>;

/// Measures all seven attributes of a response with the library's attribute functions.
inline attribute_values measure_style(std::string_view prompt, std::string_view response) {
    return {attributes::length{}(prompt, response),  attributes::paragraphs{}(prompt, response),
            attributes::overlap{}(prompt, response), attributes::exclamation{}(prompt, response),
            attributes::bold{}(prompt, response),    attributes::list_items{}(prompt, response),
            attributes::headers{}(prompt, response)};
}

/// How the chosen response's value of one attribute compares with the rejected one's:
/// chosen_more puts the pair in B_b, chosen_less in B̄_b (docs/method.md §8).
enum class relation : std::size_t { chosen_more, chosen_less, equal };
inline constexpr std::size_t relation_count = 3;

constexpr relation compare_values(double chosen, double rejected) noexcept {
    if (chosen > rejected) return relation::chosen_more;
    if (chosen < rejected) return relation::chosen_less;
    return relation::equal;
}

/// One relation per attribute, in style_attribute order.
using relation_set = std::array<relation, style_attribute_count>;

/// The measured relations of a pair.
inline relation_set measured_relations(const attribute_values& chosen, const attribute_values& rejected) noexcept {
    relation_set relations{};
    for (std::size_t a = 0; a < style_attribute_count; ++a) relations[a] = compare_values(chosen[a], rejected[a]);
    return relations;
}

}  // namespace cirm::synthetic
