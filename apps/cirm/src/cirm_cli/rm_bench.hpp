#pragma once
/// \file
/// RM-Bench-format datasets for `cirm eval`: one JSON object per line with "prompt" (string),
/// "chosen" and "rejected" (arrays of 3 strings: [concise, detailed plain, detailed markdown])
/// and an optional "id". Such a file is recognised by its first line's "chosen" being an array.
/// For the main table each item becomes 3 preference pairs (chosen_i vs rejected_i, the
/// diagonal); the RM-Bench matrix (METHOD.md §8) uses the rewards of all 6 responses.

#include <array>
#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/sample.hpp"
#include "cirm_cli/jsonl_line.hpp"

namespace cirm::cli {

struct rm_bench_item {
    std::string id;
    std::string prompt;
    std::array<std::string, 3> chosen;
    std::array<std::string, 3> rejected;
};

inline constexpr std::array<std::string_view, 3> rm_bench_variants{"concise", "detailed", "markdown"};

namespace rm_bench_detail {
inline bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

template <class OnLine>
void for_each_line(std::string_view text, OnLine&& on_line) {
    std::size_t start = 0, number = 0;
    while (start < text.size()) {
        const std::size_t newline = text.find('\n', start);
        const std::string_view line = text.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        start = newline == std::string_view::npos ? text.size() : newline + 1;
        ++number;
        if (!blank(line) && !on_line(line, number)) return;
    }
}
}  // namespace rm_bench_detail

/// True if the first non-blank line is a JSON object whose "chosen" is an array.
inline bool looks_like_rm_bench(std::string_view text) {
    bool answer = false;
    rm_bench_detail::for_each_line(text, [&](std::string_view line, std::size_t) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        answer = !j.is_discarded() && j.is_object() && j.contains("chosen") && j["chosen"].is_array();
        return false;
    });
    return answer;
}

/// Parses RM-Bench items; errors name `source` and the 1-based line.
inline std::vector<rm_bench_item> parse_rm_bench_jsonl(std::string_view text, const std::string& source) {
    std::vector<rm_bench_item> items;
    std::set<std::string> ids;
    rm_bench_detail::for_each_line(text, [&](std::string_view line, std::size_t number) {
        const std::string where = source + ":" + std::to_string(number);
        const auto j = parse_line_object(line, where);
        rm_bench_item item;
        const auto prompt = j.find("prompt");
        if (prompt == j.end() || !prompt->is_string()) throw error(where + ": field 'prompt' is missing or not a string");
        item.prompt = prompt->get<std::string>();
        for (const char* side : {"chosen", "rejected"}) {
            const auto a = j.find(side);
            if (a == j.end() || !a->is_array() || a->size() != 3)
                throw error(where + ": field '" + side + "' must be an array of 3 strings (RM-Bench format)");
            auto& target = std::string_view(side) == "chosen" ? item.chosen : item.rejected;
            for (std::size_t i = 0; i < 3; ++i) {
                if (!(*a)[i].is_string()) throw error(where + ": '" + side + "[" + std::to_string(i) + "]' is not a string");
                target[i] = (*a)[i].get<std::string>();
            }
        }
        item.id = line_id(j, number, where);
        if (!ids.insert(item.id).second) throw error(where + ": duplicate id '" + item.id + "'");
        items.push_back(std::move(item));
        return true;
    });
    if (items.empty()) throw error(source + ": no RM-Bench items (the dataset is empty)");
    return items;
}

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

/// The RM-Bench accuracies from the rewards of rm_bench_pairs(items) (chosen and rejected side).
inline rm_bench_result rm_bench_from_pair_rewards(std::span<const double> chosen, std::span<const double> rejected) {
    if (chosen.size() != rejected.size() || chosen.size() % 3 != 0)
        throw error("RM-Bench: rewards do not come in groups of 3 variants");
    std::vector<rm_bench_pair> items(chosen.size() / 3);
    for (std::size_t p = 0; p < items.size(); ++p)
        for (std::size_t i = 0; i < 3; ++i) {
            items[p].chosen[i] = chosen[3 * p + i];
            items[p].rejected[i] = rejected[3 * p + i];
        }
    return rm_bench_accuracy(items);
}

}  // namespace cirm::cli
