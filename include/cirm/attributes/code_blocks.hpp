#pragma once
/// \file
/// The `code_blocks` bias attribute (beyond the method, docs/method.md §4): fenced code blocks.

#include <cstddef>
#include <string_view>

#include "cirm/detail/lines.hpp"

namespace cirm::attributes {

/// Number of ``` fenced code blocks of the response. A fence is a line that starts, after
/// optional indentation, with "```" (an info string like "```python" may follow); fences pair up
/// in order, opening and closing a block, so a block is a pair of fences and a final unclosed
/// fence is a block too (Markdown renders it as code to the end): blocks = ⌈fences / 2⌉.
/// Backticks inside a line ("run ```ls```") are not fences. Tilde fences are not recognised.
/// Lines end at "\n" or "\r\n". Throws cirm::error for invalid UTF-8.
struct code_blocks {
    static constexpr std::string_view name() noexcept { return "code_blocks"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        std::size_t fences = 0;
        detail::for_each_line(response, "response", [&](std::string_view line) {
            if (detail::is_code_fence(line)) ++fences;
        });
        return static_cast<double>((fences + 1) / 2);
    }
};

}  // namespace cirm::attributes
