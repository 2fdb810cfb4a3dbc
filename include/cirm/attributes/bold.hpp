#pragma once
/// \file
/// The `bold` bias attribute (docs/method.md §4): occurrences of "**" in the response.

#include <cstddef>
#include <string_view>

#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of occurrences of "**" in the response, non-overlapping, left to right: "**a**" is 2,
/// "***" is 1, "****" is 2. One bold span therefore counts 2 (its two markers); the count is
/// textual and does not check that markers pair up. Throws cirm::error for invalid UTF-8.
struct bold {
    static constexpr std::string_view name() noexcept { return "bold"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        utf8_decoder decoder(response, "response");
        std::size_t count = 0;
        bool after_unpaired_star = false;
        while (!decoder.done()) {
            if (decoder.next() == U'*') {
                if (after_unpaired_star) ++count;
                after_unpaired_star = !after_unpaired_star;
            } else {
                after_unpaired_star = false;
            }
        }
        return static_cast<double>(count);
    }
};

}  // namespace cirm::attributes
