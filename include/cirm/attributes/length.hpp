#pragma once
/// \file
/// The `length` bias attribute (docs/method.md §4): the number of Unicode code points of the response.

#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of Unicode code points of the response ("héllo" is 5, not 6 bytes). Code points, not
/// grapheme clusters: an emoji with a skin-tone modifier is 2. Throws cirm::error for invalid UTF-8.
struct length {
    static constexpr std::string_view name() noexcept { return "length"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        return static_cast<double>(count_code_points(response, "response"));
    }
};

}  // namespace cirm::attributes
