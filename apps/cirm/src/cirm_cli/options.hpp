#pragma once
/// \file
/// Options every `cirm` command shares (model, threads, quiet, json, progress) and the parsing of
/// the comma-separated lists that several commands take (attributes, budgets, k grids).

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/error.hpp"

namespace cirm::cli {

/// What every command that runs a model takes.
struct common_options {
    std::string model;     ///< HF-layout model directory
    unsigned threads = 0;  ///< engine and statistics threads; 0 = the machine's cores
    bool quiet = false;    ///< no progress or informational lines on stderr
    bool json = false;     ///< machine-readable output on stdout instead of text
    bool progress = false; ///< draw progress bars on stderr (main sets it: stderr is a terminal and not quiet)
};

/// The items of a comma-separated list, each trimmed of spaces; empty items are an error.
inline std::vector<std::string> split_list(std::string_view text, std::string_view what) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.empty()) throw error(std::string(what) + ": empty item in '" + std::string(text) + "'");
        items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return items;
}

/// A non-negative integer, the whole text; anything else is an error naming `what`.
inline std::size_t parse_count(std::string_view text, std::string_view what) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw error(std::string(what) + ": '" + std::string(text) + "' is not a non-negative integer");
    return value;
}

/// The attribute names of an --attributes value; empty text = the method's five. Unknown or
/// repeated names are an error (make_attributes checks them).
inline std::vector<std::string> attribute_list(std::string_view text) {
    std::vector<std::string> names;
    if (text.empty()) {
        for (auto n : method_attribute_names()) names.emplace_back(n);
    } else {
        names = split_list(text, "--attributes");
    }
    (void)make_attributes(names);  // validates the names
    return names;
}

/// A --k-grid value: "0,5,10,20" (ascending order not required; 0 is added when missing, so that
/// every bias can be left unedited).
inline std::vector<std::size_t> k_grid_list(std::string_view text) {
    std::vector<std::size_t> grid;
    for (const auto& item : split_list(text, "--k-grid")) grid.push_back(parse_count(item, "--k-grid"));
    if (std::find(grid.begin(), grid.end(), std::size_t{0}) == grid.end()) grid.push_back(0);
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    return grid;
}

/// A --budgets value for `attributes`: one number for every attribute ("20"), or
/// "length=50,bold=20" (attributes not named get 0). Unknown attribute names are an error.
inline std::vector<std::size_t> budget_list(std::string_view text, const std::vector<std::string>& attributes) {
    std::vector<std::size_t> budgets(attributes.size(), 0);
    if (text.find('=') == std::string_view::npos) {
        const std::size_t k = parse_count(text, "--budgets");
        std::fill(budgets.begin(), budgets.end(), k);
        return budgets;
    }
    for (const auto& item : split_list(text, "--budgets")) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw error("--budgets: '" + item + "' is not NAME=K");
        const std::string name = item.substr(0, eq);
        const auto it = std::find(attributes.begin(), attributes.end(), name);
        if (it == attributes.end())
            throw error("--budgets: '" + name + "' is not one of the located attributes");
        budgets[static_cast<std::size_t>(it - attributes.begin())] = parse_count(item.substr(eq + 1), "--budgets " + name);
    }
    return budgets;
}

}  // namespace cirm::cli
