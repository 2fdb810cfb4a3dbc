#pragma once
/// \file
/// The `emoji` bias attribute (beyond the method, docs/method.md §4): code points in the emoji blocks.

#include <cstddef>
#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of code points of the response in the emoji blocks:
///   - U+2600–U+27BF: Miscellaneous Symbols and Dingbats (☀ ☺ ♥ ⚡ ✅ ✨ ❤ ➡);
///   - U+1F000–U+1FAFF: Mahjong Tiles through Symbols and Pictographs Extended-A (🀄 🃏,
///     regional indicators, 🌍 😀 🚀 🟢 🤖 🥰 🫠, and the skin-tone modifiers U+1F3FB–U+1F3FF).
/// Code points, not emoji sequences: a flag (two regional indicators) counts 2, "👍🏽" (thumb +
/// skin tone) counts 2, a ZWJ family counts its members; the joiner U+200D and the variation
/// selector U+FE0F are outside the blocks and never count. Emoji encoded outside these blocks
/// (© ® ‼ ™ ⌚ ⭐ 〰) are not counted. Throws cirm::error for invalid UTF-8.
struct emoji {
    static constexpr std::string_view name() noexcept { return "emoji"; }

    /// Whether a code point lies in one of the blocks above.
    static constexpr bool is_emoji_block(char32_t c) noexcept {
        return (c >= 0x2600 && c <= 0x27BF) || (c >= 0x1F000 && c <= 0x1FAFF);
    }

    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        utf8_decoder decoder(response, "response");
        std::size_t count = 0;
        while (!decoder.done())
            if (is_emoji_block(decoder.next())) ++count;
        return static_cast<double>(count);
    }
};

}  // namespace cirm::attributes
