#pragma once
/// \file
/// The normalizers of tokenizer.json: NFC, NFD, NFKC, NFKD, Replace, Prepend, Strip and a
/// Sequence of them (a sequence is kept as the list of its steps, applied in order).

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cirm/text/pattern.hpp"
#include "cirm/text/unicode.hpp"

namespace cirm {

/// One normalization step.
struct normalizer_step {
    struct unicode {
        unicode_form form = unicode_form::nfc;
    };
    /// Every match of `pattern` becomes `content`.
    struct replace {
        detail::text_pattern pattern;
        std::string content;
    };
    /// `text` goes in front of a non-empty text.
    struct prepend {
        std::string text;
    };
    /// Leading and/or trailing whitespace (Unicode White_Space) is removed.
    struct strip {
        bool left = true;
        bool right = true;
    };
    std::variant<unicode, replace, prepend, strip> action;
};

/// A normalizer: its steps, applied in order (none: the text is left as it is).
class text_normalizer {
public:
    text_normalizer() = default;
    explicit text_normalizer(std::vector<normalizer_step> steps) : steps_(std::move(steps)) {}

    bool empty() const noexcept { return steps_.empty(); }

    /// `text` after every step.
    std::string apply(std::string text) const {
        for (const auto& step : steps_) text = apply_step(step, std::move(text));
        return text;
    }

private:
    static std::string apply_step(const normalizer_step& step, std::string text) {
        if (const auto* u = std::get_if<normalizer_step::unicode>(&step.action))
            return detail::normalize_unicode(text, u->form);
        if (const auto* r = std::get_if<normalizer_step::replace>(&step.action)) {
            std::string out;
            std::size_t previous = 0;
            r->pattern.for_each_match(text, [&](std::size_t start, std::size_t end) {
                out.append(text, previous, start - previous);
                out += r->content;
                previous = end;
            });
            out.append(text, previous, std::string::npos);
            return out;
        }
        if (const auto* p = std::get_if<normalizer_step::prepend>(&step.action)) {
            if (text.empty()) return text;
            return p->text + text;
        }
        const auto& s = std::get<normalizer_step::strip>(step.action);
        std::size_t begin = 0;
        std::size_t end = text.size();
        std::size_t length = 0;
        if (s.left)
            while (begin < end && detail::is_unicode_whitespace(detail::code_point_at(text, begin, length)))
                begin += length;
        if (s.right)
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
                if (!detail::is_unicode_whitespace(detail::code_point_at(text, start, length))) break;
                end = start;
            }
        return text.substr(begin, end - begin);
    }

    std::vector<normalizer_step> steps_;
};

}  // namespace cirm
