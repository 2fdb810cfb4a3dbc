#pragma once
/// \file
/// The `paragraphs` bias attribute (docs/method.md §4): occurrences of "\n\n" in the response.

#include <cstddef>
#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of occurrences of "\n\n" in the response, counted the way a left-to-right search that
/// resumes after each match counts them (non-overlapping): "\n\n\n" is 1, "\n\n\n\n" is 2.
/// Windows line endings are normalised first ("\r\n" reads as "\n"), so "\r\n\r\n" is 1; a lone
/// "\r" is not a line break. A line holding only spaces ("\n \n") does not count: the rule is
/// textual. Throws cirm::error for invalid UTF-8.
struct paragraphs {
    static constexpr std::string_view name() noexcept { return "paragraphs"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        utf8_decoder decoder(response, "response");
        std::size_t count = 0;
        bool after_unpaired_newline = false;  // the previous normalised character was a "\n" not yet matched
        while (!decoder.done()) {
            const std::size_t at = decoder.position();
            const char32_t c = decoder.next();
            if (c == U'\r' && at + 1 < response.size() && response[at + 1] == '\n') continue;  // CRLF → LF
            if (c == U'\n') {
                if (after_unpaired_newline) ++count;
                after_unpaired_newline = !after_unpaired_newline;
            } else {
                after_unpaired_newline = false;
            }
        }
        return static_cast<double>(count);
    }
};

}  // namespace cirm::attributes
