#pragma once
/// \file
/// Strict UTF-8 decoding (RFC 3629) for the bias attributes, the dataset readers and custom
/// attributes of one's own (which should refuse malformed text as the built-ins do): a validator,
/// a code point reader and a code point count, all linear in the length of the text and
/// allocation-free unless they throw.
///
/// Malformed input is an error, never silently replaced: an attribute measured on text that is
/// not what the user thinks it is would correlate with garbage. Rejected: stray continuation
/// bytes, overlong encodings (C0, C1, E0 80–9F, F0 80–8F), UTF-16 surrogates (ED A0–BF), code
/// points above U+10FFFF (F4 90–BF, F5–F7), the bytes F8–FF, and sequences cut short by the end
/// of the text or by a byte that is not a continuation byte.
///
/// The message is "invalid UTF-8 at byte N[ of the <what>]: <reason>", N being the 0-based byte
/// offset of the first byte of the malformed sequence.

#include <cstddef>
#include <string>
#include <string_view>

#include "cirm/error.hpp"

namespace cirm {

/// Reads the code points of a UTF-8 text one by one, validating as it goes:
///
///     utf8_decoder decoder(text, "response");
///     while (!decoder.done()) { std::size_t at = decoder.position(); char32_t c = decoder.next(); … }
///
/// `what` names the text in error messages ("response", "prompt"); it must outlive the decoder.
class utf8_decoder {
public:
    explicit utf8_decoder(std::string_view text, std::string_view what = {}) noexcept : text_(text), what_(what) {}

    /// True when every code point has been read.
    bool done() const noexcept { return position_ >= text_.size(); }
    /// Byte offset of the next code point.
    std::size_t position() const noexcept { return position_; }

    /// Decodes the next code point and moves past it; throws cirm::error if it is malformed.
    /// Precondition: !done().
    char32_t next() {
        const unsigned char lead = byte(position_);
        if (lead < 0x80) {  // ASCII: the common case, one comparison
            ++position_;
            return lead;
        }
        return next_multibyte(lead);
    }

private:
    unsigned char byte(std::size_t offset) const noexcept { return static_cast<unsigned char>(text_[offset]); }
    bool is_continuation_at(std::size_t offset) const noexcept {
        return offset < text_.size() && (byte(offset) & 0xC0) == 0x80;
    }
    /// Throws the error for the malformed sequence that starts at the current position.
    [[noreturn]] void fail(std::string_view reason) const {
        std::string message = "invalid UTF-8 at byte " + std::to_string(position_);
        if (!what_.empty()) {
            message += " of the ";
            message += what_;
        }
        message += ": ";
        message += reason;
        throw error(message);
    }

    char32_t next_multibyte(unsigned char lead) {
        std::size_t length = 0;
        char32_t code_point = 0;
        // The allowed range of the second byte narrows for some lead bytes; that is where
        // overlongs, surrogates and code points above U+10FFFF are caught.
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xBF;
        if (lead < 0xC0) fail("unexpected continuation byte");
        if (lead < 0xC2) fail("overlong encoding");
        if (lead < 0xE0) {
            length = 2;
            code_point = lead & 0x1Fu;
        } else if (lead < 0xF0) {
            length = 3;
            code_point = lead & 0x0Fu;
            if (lead == 0xE0) second_min = 0xA0;
            if (lead == 0xED) second_max = 0x9F;
        } else if (lead < 0xF5) {
            length = 4;
            code_point = lead & 0x07u;
            if (lead == 0xF0) second_min = 0x90;
            if (lead == 0xF4) second_max = 0x8F;
        } else if (lead < 0xF8) {
            fail("code point above U+10FFFF");
        } else {
            fail("byte 0xF8-0xFF never occurs in UTF-8");
        }

        if (!is_continuation_at(position_ + 1)) fail("truncated sequence");
        const unsigned char second = byte(position_ + 1);
        if (second < second_min) fail("overlong encoding");
        if (second > second_max) fail(lead == 0xED ? "surrogate code point" : "code point above U+10FFFF");
        code_point = (code_point << 6) | (second & 0x3Fu);
        for (std::size_t k = 2; k < length; ++k) {
            if (!is_continuation_at(position_ + k)) fail("truncated sequence");
            code_point = (code_point << 6) | (byte(position_ + k) & 0x3Fu);
        }
        position_ += length;
        return code_point;
    }

    std::string_view text_;
    std::string_view what_;
    std::size_t position_ = 0;
};

/// Number of Unicode code points of a UTF-8 text; throws cirm::error for malformed input.
inline std::size_t count_code_points(std::string_view text, std::string_view what = {}) {
    utf8_decoder decoder(text, what);
    std::size_t count = 0;
    while (!decoder.done()) {
        decoder.next();
        ++count;
    }
    return count;
}

/// Throws cirm::error if the text is not valid UTF-8.
inline void validate_utf8(std::string_view text, std::string_view what = {}) { count_code_points(text, what); }

/// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF; not checked) to `out`.
inline void append_utf8(std::string& out, char32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

}  // namespace cirm
