#pragma once
/// \file
/// The `affirmative` bias attribute (beyond the method, docs/method.md §4): whether the response opens
/// with an eager "Sure" / "Certainly" / "Of course" / "Absolutely".

#include <array>
#include <cstddef>
#include <string_view>

#include "cirm/ascii.hpp"
#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// 1 if the response, after leading ASCII whitespace (spaces, tabs, line breaks), opens with one
/// of "Sure", "Certainly", "Of course" (one space between the words), "Absolutely" as a whole
/// word, else 0. Case is ignored ("SURE!" and "sure," count): the bias is about the eager opening,
/// not its capitalisation. Whole word: the next character is not an ASCII letter or digit, so
/// "Surely" and "Sure2" do not count while "Sure!", "Sure," and "Sure—" do. Throws cirm::error
/// for invalid UTF-8 anywhere in the response.
struct affirmative {
    static constexpr std::string_view name() noexcept { return "affirmative"; }

    /// The openings, lowercase.
    static constexpr std::array<std::string_view, 4> openings{"sure", "certainly", "of course", "absolutely"};

    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        validate_utf8(response, "response");
        std::size_t start = 0;
        while (start < response.size() && is_ascii_space(as_code_unit(response[start]))) ++start;
        const std::string_view text = response.substr(start);
        for (std::string_view opening : openings) {
            if (!starts_with_ignoring_ascii_case(text, opening)) continue;
            if (text.size() == opening.size() || !is_ascii_alnum(as_code_unit(text[opening.size()]))) return 1.0;
        }
        return 0.0;
    }
};

}  // namespace cirm::attributes
