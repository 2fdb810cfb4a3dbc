// libFuzzer target: tokenizer.json (io/tokenizer_json.hpp). An accepted file must encode a sample
// without error (with and without special tokens), every id below the tokenizer's id limit; and
// the input's own bytes, when valid UTF-8, are encoded with a small accepted file too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cirm/io/tokenizer_json.hpp"
#include "fuzz_support.hpp"

namespace {

const cirm::hf_tokenizer& accepted_file() {
    static const cirm::hf_tokenizer tokenizer = cirm::parse_tokenizer_json(R"({
        "added_tokens": [{"id": 5, "content": "<s>", "special": true, "lstrip": true, "rstrip": false,
                          "normalized": false, "single_word": false}],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(?i:'s|'t)|\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"},
             "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
        "model": {"type": "BPE", "byte_fallback": false, "ignore_merges": true,
                  "vocab": {"a": 0, "b": 1, "ab": 2, "\u0120": 3, "\u0120ab": 4}, "merges": ["a b", "\u0120 ab"]}})",
                                                                           "fuzz/accepted.json");
    return tokenizer;
}

void check_ids(const cirm::hf_tokenizer& tokenizer, const std::vector<std::int32_t>& ids) {
    for (auto id : ids)
        cirm_fuzz::require(id >= 0 && static_cast<std::size_t>(id) < tokenizer.id_limit(),
                           "an id is outside the tokenizer's limit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(cirm_fuzz::as_text(data, size));
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const auto tokenizer = cirm::parse_tokenizer_json(text, "fuzz/tokenizer.json");
        check_ids(tokenizer, tokenizer.encode("Hello, world! <s> 123 \xC3\xA9t\xC3\xA9 \xE2\x96\x81 \r\n\t"));
        check_ids(tokenizer, tokenizer.encode("ab ab", true));
    });
    cirm_fuzz::expect_parse_or_cirm_error([&] { check_ids(accepted_file(), accepted_file().encode(text, true)); });
    return 0;
}
