#pragma once
/// \file
/// The built-in bias attributes by name: the five of the method (docs/method.md §4) and the six
/// shipped beyond it, for command lines, specs and configuration files; and custom attributes in
/// textual form (`NAME=regex:PATTERN`, attributes/regex_count.hpp) beside them.

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
#include "cirm/attributes/regex_count.hpp"
#include "cirm/error.hpp"

namespace cirm {

namespace builtin_detail {

/// Every built-in attribute type: the method's five first, in the order of docs/method.md §4, then the others.
template <class... Attributes>
struct attribute_list {
    static constexpr std::array<std::string_view, sizeof...(Attributes)> names{Attributes::name()...};

    static std::optional<any_attribute> make(std::string_view name) {
        std::optional<any_attribute> made;
        (
            [&] {
                if (!made && Attributes::name() == name) made.emplace(Attributes{});
            }(),
            ...);
        return made;
    }
};

using builtin_attributes =
    attribute_list<attributes::length, attributes::paragraphs, attributes::overlap, attributes::exclamation,
                   attributes::bold, attributes::list_items, attributes::headers, attributes::emoji, attributes::links,
                   attributes::code_blocks, attributes::affirmative>;
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

/// The attribute an item names: a built-in name ("length"), or a custom attribute in textual
/// form, `NAME=regex:PATTERN` (attributes/regex_count.hpp), whose NAME may not be a built-in
/// name. An unknown name is a cirm::error listing the known ones; a bad custom item is one
/// naming it.
inline any_attribute make_attribute(std::string_view item) {
    if (is_custom_attribute_item(item)) {
        const std::string name = custom_attribute_name(item);
        if (builtin_detail::builtin_attributes::make(name))
            throw error("custom attribute '" + name +
                        "' would shadow the built-in attribute of that name; choose another name");
        return any_attribute(parse_regex_attribute(item));
    }
    if (auto made = builtin_detail::builtin_attributes::make(item)) return std::move(*made);
    std::string known;
    for (std::string_view n : builtin_attribute_names()) {
        if (!known.empty()) known += ", ";
        known += n;
    }
    throw error("unknown bias attribute '" + std::string(item) + "' (known: " + known + ")");
}

/// The attributes these items name (see make_attribute), in this order; an unknown name, a bad
/// custom item, or two attributes of one name is a cirm::error.
inline std::vector<any_attribute> make_attributes(std::span<const std::string> items) {
    std::vector<any_attribute> made;
    made.reserve(items.size());
    for (const std::string& item : items) {
        any_attribute attribute = make_attribute(item);
        for (const any_attribute& earlier : made)
            if (earlier.name() == attribute.name())
                throw error("bias attribute '" + std::string(attribute.name()) + "' is listed twice");
        made.push_back(std::move(attribute));
    }
    return made;
}

}  // namespace cirm
