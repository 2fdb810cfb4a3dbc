#pragma once
/// \file
/// The `links` bias attribute (beyond the method, docs/method.md §4): http:// and https:// URLs.

#include <cstddef>
#include <string_view>

#include "cirm/ascii.hpp"
#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of http:// and https:// URLs in the response: occurrences of "http://" or "https://"
/// (scheme in any ASCII case, "HTTPS://" counts) followed by at least one character that is not
/// whitespace or an ASCII control character; a bare "http://" mention is not a URL. Markdown
/// links "[text](https://…)" count once; a URL nested in another one (an archive link) counts
/// each scheme. Throws cirm::error for invalid UTF-8.
struct links {
    static constexpr std::string_view name() noexcept { return "links"; }

    /// Length of the URL scheme prefix at the start of `text` ("http://" 7, "https://" 8), or 0
    /// when `text` does not begin a URL.
    static constexpr std::size_t scheme_length(std::string_view text) noexcept {
        std::size_t scheme = 0;
        if (starts_with_ignoring_ascii_case(text, "http://"))
            scheme = 7;
        else if (starts_with_ignoring_ascii_case(text, "https://"))
            scheme = 8;
        if (scheme == 0 || text.size() == scheme) return 0;
        const char32_t after = as_code_unit(text[scheme]);
        return (after <= U' ' || after == 0x7F) ? 0 : scheme;
    }

    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        utf8_decoder decoder(response, "response");
        std::size_t count = 0;
        while (!decoder.done()) {
            const std::size_t at = decoder.position();
            const char32_t c = decoder.next();
            // The look-ahead reads at most 9 bytes, so the scan stays linear.
            if ((c == U'h' || c == U'H') && scheme_length(response.substr(at)) > 0) ++count;
        }
        return static_cast<double>(count);
    }
};

}  // namespace cirm::attributes
