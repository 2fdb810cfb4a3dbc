#pragma once
/// \file
/// ASCII character classes and case folding used by the text attributes, and for custom
/// attributes of one's own. They are deliberately ASCII-only and locale-free: <cctype> depends on
/// the global locale, and the attributes must give the same number on every machine.

#include <cstddef>
#include <string_view>

namespace cirm {

/// Classes of a code point (or of a byte through as_code_unit): a–z A–Z, 0–9, either.
constexpr bool is_ascii_letter(char32_t c) noexcept { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
constexpr bool is_ascii_digit(char32_t c) noexcept { return c >= U'0' && c <= U'9'; }
constexpr bool is_ascii_alnum(char32_t c) noexcept { return is_ascii_letter(c) || is_ascii_digit(c); }
/// Space, tab, line feed, vertical tab, form feed, carriage return.
constexpr bool is_ascii_space(char32_t c) noexcept { return c == U' ' || (c >= U'\t' && c <= U'\r'); }

/// The byte as a code point (bytes ≥ 0x80 map to 0x80–0xFF, never to an ASCII class).
constexpr char32_t as_code_unit(char c) noexcept { return static_cast<unsigned char>(c); }

/// The byte with A–Z folded to a–z; every other byte unchanged.
constexpr char to_ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// Whether `text` begins with `lowercase_prefix`, ignoring the case of ASCII letters in `text`.
constexpr bool starts_with_ignoring_ascii_case(std::string_view text, std::string_view lowercase_prefix) noexcept {
    if (text.size() < lowercase_prefix.size()) return false;
    for (std::size_t i = 0; i < lowercase_prefix.size(); ++i)
        if (to_ascii_lower(text[i]) != lowercase_prefix[i]) return false;
    return true;
}

}  // namespace cirm
