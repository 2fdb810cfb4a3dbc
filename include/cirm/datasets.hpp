#pragma once
/// \file
/// The records of the datasets the pipeline reads (io/datasets.hpp reads them from JSONL):
/// single responses to score, candidate sets to annotate, RM-Bench items, and a test set.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/sample.hpp"

namespace cirm {

/// One response to score: {"prompt", "response", "id"?}.
struct scored_response {
    std::string id;
    std::string prompt;
    std::string response;
};

/// One prompt with candidate responses (at least 2): {"prompt", "responses", "id"?, "correct"?}.
struct candidate_set {
    std::string id;
    std::string prompt;
    std::vector<std::string> responses;
    std::optional<std::size_t> correct;  ///< index of the correct candidate, when the line says
};

/// One RM-Bench item: a prompt with 3 style variants of the chosen and of the rejected response,
/// in the order [concise, detailed plain, detailed markdown].
struct rm_bench_item {
    std::string id;
    std::string prompt;
    std::array<std::string, 3> chosen;
    std::array<std::string, 3> rejected;
};

/// The names of the 3 RM-Bench variants, in order.
inline constexpr std::array<std::string_view, 3> rm_bench_variants{"concise", "detailed", "markdown"};

/// The diagonal pairs of every item: item p's variant i at position 3p + i, id "<id>/<variant>",
/// subset the variant name.
inline std::vector<preference_pair> rm_bench_pairs(std::span<const rm_bench_item> items) {
    std::vector<preference_pair> pairs;
    for (const auto& item : items)
        for (std::size_t i = 0; i < 3; ++i)
            pairs.push_back({item.id + "/" + std::string(rm_bench_variants[i]), item.prompt, item.chosen[i],
                             item.rejected[i], std::string(rm_bench_variants[i])});
    return pairs;
}

/// A test set: preference pairs, and the RM-Bench items they came from when in that format.
struct test_set {
    std::vector<preference_pair> pairs;
    std::optional<std::vector<rm_bench_item>> rm_bench;

    static test_set of_pairs(std::vector<preference_pair> pairs) { return {std::move(pairs), std::nullopt}; }
    static test_set of_rm_bench(std::vector<rm_bench_item> items) {
        test_set t;
        t.pairs = rm_bench_pairs(items);
        t.rm_bench = std::move(items);
        return t;
    }
};

}  // namespace cirm
