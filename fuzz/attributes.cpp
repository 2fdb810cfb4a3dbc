// libFuzzer target: every built-in bias attribute (include/cirm/attributes/) on arbitrary bytes.
// The input is split at its first NUL byte into prompt and response (no NUL: the whole input is
// the response, the prompt empty). An attribute either rejects invalid UTF-8 with a cirm::error
// or returns a finite, non-negative value (overlap and affirmative: within [0, 1]); and it
// rejects exactly the texts the UTF-8 validator rejects (the response; for overlap the prompt too).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cirm/attributes/builtin.hpp"
#include "cirm/utf8.hpp"
#include "fuzz_support.hpp"

namespace {
bool valid_utf8(std::string_view text) {
    try {
        cirm::validate_utf8(text);
        return true;
    } catch (const cirm::error&) {
        return false;
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = cirm_fuzz::as_text(data, size);
    const auto nul = input.find('\0');
    const std::string_view prompt = nul == std::string_view::npos ? std::string_view() : input.substr(0, nul);
    const std::string_view response = nul == std::string_view::npos ? input : input.substr(nul + 1);
    const bool response_valid = valid_utf8(response);
    const bool prompt_valid = valid_utf8(prompt);
    for (std::string_view name : cirm::builtin_attribute_names()) {
        const auto attribute = cirm::make_attribute(name);
        bool rejected = false;
        double value = 0.0;
        try {
            value = attribute(prompt, response);
        } catch (const cirm::error& e) {
            rejected = true;
            cirm_fuzz::require(e.what()[0] != '\0', "empty error message");
        }
        // only overlap reads the prompt
        const bool should_reject = !response_valid || (name == "overlap" && !prompt_valid);
        cirm_fuzz::require(rejected == should_reject, "an attribute and the UTF-8 validator disagree");
        if (rejected) continue;
        cirm_fuzz::require(std::isfinite(value) && value >= 0.0, "an attribute value is negative or not finite");
        if (name == "overlap" || name == "affirmative") cirm_fuzz::require(value <= 1.0, "a share above 1");
    }
    return 0;
}
