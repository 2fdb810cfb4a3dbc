#pragma once
/// \file
/// Line-level scanning for the line-based attributes (list items, headers, code blocks): splits
/// UTF-8 text into lines while validating it, in one pass, and recognises ``` fence lines.
///
/// A line ends at "\n"; a "\r" just before it (Windows "\r\n") is not part of the line. A lone
/// "\r" (classic Mac OS) is not a line break.

#include <cstddef>
#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::detail {

/// Calls `on_line(std::string_view line)` for every line of `text`, in order, without the line
/// terminator. The part after the last "\n" is a line too (possibly empty). Throws cirm::error
/// if the text is not valid UTF-8 (`what` names it in the message).
template <class OnLine>
void for_each_line(std::string_view text, std::string_view what, OnLine&& on_line) {
    const auto without_carriage_return = [](std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return line;
    };
    utf8_decoder decoder(text, what);
    std::size_t line_start = 0;
    while (!decoder.done()) {
        const std::size_t at = decoder.position();
        if (decoder.next() == U'\n') {
            on_line(without_carriage_return(text.substr(line_start, at - line_start)));
            line_start = at + 1;
        }
    }
    on_line(without_carriage_return(text.substr(line_start)));
}

/// The line without its leading spaces and tabs (indentation, e.g. of a nested list).
constexpr std::string_view without_indentation(std::string_view line) noexcept {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return line.substr(i);
}

/// A Markdown code fence: after optional indentation, the line starts with "```" (an info
/// string such as "```python" may follow). Tilde fences are not recognised.
constexpr bool is_code_fence(std::string_view line) noexcept { return without_indentation(line).starts_with("```"); }

/// Counts the lines of `text` outside ``` code blocks for which `matches(line)` holds (fence
/// lines themselves never count; an unclosed fence runs to the end of the text).
template <class Predicate>
std::size_t count_lines_outside_code(std::string_view text, std::string_view what, Predicate&& matches) {
    std::size_t count = 0;
    bool in_code_block = false;
    for_each_line(text, what, [&](std::string_view line) {
        if (is_code_fence(line))
            in_code_block = !in_code_block;
        else if (!in_code_block && matches(line))
            ++count;
    });
    return count;
}

}  // namespace cirm::detail
