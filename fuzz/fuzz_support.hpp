#pragma once
/// \file
/// Shared by the libFuzzer targets in fuzz/: what counts as a finding. A parser may reject its
/// input only with a cirm::error whose message is a non-empty line; any other exception escapes
/// the target, and libFuzzer reports it (with the input) as a crash, as it does for a sanitizer
/// report, a timeout or an out-of-memory.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cirm/error.hpp"

namespace cirm_fuzz {

/// The fuzzer's bytes as a string view.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
    return {reinterpret_cast<const char*>(data), size};
}

/// Stops the run (a finding) when a condition that must hold does not.
inline void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

/// Runs `parse`; a cirm::error is an accepted rejection if its message is not empty.
template <class Parse>
void expect_parse_or_cirm_error(Parse&& parse) {
    try {
        parse();
    } catch (const cirm::error& e) {
        require(e.what()[0] != '\0', "a cirm::error has an empty message");
    }
}

}  // namespace cirm_fuzz
