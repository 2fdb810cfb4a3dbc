// libFuzzer target: cirm_tokenizer.json, the tokenizer and prompt template of a model directory
// (backends/reference/.../tokenizer_file.hpp). An accepted file must encode a sample without
// error, and every id must be below the tokenizer's id limit.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cirm/reference/tokenizer_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const auto setup =
            cirm::reference::parse_tokenizer_file(cirm_fuzz::as_text(data, size), "fuzz/cirm_tokenizer.json");
        cirm_fuzz::require(setup.tokens != nullptr, "no tokenizer");
        std::vector<std::int32_t> ids;
        setup.format.encode(*setup.tokens, cirm::sample{"a prompt", "a response \xc3\xa9"}, ids);
        for (auto id : ids)
            cirm_fuzz::require(id >= 0 && static_cast<std::size_t>(id) < setup.tokens->id_limit(),
                               "an id is outside the tokenizer's limit");
    });
    return 0;
}
