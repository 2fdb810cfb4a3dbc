#pragma once
/// \file
/// Readers of the pipeline's JSONL datasets (datasets.hpp), all on the strict line reader of
/// io/jsonl_lines.hpp, so every error names the file and the line:
///   - single responses  {"prompt", "response", "id"?}
///   - candidate sets    {"prompt", "responses": [at least 2 strings], "id"?, "correct"?}
///     ("correct": the index of the candidate with the correct answer, when known)
///   - RM-Bench items    {"prompt", "chosen": [3 strings], "rejected": [3 strings], "id"?}
///     ([concise, detailed plain, detailed markdown])
///   - a test set: RM-Bench items when the first line's "chosen" is an array, else preference
///     pairs (io/jsonl.hpp).
/// A missing id is the 1-based line number; ids must be unique; an empty dataset is an error.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/datasets.hpp"
#include "cirm/error.hpp"
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
                const auto a = j.find(side);
                if (a == j.end() || !a->is_array() || a->size() != 3)
                    throw error(line.where + ": field '" + side + "' must be an array of 3 strings (RM-Bench format)");
                auto& target = std::string_view(side) == "chosen" ? item.chosen : item.rejected;
                for (std::size_t i = 0; i < 3; ++i) {
                    if (!(*a)[i].is_string())
                        throw error(line.where + ": '" + side + "[" + std::to_string(i) + "]' is not a string");
                    target[i] = (*a)[i].get<std::string>();
                }
            }
            item.id = line.id(j);
            return item;
        });
}

/// A test set from JSONL text: RM-Bench items or preference pairs (see the file comment).
inline test_set parse_test_set(std::string_view text, std::string_view source) {
    if (looks_like_rm_bench(text)) return test_set::of_rm_bench(parse_rm_bench_jsonl(text, source));
    return test_set::of_pairs(parse_preference_jsonl(text, source));
}

/// A test set from a JSONL file.
inline test_set read_test_set(const std::filesystem::path& path) {
    return parse_test_set(read_file(path), path.string());
}

}  // namespace cirm
