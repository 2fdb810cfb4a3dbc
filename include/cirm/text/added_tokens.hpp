#pragma once
/// \file
/// Added tokens (tokenizer.json's `added_tokens`) and how they are cut out of a text before
/// normalization, as Hugging Face's `tokenizers` does by default: every occurrence of an added
/// token's text is that token, the leftmost first and the longest among those that start there
/// (one pass over a trie of all of them, however many there are), including where the text comes
/// from a user. So a prompt that contains "<|eot_id|>" gets the control token, not the characters;
/// that is what Hugging Face does unless asked otherwise, and what a reward model sees there.
/// Per token: single_word (matches only where no letter or digit touches it), lstrip and rstrip
/// (the whitespace on that side belongs to the token), normalized (matched in the normalized text,
/// after the tokens that are not).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/text/unicode.hpp"

namespace cirm {

/// One entry of `added_tokens`.
struct added_token {
    std::int32_t id = 0;
    std::string content;
    bool single_word = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

}  // namespace cirm

namespace cirm::detail {

/// A part of a text: an added token (id >= 0) or text to encode (id < 0).
struct text_part {
    std::size_t start = 0;
    std::size_t end = 0;
    std::int32_t token = -1;
};

/// The tokens to cut out of a text, as a byte trie.
class added_token_matcher {
public:
    added_token_matcher() = default;

    /// `tokens` are matched by their `pattern_texts` (the content, or the normalized content).
    added_token_matcher(std::vector<added_token> tokens, const std::vector<std::string>& pattern_texts)
        : tokens_(std::move(tokens)) {
        nodes_.emplace_back();
        for (std::size_t t = 0; t < tokens_.size(); ++t) {
            const std::string& text = pattern_texts[t];
            if (text.empty()) continue;
            std::size_t at = 0;
            for (char c : text) {
                const auto byte = static_cast<unsigned char>(c);
                std::int32_t child = find_child(at, byte);
                if (child < 0) {
                    child = static_cast<std::int32_t>(nodes_.size());
                    nodes_[at].children.emplace_back(byte, child);
                    nodes_.emplace_back();
                }
                at = static_cast<std::size_t>(child);
            }
            if (nodes_[at].token < 0) nodes_[at].token = static_cast<std::int32_t>(t);
        }
        for (auto& n : nodes_) std::sort(n.children.begin(), n.children.end());
        for (const auto& [byte, child] : nodes_[0].children) has_first_byte_[byte] = true;
    }

    bool empty() const noexcept { return nodes_.size() <= 1; }

    /// The parts of `text` (valid UTF-8): added tokens and the text between them (non-empty).
    std::vector<text_part> split(std::string_view text) const {
        std::vector<text_part> parts;
        std::size_t done = 0;  // text before this is in `parts`
        std::size_t position = 0;
        while (position < text.size()) {
            if (!has_first_byte_[static_cast<unsigned char>(text[position])]) {
                ++position;
                continue;
            }
            const auto [token, length] = longest_at(text, position);
            if (token < 0) {
                ++position;
                continue;
            }
            std::size_t start = position;
            std::size_t stop = position + length;
            position = stop;  // the search goes on after this match, accepted or not
            const added_token& t = tokens_[static_cast<std::size_t>(token)];
            if (t.single_word && (word_ends_at(text, start) || word_starts_at(text, stop))) continue;
            if (start < done) continue;  // inside the whitespace that an rstrip took
            if (t.lstrip) start = std::max(done, whitespace_start_before(text, start));
            if (t.rstrip) stop = whitespace_end_after(text, stop);
            if (done < start) parts.push_back({done, start, -1});
            parts.push_back({start, stop, t.id});
            done = stop;
            position = std::max(position, stop);
        }
        if (done < text.size()) parts.push_back({done, text.size(), -1});
        return parts;
    }

private:
    struct node {
        std::vector<std::pair<unsigned char, std::int32_t>> children;  // sorted by byte
        std::int32_t token = -1;                                       // index into tokens_
    };

    std::int32_t find_child(std::size_t n, unsigned char byte) const noexcept {
        for (const auto& [b, child] : nodes_[n].children)
            if (b == byte) return child;
        return -1;
    }
    std::int32_t find_child_sorted(std::size_t n, unsigned char byte) const noexcept {
        const auto& children = nodes_[n].children;
        const auto it =
            std::lower_bound(children.begin(), children.end(), std::pair<unsigned char, std::int32_t>(byte, -1));
        return it != children.end() && it->first == byte ? it->second : -1;
    }

    /// The longest token starting at `position`: (index into tokens_, length), or (-1, 0).
    std::pair<std::int32_t, std::size_t> longest_at(std::string_view text, std::size_t position) const noexcept {
        std::pair<std::int32_t, std::size_t> best{-1, 0};
        std::size_t n = 0;
        for (std::size_t i = position; i < text.size(); ++i) {
            const std::int32_t child = find_child_sorted(n, static_cast<unsigned char>(text[i]));
            if (child < 0) break;
            n = static_cast<std::size_t>(child);
            if (nodes_[n].token >= 0) best = {nodes_[n].token, i + 1 - position};
        }
        return best;
    }

    static char32_t last_character_before(std::string_view text, std::size_t end, std::size_t& start) noexcept {
        start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t length = 0;
        return code_point_at(text, start, length);
    }
    static bool word_ends_at(std::string_view text, std::size_t end) noexcept {
        if (end == 0) return false;
        std::size_t start = 0;
        const char32_t c = last_character_before(text, end, start);
        return c == '_' || is_unicode_alphanumeric(c);
    }
    static bool word_starts_at(std::string_view text, std::size_t start) noexcept {
        if (start >= text.size()) return false;
        std::size_t length = 0;
        const char32_t c = code_point_at(text, start, length);
        return c == '_' || is_unicode_alphanumeric(c);
    }
    static std::size_t whitespace_start_before(std::string_view text, std::size_t end) noexcept {
        while (end > 0) {
            std::size_t start = 0;
            if (!is_unicode_whitespace(last_character_before(text, end, start))) break;
            end = start;
        }
        return end;
    }
    static std::size_t whitespace_end_after(std::string_view text, std::size_t start) noexcept {
        std::size_t length = 0;
        while (start < text.size() && is_unicode_whitespace(code_point_at(text, start, length))) start += length;
        return start;
    }

    std::vector<added_token> tokens_;
    std::vector<node> nodes_;
    std::array<bool, 256> has_first_byte_{};
};

}  // namespace cirm::detail
