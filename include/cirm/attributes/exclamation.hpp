#pragma once
/// \file
/// The `exclamation` bias attribute (docs/method.md §4): the number of '!' in the response.

#include <cstddef>
#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of U+0021 '!' in the response ("!!!" is 3). Other exclamation marks (fullwidth '！',
/// '¡', '‼') do not count. Throws cirm::error for invalid UTF-8.
struct exclamation {
    static constexpr std::string_view name() noexcept { return "exclamation"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        utf8_decoder decoder(response, "response");
        std::size_t count = 0;
        while (!decoder.done())
            if (decoder.next() == U'!') ++count;
        return static_cast<double>(count);
    }
};

}  // namespace cirm::attributes
