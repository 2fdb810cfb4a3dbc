#pragma once
/// \file
/// The `list_items` bias attribute (beyond the method, docs/method.md §4): Markdown list item lines.

#include <cstddef>
#include <string_view>

#include "cirm/ascii.hpp"
#include "cirm/detail/lines.hpp"

namespace cirm::attributes {

/// Number of lines of the response that start a list item: after optional indentation (spaces
/// and tabs, so nested items count), "- ", "* ", "+ ", or one or more digits followed by ". "
/// ("1. ", "10. "). Lines inside a ``` fenced code block are code, not Markdown, and are not
/// counted; an unclosed fence runs to the end. The rule is textual: "* * *" (a thematic break in
/// Markdown) counts, "-item" and "1.5" do not. Lines end at "\n" or "\r\n". Throws cirm::error
/// for invalid UTF-8.
struct list_items {
    static constexpr std::string_view name() noexcept { return "list_items"; }

    /// Whether a line (without its terminator) starts a list item.
    static constexpr bool is_list_item(std::string_view line) noexcept {
        line = detail::without_indentation(line);
        if (line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ")) return true;
        std::size_t digits = 0;
        while (digits < line.size() && is_ascii_digit(as_code_unit(line[digits]))) ++digits;
        return digits > 0 && line.substr(digits).starts_with(". ");
    }

    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        return static_cast<double>(detail::count_lines_outside_code(
            response, "response", [](std::string_view line) { return is_list_item(line); }));
    }
};

}  // namespace cirm::attributes
