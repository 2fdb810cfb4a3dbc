#pragma once
/// \file
/// Readers of the pipeline's JSONL datasets (datasets.hpp), all on the strict line reader of
/// io/jsonl_lines.hpp, so every error names the file and the line:
///   - single responses  {"prompt", "response", "id"?}
///   - candidate sets    {"prompt", "responses": [at least 2 strings], "id"?, "correct"?}
///     ("correct": the index of the candidate with the correct answer, when known)
///   - RM-Bench items    {"prompt", "chosen": [3 strings], "rejected": [3 strings], "id"?}
///     ([concise, detailed plain, detailed markdown])
///   - RewardBench pairs {"prompt", "chosen", "rejected", "subset", "id"?} (strings; the subset
///     names the benchmark's subset, eval/reward_bench.hpp)
///   - RewardBench 2 prompts {"prompt", "chosen": [≥ 1 strings], "rejected": [≥ 1 strings],
///     "num_correct" (= the length of "chosen"), "subset", "id"?} (eval/reward_bench_2.hpp)
///   - a test set, in one of these formats or as told (parse_test_format): by the fields of the
///     first line, RewardBench 2 when it has "num_correct"; RM-Bench when its "chosen" is an
///     array; RewardBench when its "subset" is one of RewardBench's subsets (a name of one's own
///     is not enough: the project's own test sets name subsets too); else preference pairs
///     (io/jsonl.hpp).
/// A missing id is the 1-based line number; ids must be unique; an empty dataset is an error.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/datasets.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/reward_bench.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/jsonl_lines.hpp"

namespace cirm {

namespace detail {
/// Whether the first non-blank line is a JSON object that has `key` (holding an array, if `array`).
inline bool first_line_has(std::string_view text, const char* key, bool array) {
    bool answer = false;
    for_each_jsonl_line(text, "", [&](const jsonl_line& line) {
        const auto j = nlohmann::json::parse(line.text, nullptr, false);
        answer = !j.is_discarded() && j.is_object() && j.contains(key) && (!array || j[key].is_array());
        return false;
    });
    return answer;
}
}  // namespace detail

/// True if the first line is a single response (it has "response").
inline bool looks_like_single_responses(std::string_view text) {
    return detail::first_line_has(text, "response", false);
}

/// True if the first line is an RM-Bench item (its "chosen" is an array).
inline bool looks_like_rm_bench(std::string_view text) { return detail::first_line_has(text, "chosen", true); }

/// Parses single responses; `source` names the text in errors.
inline std::vector<scored_response> parse_single_responses(std::string_view text, std::string_view source) {
    return parse_jsonl_records<scored_response>(text, source, "responses",
                                                [](const jsonl_line& line, const nlohmann::json& j) {
                                                    scored_response r;
                                                    r.id = line.id(j);
                                                    r.prompt = line.text_field(j, "prompt");
                                                    r.response = line.text_field(j, "response");
                                                    return r;
                                                });
}

/// Parses candidate sets; `source` names the text in errors.
inline std::vector<candidate_set> parse_candidate_sets(std::string_view text, std::string_view source) {
    return parse_jsonl_records<candidate_set>(
        text, source, "prompts", [](const jsonl_line& line, const nlohmann::json& j) {
            candidate_set c;
            c.id = line.id(j);
            c.prompt = line.text_field(j, "prompt");
            const auto r = j.find("responses");
            if (r == j.end() || !r->is_array())
                throw error(line.where + ": field 'responses' is missing or not an array");
            if (r->size() < 2)
                throw error(line.where + ": 'responses' needs at least 2 candidates, has " + std::to_string(r->size()));
            for (std::size_t i = 0; i < r->size(); ++i) {
                if (!(*r)[i].is_string())
                    throw error(line.where + ": 'responses[" + std::to_string(i) + "]' is not a string");
                c.responses.push_back((*r)[i].get<std::string>());
            }
            if (const auto k = j.find("correct"); k != j.end()) {
                if (!k->is_number_unsigned() || k->get<std::size_t>() >= c.responses.size())
                    throw error(line.where + ": 'correct' must be the index of one of the " +
                                std::to_string(c.responses.size()) + " responses");
                c.correct = k->get<std::size_t>();
            }
            return c;
        });
}

/// Parses RM-Bench items; `source` names the text in errors.
inline std::vector<rm_bench_item> parse_rm_bench_jsonl(std::string_view text, std::string_view source) {
    return parse_jsonl_records<rm_bench_item>(
        text, source, "RM-Bench items", [](const jsonl_line& line, const nlohmann::json& j) {
            rm_bench_item item;
            item.prompt = line.text_field(j, "prompt");
            for (const char* side : {"chosen", "rejected"}) {
                const auto texts = line.text_list(j, side, 3, "an array of 3 strings (RM-Bench format)");
                auto& target = std::string_view(side) == "chosen" ? item.chosen : item.rejected;
                std::copy(texts.begin(), texts.end(), target.begin());
            }
            item.id = line.id(j);
            return item;
        });
}

/// True if the first line is a RewardBench 2 prompt (it has "num_correct").
inline bool looks_like_reward_bench_2(std::string_view text) {
    return detail::first_line_has(text, "num_correct", false);
}

/// True if the first line's "subset" is a string naming one of RewardBench's subsets.
inline bool looks_like_reward_bench(std::string_view text) {
    bool answer = false;
    for_each_jsonl_line(text, "", [&](const jsonl_line& line) {
        const auto j = nlohmann::json::parse(line.text, nullptr, false);
        answer = !j.is_discarded() && j.is_object() && j.contains("subset") && j["subset"].is_string() &&
                 find_reward_bench_subset(j["subset"].get_ref<const std::string&>()) != nullptr;
        return false;
    });
    return answer;
}

/// Parses RewardBench pairs; `source` names the text in errors.
inline std::vector<preference_pair> parse_reward_bench_jsonl(std::string_view text, std::string_view source) {
    return parse_jsonl_records<preference_pair>(
        text, source, "RewardBench pairs", [](const jsonl_line& line, const nlohmann::json& j) {
            preference_pair pair;
            pair.prompt = line.text_field(j, "prompt");
            pair.chosen = line.text_field(j, "chosen");
            pair.rejected = line.text_field(j, "rejected");
            pair.subset = line.text_field(j, "subset");
            if (pair.subset.empty()) throw error(line.where + ": field 'subset' is empty (RewardBench format)");
            pair.id = line.id(j);
            return pair;
        });
}

/// Parses RewardBench 2 prompts; `source` names the text in errors.
inline std::vector<reward_bench_2_item> parse_reward_bench_2_jsonl(std::string_view text, std::string_view source) {
    return parse_jsonl_records<reward_bench_2_item>(
        text, source, "RewardBench 2 prompts", [](const jsonl_line& line, const nlohmann::json& j) {
            reward_bench_2_item item;
            item.prompt = line.text_field(j, "prompt");
            item.chosen = line.text_list(j, "chosen", 0, "an array of at least 1 string (RewardBench 2 format)");
            item.rejected = line.text_list(j, "rejected", 0, "an array of at least 1 string (RewardBench 2 format)");
            const auto n = j.find("num_correct");
            if (n == j.end() || !n->is_number_unsigned() || n->get<std::size_t>() != item.chosen.size())
                throw error(line.where + ": field 'num_correct' must be the number of 'chosen' completions (" +
                            std::to_string(item.chosen.size()) + ")");
            item.subset = line.text_field(j, "subset");
            if (item.subset.empty()) throw error(line.where + ": field 'subset' is empty (RewardBench 2 format)");
            item.id = line.id(j);
            return item;
        });
}

/// The format named by `name` for `cirm eval --format`: "pairs", "rm-bench", "rewardbench",
/// "rewardbench2", or "auto" (nothing: decided by the first line, see the file comment).
inline std::optional<test_format> parse_test_format(std::string_view name) {
    if (name == "auto" || name.empty()) return std::nullopt;
    if (name == "pairs") return test_format::pairs;
    if (name == "rm-bench") return test_format::rm_bench;
    if (name == "rewardbench") return test_format::reward_bench;
    if (name == "rewardbench2") return test_format::reward_bench_2;
    throw error("unknown test set format '" + std::string(name) +
                "' (expected auto, pairs, rm-bench, rewardbench or rewardbench2)");
}

/// The format of a test set's text by its first line (see the file comment).
inline test_format detect_test_format(std::string_view text) {
    if (looks_like_reward_bench_2(text)) return test_format::reward_bench_2;
    if (looks_like_rm_bench(text)) return test_format::rm_bench;
    if (looks_like_reward_bench(text)) return test_format::reward_bench;
    return test_format::pairs;
}

/// A test set from JSONL text in `format`, or in the format of its first line when none is given
/// (see the file comment).
inline test_set parse_test_set(std::string_view text, std::string_view source,
                               std::optional<test_format> format = std::nullopt) {
    switch (format.value_or(detect_test_format(text))) {
        case test_format::rm_bench: return test_set::of_rm_bench(parse_rm_bench_jsonl(text, source));
        case test_format::reward_bench: return test_set::of_reward_bench(parse_reward_bench_jsonl(text, source));
        case test_format::reward_bench_2: return test_set::of_reward_bench_2(parse_reward_bench_2_jsonl(text, source));
        case test_format::pairs: break;
    }
    return test_set::of_pairs(parse_preference_jsonl(text, source));
}

/// A test set from a JSONL file, in `format` or in the format of its first line.
inline test_set read_test_set(const std::filesystem::path& path, std::optional<test_format> format = std::nullopt) {
    return parse_test_set(read_file(path), path.string(), format);
}

}  // namespace cirm
