#pragma once
/// \file
/// Options every `cirm` command shares, the parsing of the comma-separated lists several commands
/// take, and the typed configurations built from them: a mode's text goes through its name table
/// (cirm/modes.hpp) and a configuration error names the option ("--trials must be at least 1").

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/attributes/builtin.hpp"
#include "cirm/error.hpp"
#include "cirm/modes.hpp"
#include "cirm/pipeline/config.hpp"

namespace cirm::cli {

using json = nlohmann::ordered_json;

/// What every command that runs a model takes.
struct common_options {
    std::string model;                 ///< HF-layout model directory (or, with --engine llamacpp, a .gguf)
    std::string engine = "reference";  ///< --engine: reference or llamacpp (cirm_cli/engine.hpp)
    std::string template_format;       ///< --template: text with {prompt} and {response} instead of the chat template
    std::string system;                ///< --system: a system message before every prompt ("" = none)
    std::string date;                  ///< --date: the date templates print ("" = the fixed default_template_date)
    unsigned threads = 0;              ///< engine and statistics threads; 0 = the machine's cores
    bool quiet = false;                ///< no progress or informational lines on stderr
    bool json = false;                 ///< machine-readable output on stdout instead of text
    bool progress = false;  ///< draw progress bars on stderr (main sets it: stderr is a terminal and not quiet)
};

/// The items of a comma-separated list, each trimmed of spaces; empty items are an error.
inline std::vector<std::string> split_list(std::string_view text, std::string_view what) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        std::string_view item =
            text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
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

/// The attributes of an --attributes value (empty text = the method's five) followed by the custom
/// ones of --attribute NAME=regex:PATTERN (attributes/regex_count.hpp). Unknown or repeated names
/// and bad patterns are errors (make_attributes checks them).
inline std::vector<std::string> attribute_list(std::string_view text, const std::vector<std::string>& custom = {}) {
    std::vector<std::string> items;
    if (text.empty()) {
        for (auto n : method_attribute_names()) items.emplace_back(n);
    } else {
        items = split_list(text, "--attributes");
    }
    items.insert(items.end(), custom.begin(), custom.end());
    (void)make_attributes(items);  // validates the names and patterns
    return items;
}

/// The names of the attributes `items` make (a custom attribute's item is NAME=regex:PATTERN).
inline std::vector<std::string> attribute_names_of(const std::vector<std::string>& items) {
    std::vector<std::string> names;
    for (const auto& a : make_attributes(items)) names.emplace_back(a.name());
    return names;
}

/// A --budgets value for `attributes`: one number for every attribute ("20"), or
/// "length=50,bold=20" (attributes not named get 0). Unknown attribute names are an error.
inline std::vector<std::size_t> budget_list(std::string_view text, const std::vector<std::string>& attributes) {
    std::vector<std::size_t> budgets(attributes.size(), 0);
    if (text.find('=') == std::string_view::npos) {
        std::fill(budgets.begin(), budgets.end(), parse_count(text, "--budgets"));
        return budgets;
    }
    for (const auto& item : split_list(text, "--budgets")) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw error("--budgets: '" + item + "' is not NAME=K");
        const std::string name = item.substr(0, eq);
        const auto it = std::find(attributes.begin(), attributes.end(), name);
        if (it == attributes.end()) throw error("--budgets: '" + name + "' is not one of the located attributes");
        budgets[static_cast<std::size_t>(it - attributes.begin())] =
            parse_count(item.substr(eq + 1), "--budgets " + name);
    }
    return budgets;
}

/// The options of a search, as text (`cirm search` takes them; `cirm demo` takes them for the
/// method and, prefixed --variant-, for its variant).
struct search_flags {
    std::string attributes;                      ///< comma-separated; empty = the method's five
    std::vector<std::string> custom_attributes;  ///< NAME=regex:PATTERN each (--attribute)
    std::string k_grid;                          ///< comma-separated; empty = the default grid for the model
    std::size_t trials = 100;                    ///< configurations to try, the base included
    std::string sampler = "tpe";
    std::uint64_t seed = 0;
    std::string positions = "last";
    std::string replacement = "median";
    std::string selector = "spearman";
    std::string sites = "all";
    std::string objective = "accuracy";
    double robust_weight = 0.5;
    std::string intervention = "neurons";
    std::string direction_kind = "covariance";
};

/// The typed configuration of `flags`, checked as a whole (errors name the options).
inline search_config search_config_of(const search_flags& f, unsigned threads) {
    search_config c;  // parsed in the order the options' checks have always reported problems
    c.intervention = parse_mode<intervention_kind>(f.intervention);
    c.directions = parse_mode<direction_kind>(f.direction_kind);
    c.robust_weight = f.robust_weight;
    c.sites = site_selection::parse(f.sites);
    c.objective = parse_mode<search_objective>(f.objective);
    c.selector = parse_mode<selector_kind>(f.selector);
    c.attributes = attribute_list(f.attributes, f.custom_attributes);
    for (const auto& item : f.k_grid.empty() ? std::vector<std::string>{} : split_list(f.k_grid, "--k-grid"))
        c.k_grid.push_back(parse_count(item, "--k-grid"));
    c.trials = f.trials;
    c.sampler = parse_mode<sampler_kind>(f.sampler);
    c.seed = f.seed;
    c.where = parse_mode<positions>(f.positions);
    c.value = parse_mode<replacement>(f.replacement);
    c.threads = threads;
    try {
        c.validate();
    } catch (const config_error& e) {
        throw error(e.rendered("--"));
    }
    return c;
}

}  // namespace cirm::cli
