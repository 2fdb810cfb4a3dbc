#pragma once
/// \file
/// The records of the datasets the pipeline reads (io/datasets.hpp reads them from JSONL):
/// single responses to score, candidate sets to annotate, RM-Bench items, RewardBench 2 prompts,
/// and a test set.

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

/// One RewardBench 2 prompt: its correct completions (`chosen`, at least 1; the record's
/// num_correct is their number) and incorrect ones (`rejected`, at least 1), and its subset.
struct reward_bench_2_item {
    std::string id;
    std::string prompt;
    std::vector<std::string> chosen;
    std::vector<std::string> rejected;
    std::string subset;
};

/// Every (correct, incorrect) pair of every item, item by item, chosen-major: pair
/// (c, r) of an item has id "<id>/<c>/<r>" and the item's subset.
inline std::vector<preference_pair> reward_bench_2_pairs(std::span<const reward_bench_2_item> items) {
    std::vector<preference_pair> pairs;
    for (const auto& item : items)
        for (std::size_t c = 0; c < item.chosen.size(); ++c)
            for (std::size_t r = 0; r < item.rejected.size(); ++r)
                pairs.push_back({item.id + "/" + std::to_string(c) + "/" + std::to_string(r), item.prompt,
                                 item.chosen[c], item.rejected[r], item.subset});
    return pairs;
}

/// The formats of a test set: plain preference pairs, RM-Bench items, RewardBench pairs (each
/// with a RewardBench subset), RewardBench 2 prompts.
enum class test_format { pairs, rm_bench, reward_bench, reward_bench_2 };

/// A test set: preference pairs, its format, and the RM-Bench items or RewardBench 2 prompts the
/// pairs came from when in those formats.
struct test_set {
    std::vector<preference_pair> pairs;
    std::optional<std::vector<rm_bench_item>> rm_bench;
    std::optional<std::vector<reward_bench_2_item>> reward_bench_2;
    test_format format = test_format::pairs;

    static test_set of_pairs(std::vector<preference_pair> pairs) {
        test_set t;
        t.pairs = std::move(pairs);
        return t;
    }
    static test_set of_rm_bench(std::vector<rm_bench_item> items) {
        test_set t;
        t.pairs = rm_bench_pairs(items);
        t.rm_bench = std::move(items);
        t.format = test_format::rm_bench;
        return t;
    }
    /// RewardBench pairs: every pair's subset names its RewardBench subset.
    static test_set of_reward_bench(std::vector<preference_pair> pairs) {
        test_set t;
        t.pairs = std::move(pairs);
        t.format = test_format::reward_bench;
        return t;
    }
    /// RewardBench 2 prompts; the pairs are reward_bench_2_pairs of them.
    static test_set of_reward_bench_2(std::vector<reward_bench_2_item> items) {
        test_set t;
        t.pairs = reward_bench_2_pairs(items);
        t.reward_bench_2 = std::move(items);
        t.format = test_format::reward_bench_2;
        return t;
    }
};

}  // namespace cirm
