#pragma once
/// \file
/// The pre-tokenizers of tokenizer.json: Split (a string or a regular expression, every
/// delimiter behaviour, invert), ByteLevel, Metaspace, Digits, and a Sequence of them (kept as
/// the list of its steps). Each step cuts every current piece into smaller ones, as Hugging
/// Face's `tokenizers` does; empty pieces are dropped.

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cirm/text/pattern.hpp"
#include "cirm/text/unicode.hpp"

namespace cirm {

/// What a split does with the parts that the pattern matched (Hugging Face's names).
enum class split_behavior {
    removed,               ///< dropped
    isolated,              ///< a piece of their own
    merged_with_previous,  ///< appended to the piece before
    merged_with_next,      ///< prepended to the piece after
    contiguous,            ///< consecutive matches become one piece
};

/// Where Metaspace puts its replacement character in front of a piece.
enum class prepend_scheme {
    always,  ///< in front of every piece that does not start with it
    first,   ///< only in front of the piece that starts the input
    never,
};

/// A piece of text between pre-tokenization steps.
struct pre_token {
    std::string text;
    bool starts_input = false;  ///< it begins at the start of the text being encoded
};

/// One pre-tokenization step.
struct pre_tokenizer_step {
    struct split {
        detail::text_pattern pattern;
        split_behavior behavior = split_behavior::isolated;
        bool invert = false;
    };
    /// Bytes to GPT-2's printable alphabet; add_prefix_space puts a space in front of a piece that
    /// has none; use_regex first splits with GPT-2's expression.
    struct byte_level {
        bool add_prefix_space = false;
        bool use_regex = true;
    };
    /// Spaces become `replacement`; split cuts before each replacement character.
    struct metaspace {
        std::string replacement = "\xE2\x96\x81";  // U+2581
        cirm::prepend_scheme scheme = cirm::prepend_scheme::always;
        bool split = true;
    };
    /// Numbers (Unicode categories Nd, Nl, No) apart from the rest: each digit alone
    /// (individual_digits) or runs of digits.
    struct digits {
        bool individual = false;
    };
    std::variant<split, byte_level, metaspace, digits> action;
};

namespace detail {

/// The regular expression of GPT-2 that ByteLevel with use_regex splits with.
inline constexpr std::string_view gpt2_pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// GPT-2's byte alphabet: each byte as the UTF-8 text of the printable character that stands
/// for it (printable Latin-1 bytes stand for themselves, the others for U+0100 onwards).
inline const std::array<std::string, 256>& byte_level_alphabet() {
    static const std::array<std::string, 256> alphabet = [] {
        std::array<std::string, 256> table;
        char32_t next = 256;
        for (int byte = 0; byte < 256; ++byte) {
            const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
            append_utf8(table[static_cast<std::size_t>(byte)], printable ? char32_t(byte) : next++);
        }
        return table;
    }();
    return alphabet;
}

/// The [start, end) ranges that `segments` become under `behavior`.
inline std::vector<std::pair<std::size_t, std::size_t>> apply_split_behavior(const std::vector<text_segment>& segments,
                                                                             split_behavior behavior) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    out.reserve(segments.size());
    bool previous_matched = false;
    switch (behavior) {
        case split_behavior::removed:
            for (const auto& s : segments)
                if (!s.matched) out.emplace_back(s.start, s.end);
            break;
        case split_behavior::isolated:
            for (const auto& s : segments) out.emplace_back(s.start, s.end);
            break;
        case split_behavior::merged_with_previous:
            for (const auto& s : segments) {
                if (s.matched && !previous_matched && !out.empty())
                    out.back().second = s.end;
                else
                    out.emplace_back(s.start, s.end);
                previous_matched = s.matched;
            }
            break;
        case split_behavior::merged_with_next:
            for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
                if (it->matched && !previous_matched && !out.empty())
                    out.back().first = it->start;
                else
                    out.emplace_back(it->start, it->end);
                previous_matched = it->matched;
            }
            std::reverse(out.begin(), out.end());
            break;
        case split_behavior::contiguous:
            for (const auto& s : segments) {
                if (s.matched == previous_matched && !out.empty())
                    out.back().second = s.end;
                else
                    out.emplace_back(s.start, s.end);
                previous_matched = s.matched;
            }
            break;
    }
    return out;
}

/// Appends the non-empty parts of `piece` given by `ranges`.
inline void append_ranges(const pre_token& piece, const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                          std::vector<pre_token>& out) {
    for (const auto& [start, end] : ranges)
        if (end > start) out.push_back({piece.text.substr(start, end - start), piece.starts_input && start == 0});
}

/// The segments of `text` where each character for which `is_match` holds is a match of its own.
template <class Predicate>
std::vector<text_segment> character_segments(std::string_view text, Predicate&& is_match) {
    std::vector<text_segment> out;
    std::size_t last = 0;
    std::size_t length = 0;
    for (std::size_t i = 0; i < text.size(); i += length) {
        const char32_t c = code_point_at(text, i, length);
        if (!is_match(c, text.substr(i, length))) continue;
        if (last < i) out.push_back({last, i, false});
        out.push_back({i, i + length, true});
        last = i + length;
    }
    if (last < text.size()) out.push_back({last, text.size(), false});
    return out;
}

}  // namespace detail

/// A pre-tokenizer: its steps, applied in order (none: the whole text is one piece).
class text_pre_tokenizer {
public:
    text_pre_tokenizer() = default;
    explicit text_pre_tokenizer(std::vector<pre_tokenizer_step> steps) : steps_(std::move(steps)) {
        for (const auto& step : steps_)
            if (const auto* b = std::get_if<pre_tokenizer_step::byte_level>(&step.action); b && b->use_regex)
                gpt2_.emplace(detail::gpt2_pattern, "ByteLevel");
    }

    /// True when a step maps bytes to GPT-2's alphabet.
    bool byte_level() const noexcept {
        for (const auto& step : steps_)
            if (std::holds_alternative<pre_tokenizer_step::byte_level>(step.action)) return true;
        return false;
    }

    /// The pieces of `text`; `starts_input` says whether it begins the encoded text.
    std::vector<pre_token> apply(std::string text, bool starts_input) const {
        std::vector<pre_token> pieces;
        pieces.push_back({std::move(text), starts_input});
        std::vector<pre_token> next;
        for (const auto& step : steps_) {
            next.clear();
            for (auto& piece : pieces) apply_step(step, piece, next);
            pieces.swap(next);
        }
        return pieces;
    }

private:
    void apply_step(const pre_tokenizer_step& step, pre_token& piece, std::vector<pre_token>& out) const {
        if (const auto* s = std::get_if<pre_tokenizer_step::split>(&step.action)) {
            detail::append_ranges(
                piece, detail::apply_split_behavior(s->pattern.segments(piece.text, s->invert), s->behavior), out);
        } else if (const auto* b = std::get_if<pre_tokenizer_step::byte_level>(&step.action)) {
            if (b->add_prefix_space && (piece.text.empty() || piece.text.front() != ' '))
                piece.text.insert(piece.text.begin(), ' ');
            const auto& alphabet = detail::byte_level_alphabet();
            const auto emit = [&](std::string_view part, bool starts) {
                if (part.empty()) return;
                pre_token mapped{{}, starts};
                mapped.text.reserve(part.size() * 2);
                for (char c : part) mapped.text += alphabet[static_cast<unsigned char>(c)];
                out.push_back(std::move(mapped));
            };
            if (!b->use_regex) {
                emit(piece.text, piece.starts_input);
                return;
            }
            std::size_t previous = 0;
            const std::string_view text = piece.text;
            gpt2_->for_each_match(text, [&](std::size_t start, std::size_t end) {
                emit(text.substr(previous, start - previous), piece.starts_input && previous == 0);
                emit(text.substr(start, end - start), piece.starts_input && start == 0);
                previous = end;
            });
            emit(text.substr(previous), piece.starts_input && previous == 0);
        } else if (const auto* m = std::get_if<pre_tokenizer_step::metaspace>(&step.action)) {
            std::string replaced;
            replaced.reserve(piece.text.size() + m->replacement.size());
            for (char c : piece.text) {
                if (c == ' ')
                    replaced += m->replacement;
                else
                    replaced += c;
            }
            const bool starts_with_replacement = replaced.compare(0, m->replacement.size(), m->replacement) == 0;
            if (!starts_with_replacement &&
                (m->scheme == prepend_scheme::always || (m->scheme == prepend_scheme::first && piece.starts_input)))
                replaced.insert(0, m->replacement);
            pre_token whole{std::move(replaced), piece.starts_input};
            if (!m->split) {
                if (!whole.text.empty()) out.push_back(std::move(whole));
                return;
            }
            const auto segments = detail::character_segments(
                whole.text, [&](char32_t, std::string_view character) { return character == m->replacement; });
            detail::append_ranges(whole, detail::apply_split_behavior(segments, split_behavior::merged_with_next), out);
        } else {
            const auto& d = std::get<pre_tokenizer_step::digits>(step.action);
            const auto segments = detail::character_segments(
                piece.text, [](char32_t c, std::string_view) { return detail::is_unicode_numeric(c); });
            detail::append_ranges(piece,
                                  detail::apply_split_behavior(
                                      segments, d.individual ? split_behavior::isolated : split_behavior::contiguous),
                                  out);
        }
    }

    std::vector<pre_tokenizer_step> steps_;
    std::optional<detail::compiled_regex> gpt2_;
};

}  // namespace cirm
