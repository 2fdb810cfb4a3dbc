// libFuzzer target: a spec as safetensors (include/cirm/io/spec_safetensors.hpp). An accepted
// spec must be valid and survive a write/read cycle unchanged.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "cirm/io/spec_safetensors.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const cirm::spec s = cirm::spec_from_safetensors(std::as_bytes(std::span<const std::uint8_t>(data, size)));
        s.validate();
        const std::string written = cirm::spec_to_safetensors(s);
        cirm_fuzz::require(cirm::spec_from_safetensors(std::string_view(written)) == s,
                           "spec safetensors does not round-trip");
    });
    return 0;
}
