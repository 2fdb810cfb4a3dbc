#pragma once
/// \file
/// Python's notion of whitespace (str.isspace(), and `\s` in its regular expressions), which
/// Jinja2 strips around `{%- -%}` tags and with lstrip_blocks, and str.strip() and the `trim`
/// filter remove.

#include <cstddef>
#include <string_view>

namespace cirm::jinja::detail {

/// Python's str.isspace() for one code point.
inline bool python_space(char32_t c) {
    return c == U' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/// The byte length of the whitespace code point that starts at `at` in UTF-8 `text`, 0 if none.
inline std::size_t python_space_at(std::string_view text, std::size_t at) {
    if (at >= text.size()) return 0;
    const auto byte = [&](std::size_t k) {
        return at + k < text.size() ? static_cast<unsigned char>(text[at + k]) : 0u;
    };
    const unsigned lead = byte(0);
    if (lead < 0x80) return python_space(lead) ? 1 : 0;
    if (lead == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) return 2;
    if (lead == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) return 3;  // U+1680
    if (lead == 0xE2 && byte(1) == 0x80 && (byte(2) <= 0x8A || byte(2) == 0xA8 || byte(2) == 0xA9 || byte(2) == 0xAF))
        return byte(2) >= 0x80 ? 3 : 0;                                // U+2000..200A, 2028, 2029, 202F
    if (lead == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) return 3;  // U+205F
    if (lead == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
    return 0;
}

/// The byte length of the whitespace code point that ends just before `end`, 0 if none.
inline std::size_t python_space_before(std::string_view text, std::size_t end) {
    for (std::size_t length = 1; length <= 3 && length <= end; ++length)
        if (python_space_at(text, end - length) == length) return length;
    return 0;
}

}  // namespace cirm::jinja::detail
