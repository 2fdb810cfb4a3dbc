// libFuzzer target: the JSONL datasets — preference pairs (include/cirm/io/jsonl.hpp) and the
// other dataset formats (include/cirm/io/datasets.hpp): single responses, candidate sets,
// RM-Bench items and test sets. Accepted preference pairs must write back to JSONL that reads as
// the same pairs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/io/datasets.hpp"
#include "cirm/io/jsonl.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cirm_fuzz::as_text(data, size);
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        const auto pairs = cirm::parse_preference_jsonl(text, "fuzz.jsonl");
        const auto again = cirm::parse_preference_jsonl(cirm::format_preference_jsonl(pairs), "written.jsonl");
        cirm_fuzz::require(again.size() == pairs.size(), "preference pairs do not round-trip");
        for (std::size_t i = 0; i < pairs.size(); ++i)
            cirm_fuzz::require(again[i].id == pairs[i].id && again[i].prompt == pairs[i].prompt &&
                                   again[i].chosen == pairs[i].chosen && again[i].rejected == pairs[i].rejected &&
                                   again[i].subset == pairs[i].subset,
                               "preference pair changed in a round trip");
    });
    cirm_fuzz::expect_parse_or_cirm_error([&] { (void)cirm::looks_like_single_responses(text); });
    cirm_fuzz::expect_parse_or_cirm_error([&] { (void)cirm::parse_single_responses(text, "fuzz.jsonl"); });
    cirm_fuzz::expect_parse_or_cirm_error([&] { (void)cirm::parse_candidate_sets(text, "fuzz.jsonl"); });
    cirm_fuzz::expect_parse_or_cirm_error([&] {
        (void)cirm::looks_like_rm_bench(text);
        const auto items = cirm::parse_rm_bench_jsonl(text, "fuzz.jsonl");
        cirm_fuzz::require(cirm::rm_bench_pairs(items).size() == 3 * items.size(), "RM-Bench pairs miscounted");
    });
    cirm_fuzz::expect_parse_or_cirm_error([&] { (void)cirm::parse_test_set(text, "fuzz.jsonl"); });
    return 0;
}
