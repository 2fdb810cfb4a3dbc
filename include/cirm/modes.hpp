#pragma once
/// \file
/// Modes as enums with one name table each. Every mode of the library (where a spec pins, what it
/// pins with, which sampler searches, ...) is an enum; its names, used alike by the command-line
/// tool's options, the spec and evaluation files and the error messages, are defined once, by
/// specialising `mode_names`:
///
///     template <> struct cirm::mode_names<my_mode> {
///         static constexpr std::string_view what = "my mode";   // for messages
///         static constexpr std::array<mode_name<my_mode>, 2> names{{{my_mode::a, "a"}, {my_mode::b, "b"}}};
///     };
///
/// The first name of a value is its canonical name (to_string); later ones are accepted aliases.

#include <array>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

#include "cirm/error.hpp"

namespace cirm {

/// One name of a mode's value.
template <class E>
struct mode_name {
    E value;
    std::string_view name;
};

/// The name table of a mode enum E; specialise it next to the enum (see the file comment). The
/// primary template is empty, so that an enum without a table is simply not a Mode.
template <class E>
struct mode_names {};

/// An enum with a name table.
template <class E>
concept Mode = std::is_enum_v<E> && requires {
    { mode_names<E>::what } -> std::convertible_to<std::string_view>;
    mode_names<E>::names.size();
    { mode_names<E>::names[0].value } -> std::convertible_to<E>;
};

/// The canonical name of `value` ("?" for a value outside the table).
template <Mode E>
constexpr std::string_view to_string(E value) noexcept {
    for (const auto& entry : mode_names<E>::names)
        if (entry.value == value) return entry.name;
    return "?";
}

/// The canonical names as a list for messages: "tpe, random or grid".
template <Mode E>
std::string mode_choices() {
    std::string out;
    std::size_t count = 0, emitted = 0;
    for (const auto& entry : mode_names<E>::names)
        if (to_string(entry.value) == entry.name) ++count;
    for (const auto& entry : mode_names<E>::names) {
        if (to_string(entry.value) != entry.name) continue;  // an alias
        if (emitted > 0) out += emitted + 1 == count ? " or " : ", ";
        out += entry.name;
        ++emitted;
    }
    return out;
}

/// The value named `text`; an unknown name is an error listing the names: "unknown sampler 'x'
/// (expected tpe, random or grid)".
template <Mode E>
E parse_mode(std::string_view text) {
    for (const auto& entry : mode_names<E>::names)
        if (entry.name == text) return entry.value;
    throw error("unknown " + std::string(mode_names<E>::what) + " '" + std::string(text) + "' (expected " +
                mode_choices<E>() + ")");
}

}  // namespace cirm
