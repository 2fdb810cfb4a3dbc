// libFuzzer target: tokenizer_config.json, the chat template and special tokens of a model
// directory (io/model_text.hpp). An accepted file names its special tokens as non-empty-or-empty
// strings and a template only where the file has one.
#include <cstddef>
#include <cstdint>

#include "cirm/io/model_text.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = cirm_fuzz::as_text(data, size);
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const auto config = cirm::parse_tokenizer_config(text, "fuzz/tokenizer_config.json");
        // a template is only ever taken from the text: an accepted config without the field has none
        if (config.chat_template)
            cirm_fuzz::require(text.find("chat_template") != std::string_view::npos, "a template from nowhere");
    });
    return 0;
}
