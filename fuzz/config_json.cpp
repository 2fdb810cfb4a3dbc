// libFuzzer target: the config.json reader of the Llama-family engines (cirm/io/llama_config.hpp,
// which the reference engine and the libtorch module share). An accepted config must satisfy the
// invariants the engines rely on (positive sizes within the limit, heads divisible by key/value
// heads, an even head size).
#include <cstddef>
#include <cstdint>

#include "cirm/io/llama_config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const auto c = cirm::parse_llama_config(cirm_fuzz::as_text(data, size), "fuzz/config.json");
        const auto limit = cirm::max_llama_size;
        cirm_fuzz::require(c.hidden_size > 0 && c.hidden_size <= limit, "hidden_size out of range");
        cirm_fuzz::require(c.num_hidden_layers > 0 && c.num_hidden_layers <= limit, "num_hidden_layers out of range");
        cirm_fuzz::require(c.num_key_value_heads > 0 && c.num_attention_heads % c.num_key_value_heads == 0,
                           "heads not divisible by key/value heads");
        cirm_fuzz::require(c.head_dim > 0 && c.head_dim % 2 == 0, "head_dim not even and positive");
        cirm_fuzz::require(c.q_width() <= limit, "q width above the limit");
    });
    return 0;
}
