#pragma once
/// \file
/// The built-in bias attributes by name: the five of the method (docs/method.md §4) and the six
/// shipped beyond it, for command lines, specs and configuration files.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/affirmative.hpp"
#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/bold.hpp"
#include "cirm/attributes/code_blocks.hpp"
#include "cirm/attributes/emoji.hpp"
#include "cirm/attributes/exclamation.hpp"
#include "cirm/attributes/headers.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/attributes/links.hpp"
#include "cirm/attributes/list_items.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/attributes/paragraphs.hpp"
#include "cirm/error.hpp"

namespace cirm {

namespace builtin_detail {

/// Every built-in attribute type: the method's five first, in the order of docs/method.md §4, then the others.
template <class... Attributes>
struct attribute_list {
    static constexpr std::array<std::string_view, sizeof...(Attributes)> names{Attributes::name()...};

    static std::optional<any_attribute> make(std::string_view name) {
        std::optional<any_attribute> made;
        ([&] {
            if (!made && Attributes::name() == name) made.emplace(Attributes{});
        }(), ...);
        return made;
    }
};

using builtin_attributes =
    attribute_list<attributes::length, attributes::paragraphs, attributes::overlap, attributes::exclamation,
                   attributes::bold, attributes::list_items, attributes::headers, attributes::emoji,
                   attributes::links, attributes::code_blocks, attributes::affirmative>;
inline constexpr std::size_t method_attribute_count = 5;

}  // namespace builtin_detail

/// The five attributes of the method, in the order of docs/method.md §4: length, paragraphs, overlap,
/// exclamation, bold.
inline std::span<const std::string_view> method_attribute_names() noexcept {
    return std::span<const std::string_view>(builtin_detail::builtin_attributes::names)
        .first(builtin_detail::method_attribute_count);
}

/// All eleven built-in attributes: the method's five, then list_items, headers, emoji, links,
/// code_blocks, affirmative.
inline std::span<const std::string_view> builtin_attribute_names() noexcept {
    return builtin_detail::builtin_attributes::names;
}

/// The built-in attribute with this name; an unknown name is a cirm::error listing the known ones.
inline any_attribute make_attribute(std::string_view name) {
    if (auto made = builtin_detail::builtin_attributes::make(name)) return std::move(*made);
    std::string known;
    for (std::string_view n : builtin_attribute_names()) {
        if (!known.empty()) known += ", ";
        known += n;
    }
    throw error("unknown bias attribute '" + std::string(name) + "' (known: " + known + ")");
}

/// The built-in attributes with these names, in this order; an unknown or repeated name is a
/// cirm::error.
inline std::vector<any_attribute> make_attributes(std::span<const std::string> names) {
    std::vector<any_attribute> made;
    made.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j)
            if (names[j] == names[i]) throw error("bias attribute '" + names[i] + "' is listed twice");
        made.push_back(make_attribute(names[i]));
    }
    return made;
}

}  // namespace cirm
