#pragma once
/// \file
/// The `pattern` of Split and Replace: a literal string or a regular expression, and the list of
/// the segments of a text that it matches and does not match (what Hugging Face's
/// `tokenizers` splits with).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/text/regex.hpp"

namespace cirm::detail {

/// A part of a text, [start, end) in bytes, and whether the pattern matched it.
struct text_segment {
    std::size_t start = 0;
    std::size_t end = 0;
    bool matched = false;
};

/// A literal string or a regular expression.
class text_pattern {
public:
    /// Matches every occurrence of `literal` (non-overlapping, left to right).
    static text_pattern literal(std::string literal) {
        text_pattern p;
        p.literal_ = std::move(literal);
        return p;
    }
    /// Matches the regular expression `expression` (PCRE2 syntax, see regex.hpp).
    static text_pattern regex(std::string_view expression, const std::string& where) {
        text_pattern p;
        p.regex_.emplace(expression, where);
        return p;
    }

    /// Calls `on_match(start, end)` for each match in `text`.
    template <class OnMatch>
    void for_each_match(std::string_view text, OnMatch&& on_match) const {
        if (regex_) {
            regex_->for_each_match(text, on_match);
            return;
        }
        if (literal_.empty()) return;
        for (std::size_t at = text.find(literal_); at != std::string_view::npos;
             at = text.find(literal_, at + literal_.size()))
            on_match(at, at + literal_.size());
    }

    /// The segments of `text`, in order, covering it: matches and the gaps between them. An
    /// empty text is one unmatched segment. `invert` swaps matched and unmatched.
    std::vector<text_segment> segments(std::string_view text, bool invert = false) const {
        std::vector<text_segment> out;
        if (text.empty()) {
            out.push_back({0, 0, invert});
            return out;
        }
        std::size_t previous = 0;
        for_each_match(text, [&](std::size_t start, std::size_t end) {
            if (start != previous) out.push_back({previous, start, invert});
            out.push_back({start, end, !invert});
            previous = end;
        });
        if (previous != text.size()) out.push_back({previous, text.size(), invert});
        return out;
    }

private:
    text_pattern() = default;
    std::string literal_;
    std::optional<compiled_regex> regex_;
};

}  // namespace cirm::detail
