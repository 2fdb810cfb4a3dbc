#pragma once
/// \file
/// The Unicode helpers of the tokenizer: UTF-8 stepping, Unicode normalization (utf8proc) and the
/// character classes that Hugging Face's `tokenizers` uses (Rust's `char::is_whitespace`,
/// `char::is_numeric`, `char::is_alphanumeric`), all answered from utf8proc's tables.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <utf8proc.h>

#include "cirm/error.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

/// The four Unicode normalization forms.
enum class unicode_form { nfc, nfd, nfkc, nfkd };

}  // namespace cirm

namespace cirm::detail {

/// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for a stray byte, so that a
/// caller always advances).
constexpr std::size_t utf8_sequence_length(unsigned char lead) noexcept {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}

/// The code point at `position` of valid UTF-8 `text`; `length` receives its byte length.
inline char32_t code_point_at(std::string_view text, std::size_t position, std::size_t& length) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[position + k]); };
    length = utf8_sequence_length(byte(0));
    if (position + length > text.size()) length = 1;
    switch (length) {
        case 2: return (char32_t(byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
        case 3: return (char32_t(byte(0) & 0x0F) << 12) | (char32_t(byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
        case 4:
            return (char32_t(byte(0) & 0x07) << 18) | (char32_t(byte(1) & 0x3F) << 12) |
                   (char32_t(byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
        default: return byte(0);
    }
}

/// The Unicode White_Space property, which is what Rust's `char::is_whitespace` tests.
inline bool is_unicode_whitespace(char32_t c) noexcept {
    if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
    if (c < 0x85) return false;
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return c == 0x85 || category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
           category == UTF8PROC_CATEGORY_ZP;
}

/// Rust's `char::is_numeric`: the general categories Nd, Nl and No.
inline bool is_unicode_numeric(char32_t c) noexcept {
    if (c < 0x80) return c >= '0' && c <= '9';
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return category == UTF8PROC_CATEGORY_ND || category == UTF8PROC_CATEGORY_NL || category == UTF8PROC_CATEGORY_NO;
}

/// A letter or a number (the categories L* and N*): the test for "a word continues here" that
/// an added token with single_word uses. Rust's `char::is_alphanumeric` uses the Alphabetic
/// property, which also counts some combining marks; the two differ only on those.
inline bool is_unicode_alphanumeric(char32_t c) noexcept {
    if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO: return true;
        default: return false;
    }
}

/// `text` (valid UTF-8) in the normalization form `form`, by utf8proc.
inline std::string normalize_unicode(std::string_view text, unicode_form form) {
    bool ascii = true;
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    if (ascii) return std::string(text);  // every normalization form leaves ASCII as it is
    int options = UTF8PROC_STABLE;
    switch (form) {
        case unicode_form::nfc: options |= UTF8PROC_COMPOSE; break;
        case unicode_form::nfd: options |= UTF8PROC_DECOMPOSE; break;
        case unicode_form::nfkc: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
        case unicode_form::nfkd: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t* result = nullptr;
    const auto length =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                     &result, static_cast<utf8proc_option_t>(options));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result, &std::free);
    if (length < 0)
        throw error(std::string("Unicode normalization failed: ") +
                    utf8proc_errmsg(static_cast<utf8proc_ssize_t>(length)));
    return std::string(reinterpret_cast<const char*>(result), static_cast<std::size_t>(length));
}

}  // namespace cirm::detail
