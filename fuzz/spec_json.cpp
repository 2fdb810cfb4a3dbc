// libFuzzer target: a spec as JSON (include/cirm/io/spec_json.hpp). An accepted spec must be
// valid, and writing it and reading it back must give the same spec and the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cirm/io/spec_json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const cirm::spec s = cirm::spec_from_json(cirm_fuzz::as_text(data, size));
        s.validate();
        const std::string written = cirm::spec_to_json(s);
        const cirm::spec again = cirm::spec_from_json(written);
        cirm_fuzz::require(again == s, "spec JSON does not round-trip");
        cirm_fuzz::require(cirm::spec_to_json(again) == written, "spec JSON is not byte-stable");
    });
    return 0;
}
