#pragma once
/// \file
/// The text form of an evaluation document (io/evaluation_json.hpp; docs/method.md §8): one
/// column per method, rows for accuracy, neutral accuracy, B_b / B̄_b with their pair counts, the
/// style flip rates and (for RM-Bench data) easy / normal / hard, (for RewardBench data) the
/// sections and overall score, (for RewardBench 2 data) each subset's score and the overall
/// score; then the spec's size and the
/// debiasing goal's check (eval/goal.hpp). Percentages; "-" for a share over no pair.

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cirm/eval/goal.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm_cli/options.hpp"

namespace cirm::cli {

namespace table_detail {
inline std::string cell(const json& v) {
    return v.is_number() ? fmt::format("{:7.1f}", 100.0 * v.get<double>()) : "      -";
}
}  // namespace table_detail

/// Writes the table of `document` (an eval_json document) to `out`.
inline void print_eval_table(const json& document, std::ostream& out) {
    using table_detail::cell;
    const auto& methods = document.at("methods");
    std::vector<std::string> names;
    for (const auto& [name, m] : methods.items()) names.push_back(name);
    const auto& first = methods[names.front()];

    out << fmt::format("test set {} ({} pairs), model {}\n", document.at("data").get<std::string>(),
                       document.at("pairs").get<std::size_t>(), document.at("model").get<std::string>());
    std::string header = fmt::format("{:<34}", "% (pairs)");
    for (const auto& n : names) header += fmt::format("{:>8}", n);
    out << header << "\n";
    const auto row = [&](const std::string& label, auto get) {
        std::string line = fmt::format("{:<34}", label);
        for (const auto& n : names) line += " " + cell(get(methods[n]));
        out << line << "\n";
    };
    row(fmt::format("accuracy ({})", document.at("pairs").get<std::size_t>()), [](const json& m) { return m["all"]; });
    const std::string neutral_count =
        document.contains("neutral_pairs") ? fmt::format(" ({})", document["neutral_pairs"].get<std::size_t>()) : "";
    row("neutral" + neutral_count, [](const json& m) { return m["neutral"]; });
    for (const auto& [attr, s] : first["subsets"].items()) {
        const std::string a = attr;
        row(fmt::format("biased   B  {} ({})", a, s["n_biased"].get<std::size_t>()),
            [&a](const json& m) { return m["subsets"][a]["biased"]; });
        row(fmt::format("unbiased B~ {} ({})", a, s["n_unbiased"].get<std::size_t>()),
            [&a](const json& m) { return m["subsets"][a]["unbiased"]; });
    }
    const std::string flip_scope = document.contains("flip_pairs") && document["flip_pairs"] != document["pairs"]
                                       ? fmt::format(" (first {})", document["flip_pairs"].get<std::size_t>())
                                       : "";
    for (const auto& [attr, f] : first["flip_rate"].items()) {
        const std::string a = attr;
        row("flip rate " + a + flip_scope, [&a](const json& m) { return m["flip_rate"][a]; });
    }
    if (document.contains("rm_bench")) {
        const auto& r = document["rm_bench"]["methods"];
        const std::size_t items = document["rm_bench"]["items"].get<std::size_t>();
        for (const char* level : {"easy", "normal", "hard"}) {
            std::string line = fmt::format("{:<34}", fmt::format("RM-Bench {} ({} items)", level, items));
            for (const auto& n : names) line += " " + (r.contains(n) ? cell(r[n][level]) : std::string("      -"));
            out << line << "\n";
        }
    }
    const auto benchmark_row = [&](const json& methods_of, const std::string& label, auto get) {
        std::string line = fmt::format("{:<34}", label);
        for (const auto& n : names) line += " " + (methods_of.contains(n) ? cell(get(methods_of[n])) : "      -");
        out << line << "\n";
    };
    if (document.contains("reward_bench")) {
        const auto& r = document["reward_bench"]["methods"];
        const json& any = r.empty() ? json::object() : r.front();
        if (any.contains("subsets"))
            for (const auto& [subset, entry] : any["subsets"].items()) {
                const std::string name = subset;
                const std::string scope = entry["section"].is_null() ? ", no section" : "";
                benchmark_row(r, fmt::format("RB {} ({} pairs{})", name, entry["total"].get<std::size_t>(), scope),
                              [&name](const json& m) { return m["subsets"][name]["accuracy"]; });
            }
        for (const char* section : {"Chat", "Chat Hard", "Safety", "Reasoning"})
            benchmark_row(r, fmt::format("RewardBench {}", section),
                          [section](const json& m) { return m["sections"][section]; });
        const bool complete = any.contains("complete") && any["complete"].get<bool>();
        benchmark_row(r, complete ? "RewardBench overall" : "RewardBench overall (partial)",
                      [](const json& m) { return m["overall"]; });
    }
    if (document.contains("reward_bench_2")) {
        const auto& r = document["reward_bench_2"]["methods"];
        const json& any = r.empty() ? json::object() : r.front();
        if (any.contains("subsets"))
            for (const auto& [subset, entry] : any["subsets"].items()) {
                const std::string name = subset;
                benchmark_row(r, fmt::format("RB2 {} ({} prompts)", name, entry["prompts"].get<std::size_t>()),
                              [&name](const json& m) { return m["subsets"][name]["score"]; });
            }
        benchmark_row(
            r,
            fmt::format("RewardBench 2 overall ({} prompts)", document["reward_bench_2"]["prompts"].get<std::size_t>()),
            [](const json& m) { return m["overall"]; });
    }
    const auto& s = document.at("spec");
    if (!s.is_null()) {
        const auto edited = s["edited"].get<std::size_t>(), total = s["total_neurons"].get<std::size_t>();
        std::string ks;
        for (const auto& [attr, k] : s["k"].items()) ks += fmt::format(" {}={}", attr, k.get<std::size_t>());
        const std::size_t directions = s.contains("directions") ? s["directions"].get<std::size_t>() : 0;
        out << fmt::format("\nspec: {} of {} neurons edited ({:.2f}%){}, k:{}\n", edited, total,
                           total ? 100.0 * static_cast<double>(edited) / static_cast<double>(total) : 0.0,
                           directions ? fmt::format(", {} directions pinned", directions) : "", ks);
    }
}

/// Writes the goal check ("goal check (cirm vs base):" then one line each), if the document has
/// the method (cirm by default).
inline void print_goal_check(const json& document, std::ostream& out, const std::string& method = "cirm") {
    const auto lines = goal_check(document, method);
    if (lines.empty()) return;
    out << "\ngoal check (" << method << " vs base):\n";
    for (const auto& l : lines) out << "  " << goal_verdict(l.met) << ": " << l.text << "\n";
    out << "  overall: " << goal_verdict(goal_overall(lines)) << "\n";
}

}  // namespace cirm::cli
