#pragma once
/// \file
/// The `overlap` bias attribute (docs/method.md §4): the share of the response's distinct words that
/// also occur in the prompt, |W(y) ∩ W(q)| / |W(y)|.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "cirm/ascii.hpp"
#include "cirm/utf8.hpp"

namespace cirm::attributes {

namespace overlap_detail {

/// Hashes and compares words ignoring ASCII case, so that the word sets can hold views into the
/// original text instead of lowercased copies (no allocation per word beyond the set's node).
struct case_insensitive_hash {
    std::size_t operator()(std::string_view word) const noexcept {
        std::uint64_t h = 14695981039346656037ull;  // FNV-1a
        for (char c : word) {
            h ^= static_cast<unsigned char>(to_ascii_lower(c));
            h *= 1099511628211ull;
        }
        return static_cast<std::size_t>(h);
    }
};
struct case_insensitive_equal {
    bool operator()(std::string_view a, std::string_view b) const noexcept {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (to_ascii_lower(a[i]) != to_ascii_lower(b[i])) return false;
        return true;
    }
};
using word_set = std::unordered_set<std::string_view, case_insensitive_hash, case_insensitive_equal>;

/// Calls `on_word(std::string_view)` for every word of the text, validating its UTF-8.
template <class OnWord>
void for_each_word(std::string_view text, std::string_view what, OnWord&& on_word) {
    utf8_decoder decoder(text, what);
    std::size_t word_start = 0;
    bool in_word = false;
    while (!decoder.done()) {
        const std::size_t at = decoder.position();
        const bool word_character = is_ascii_alnum(decoder.next());
        if (word_character && !in_word) word_start = at;
        if (!word_character && in_word) on_word(text.substr(word_start, at - word_start));
        in_word = word_character;
    }
    if (in_word) on_word(text.substr(word_start));
}

}  // namespace overlap_detail

/// |W(y) ∩ W(q)| / |W(y)|, W(t) being the set of lowercased words of t; 0 when the response has
/// no word (the project's choice, docs/method.md §4).
///
/// A word is a maximal run of ASCII letters and digits; every other character, including every
/// non-ASCII code point, separates words, and only ASCII letters are lowercased. So "Héllo" gives
/// the words "h" and "llo", and CJK text has no words. This keeps the attribute locale-free and
/// identical everywhere; it is meant for English-language data, like the method. Throws
/// cirm::error for invalid UTF-8 in the prompt or the response.
struct overlap {
    static constexpr std::string_view name() noexcept { return "overlap"; }
    double operator()(std::string_view prompt, std::string_view response) const {
        overlap_detail::word_set prompt_words;
        overlap_detail::for_each_word(prompt, "prompt", [&](std::string_view w) { prompt_words.insert(w); });
        overlap_detail::word_set response_words;
        std::size_t shared = 0;
        overlap_detail::for_each_word(response, "response", [&](std::string_view w) {
            if (response_words.insert(w).second && prompt_words.contains(w)) ++shared;
        });
        if (response_words.empty()) return 0.0;
        return static_cast<double>(shared) / static_cast<double>(response_words.size());
    }
};

}  // namespace cirm::attributes
