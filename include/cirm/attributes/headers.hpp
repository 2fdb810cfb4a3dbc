#pragma once
/// \file
/// The `headers` bias attribute (beyond the method, docs/method.md §4): lines starting with '#'.

#include <cstddef>
#include <string_view>

#include "cirm/detail/lines.hpp"

namespace cirm::attributes {

/// Number of lines of the response whose first character is '#' ("# Title", "### Step 2", but
/// also "#hashtag"; an indented "  # x" does not count). Lines inside a ``` fenced code block are
/// not counted, so that comments of Python or shell code ("# install") and "#include" are not
/// taken for headers; an unclosed fence runs to the end. Lines end at "\n" or "\r\n". Throws
/// cirm::error for invalid UTF-8.
struct headers {
    static constexpr std::string_view name() noexcept { return "headers"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        return static_cast<double>(detail::count_lines_outside_code(
            response, "response", [](std::string_view line) { return line.starts_with('#'); }));
    }
};

}  // namespace cirm::attributes
