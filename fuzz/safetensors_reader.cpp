// libFuzzer target: the safetensors reader (include/cirm/io/safetensors.hpp) on arbitrary bytes.
// Every tensor view of an accepted file must lie inside the input, and reading it as floats or
// integers must either work or be a cirm::error.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cirm/io/safetensors.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const cirm::safetensors::reader file(bytes, "fuzz");
        std::size_t total = 0;
        for (const auto& t : file.tensors()) {
            cirm_fuzz::require(t.bytes.data() >= bytes.data() && t.bytes.data() + t.bytes.size() <= bytes.data() + size,
                               "a tensor view leaves the buffer");
            cirm_fuzz::require(file.find(t.name) == &t, "find() does not return the tensor");
            total += t.bytes.size();
            try {
                (void)t.to_floats();
            } catch (const cirm::error&) {
            }
            try {
                (void)t.to_int64s();
            } catch (const cirm::error&) {
            }
        }
        cirm_fuzz::require(total + 8 + file.header_length() == size, "tensors do not cover the data buffer");
    });
    return 0;
}
