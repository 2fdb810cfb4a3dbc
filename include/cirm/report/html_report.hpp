#pragma once
/// \file
/// The HTML report: one self-contained page (inline CSS, inline SVG, no scripts, no external
/// resources) with the evaluation table, the goal check, the spec's edited neurons per layer ×
/// module kind (heat map), accuracy per subset per method (bars, base = before, cirm = after),
/// the style flip rates, the base and best trials of the search, and a table of ablations. It
/// renders evaluation documents (io/evaluation_json.hpp), so it needs no model. Opt-in: it needs
/// the fmt library (Debian's libfmt-dev), which the core does not.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/report/svg.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// The module kinds charted, in column order.
inline constexpr module_kind charted_kinds[] = {module_kind::q_proj,   module_kind::k_proj,    module_kind::v_proj,
                                                module_kind::o_proj,   module_kind::gate_proj, module_kind::up_proj,
                                                module_kind::down_proj};

/// Charts drawn from site names alone (no --model) cover layers below this; a spec naming a
/// later layer is refused rather than charted with millions of empty rows.
inline constexpr int max_charted_layers = 10000;

/// Layer and kind of a site name such as "model.layers.3.mlp.up_proj"; nothing if the name does
/// not follow the Hugging Face pattern.
inline std::optional<std::pair<int, module_kind>> parse_site_name(std::string_view name) {
    const auto at = name.find("layers.");
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t i = at + 7;
    int layer = 0;
    bool digits = false;
    for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i, digits = true)
        layer = std::min(layer * 10 + (name[i] - '0'), max_charted_layers);  // saturates: no int overflow
    if (!digits) return std::nullopt;
    const auto dot = name.rfind('.');
    const std::string_view last = name.substr(dot + 1);
    for (auto k : charted_kinds)
        if (to_string(k) == last) return std::make_pair(layer, k);
    return std::make_pair(layer, module_kind::other);
}

/// Edited neurons per layer (rows) × charted kind (columns). `layout` (optional) gives layers and
/// kinds exactly and lists every layer of the model; otherwise they come from the site names.
inline std::vector<std::vector<std::size_t>> edited_per_layer_kind(const spec& s, const site_layout* layout) {
    int layers = 0;
    std::vector<std::pair<std::pair<int, module_kind>, std::size_t>> cells;
    for (const auto& site : s.sites) {
        std::optional<std::pair<int, module_kind>> where;
        if (layout) {
            if (auto p = layout->find(site.name)) where = std::make_pair((*layout)[*p].layer, (*layout)[*p].kind);
        } else {
            where = parse_site_name(site.name);
            if (where && where->first >= max_charted_layers)
                throw error("spec site '" + site.name + "' is in layer " + std::to_string(where->first) +
                            " or later; a chart without --model covers layers below " +
                            std::to_string(max_charted_layers) + " (pass --model DIR)");
        }
        if (!where) continue;
        cells.emplace_back(*where, site.indices.size());
        layers = std::max(layers, where->first + 1);
    }
    if (layout)
        for (const auto& info : layout->sites()) layers = std::max(layers, info.layer + 1);
    std::vector<std::vector<std::size_t>> counts(static_cast<std::size_t>(layers),
                                                 std::vector<std::size_t>(std::size(charted_kinds), 0));
    for (const auto& [where, n] : cells)
        for (std::size_t c = 0; c < std::size(charted_kinds); ++c)
            if (charted_kinds[c] == where.second) counts[static_cast<std::size_t>(where.first)][c] += n;
    return counts;
}

namespace report_detail {

inline std::string percent_cell(const nlohmann::ordered_json& v) {
    return v.is_number() ? fmt::format("{:.1f}", 100.0 * v.get<double>()) : std::string("&ndash;");
}
inline std::string method_color(const std::string& name) {
    if (name == "base") return "#8c8c8c";
    if (name == "lp") return "#e08a1e";
    if (name == "lwr") return "#3c9a4a";
    if (name == "cirm") return "#1f4ea0";
    return "#a03c8c";
}
inline double fraction_or_nan(const nlohmann::ordered_json& v) {
    return v.is_number() ? v.get<double>() : std::nan("");
}

constexpr std::string_view style =
    R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}.meta{color:#555}
.met{color:#1a7f37;font-weight:600}.notmet{color:#b42318;font-weight:600}.unknown{color:#777;font-weight:600}
svg.chart{display:block;margin:.8em 0;background:#fff}svg .title{font-size:14px;font-weight:600}
svg .label{font-size:12px}svg .value{font-size:12px}svg .tick{font-size:10px;fill:#555}
)";
}  // namespace report_detail

struct report_inputs {
    nlohmann::ordered_json document;  ///< the evaluation document (io/evaluation_json.hpp)
    std::optional<spec> edited;       ///< the evaluated spec, for the heat map
    const site_layout* layout = nullptr;
    std::vector<nlohmann::ordered_json> trials;  ///< lines of trials.jsonl (may be empty)
    std::optional<nlohmann::ordered_json>
        ablations;  ///< ablations.json of tools/experiments/ablate.py (validated by load_ablations)
    std::string title = "cirm report";
};

/// The whole HTML page.
inline std::string html_report(const report_inputs& in) {
    using report_detail::percent_cell;
    const nlohmann::ordered_json& d = in.document;
    const auto& methods = d.at("methods");
    std::vector<std::string> names;
    for (const auto& [name, m] : methods.items()) names.push_back(name);
    const auto& first = methods[names.front()];

    std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    html_escape(in.title) + "</title>\n<style>\n" + std::string(report_detail::style) +
                    "</style>\n</head>\n<body>\n";
    h += "<h1>" + html_escape(in.title) + "</h1>\n";
    h += fmt::format("<p class=\"meta\">model <code>{}</code> &middot; test set <code>{}</code> ({} pairs)</p>\n",
                     html_escape(d.at("model").get<std::string>()), html_escape(d.at("data").get<std::string>()),
                     d.at("pairs").get<std::size_t>());

    // the table
    h += "<h2>Evaluation (% of pairs)</h2>\n<table>\n<tr><th>metric (pairs)</th>";
    for (const auto& n : names) h += "<th>" + html_escape(n) + "</th>";
    h += "</tr>\n";
    const auto row = [&](const std::string& label, auto get) {
        h += "<tr><td>" + label + "</td>";
        for (const auto& n : names) h += "<td>" + percent_cell(get(methods[n])) + "</td>";
        h += "</tr>\n";
    };
    row(fmt::format("accuracy ({})", d["pairs"].get<std::size_t>()),
        [](const nlohmann::ordered_json& m) { return m["all"]; });
    row(d.contains("neutral_pairs") ? fmt::format("neutral ({})", d["neutral_pairs"].get<std::size_t>()) : "neutral",
        [](const nlohmann::ordered_json& m) { return m["neutral"]; });
    for (const auto& [attr, s] : first["subsets"].items()) {
        const std::string a = attr;
        row(fmt::format("B<sub>b</sub> biased, {} ({})", html_escape(a), s["n_biased"].get<std::size_t>()),
            [&a](const nlohmann::ordered_json& m) { return m["subsets"][a]["biased"]; });
        row(fmt::format("B&#772;<sub>b</sub> unbiased, {} ({})", html_escape(a), s["n_unbiased"].get<std::size_t>()),
            [&a](const nlohmann::ordered_json& m) { return m["subsets"][a]["unbiased"]; });
    }
    for (const auto& [attr, f] : first["flip_rate"].items()) {
        const std::string a = attr;
        row("style flip rate, " + html_escape(a), [&a](const nlohmann::ordered_json& m) { return m["flip_rate"][a]; });
    }
    h += "</table>\n";
    if (d.contains("rm_bench")) {
        const auto& r = d["rm_bench"];
        h += fmt::format("<h2>RM-Bench ({} items, % correct)</h2>\n<table>\n<tr><th>level</th>",
                         r["items"].get<std::size_t>());
        for (const auto& [n, m] : r["methods"].items()) h += "<th>" + html_escape(n) + "</th>";
        h += "</tr>\n";
        for (const char* level : {"easy", "normal", "hard"}) {
            h += std::string("<tr><td>") + level + "</td>";
            for (const auto& [n, m] : r["methods"].items()) h += "<td>" + percent_cell(m[level]) + "</td>";
            h += "</tr>\n";
        }
        h += "</table>\n";
    }

    // goal checks: the method's, and the variant's where the document has one (cirm demo)
    for (const char* method : {"cirm", "variant"}) {
        const auto goals = goal_check(d, method);
        if (goals.empty()) continue;
        h += fmt::format("<h2>Goal check ({} vs base)</h2>\n<ul>\n", method);
        for (const auto& g : goals) {
            const char* css = !g.met ? "unknown" : *g.met ? "met" : "notmet";
            h += fmt::format("<li><span class=\"{}\">{}</span>: {}</li>\n", css, goal_verdict(g.met),
                             html_escape(g.text));
        }
        const auto overall = goal_overall(goals);
        h += fmt::format("<li><b>overall</b>: <span class=\"{}\">{}</span></li>\n</ul>\n",
                         !overall   ? "unknown"
                         : *overall ? "met"
                                    : "notmet",
                         goal_verdict(overall));
    }

    // charts
    h += "<h2>Accuracy per subset, before (base) and after (cirm)</h2>\n";
    std::vector<std::string> categories{"all", "neutral"};
    for (const auto& [attr, s] : first["subsets"].items()) {
        categories.push_back("B " + std::string(attr));
        categories.push_back("B~ " + std::string(attr) + " (unbiased)");
    }
    std::vector<bar_series> series;
    for (const auto& n : names) {
        bar_series s{n, report_detail::method_color(n), {}};
        const auto& m = methods[n];
        s.values.push_back(report_detail::fraction_or_nan(m["all"]));
        s.values.push_back(report_detail::fraction_or_nan(m["neutral"]));
        for (const auto& [attr, sub] : first["subsets"].items()) {
            s.values.push_back(report_detail::fraction_or_nan(m["subsets"][attr]["biased"]));
            s.values.push_back(report_detail::fraction_or_nan(m["subsets"][attr]["unbiased"]));
        }
        series.push_back(std::move(s));
    }
    h += svg_grouped_bars(categories, series, "accuracy per subset (%)");

    if (!first["flip_rate"].empty()) {
        const bool subset = d.contains("flip_pairs") && d["flip_pairs"] != d["pairs"];
        h += subset ? fmt::format("<h2>Style flip rate (first {} pairs; lower is better)</h2>\n",
                                  d["flip_pairs"].get<std::size_t>())
                    : std::string("<h2>Style flip rate (lower is better)</h2>\n");
        std::vector<std::string> flip_categories;
        for (const auto& [attr, f] : first["flip_rate"].items()) flip_categories.push_back(attr);
        std::vector<bar_series> flips;
        for (const auto& n : names) {
            bar_series s{n, report_detail::method_color(n), {}};
            for (const auto& a : flip_categories)
                s.values.push_back(report_detail::fraction_or_nan(methods[n]["flip_rate"][a]));
            flips.push_back(std::move(s));
        }
        h += svg_grouped_bars(flip_categories, flips, "share of correctly ranked pairs that flip (%)");
    }

    h += "<h2>Where the bias lives: edited neurons per layer and module</h2>\n";
    if (in.edited) {
        auto counts = edited_per_layer_kind(*in.edited, in.layout);
        std::vector<std::string> rows, columns;
        for (std::size_t l = 0; l < counts.size(); ++l) rows.push_back("layer " + std::to_string(l));
        if (counts.empty()) {  // nothing edited and no model to list the layers
            counts.emplace_back(std::size(charted_kinds), 0);
            rows.emplace_back("(none)");
        }
        for (auto k : charted_kinds) {
            const std::string name(to_string(k));
            columns.push_back(name.substr(0, name.size() - 5));  // "q_proj" -> "q"
        }
        std::string ks;
        for (const auto& b : in.edited->budgets) ks += fmt::format("{}{}={}", ks.empty() ? "" : ", ", b.bias, b.k);
        h += fmt::format(
            "<p>{} neurons edited{}; k per attribute: {}.</p>\n", in.edited->edited(),
            d["spec"].is_object() ? fmt::format(" of {}", d["spec"]["total_neurons"].get<std::size_t>()) : "",
            ks.empty() ? "(not recorded)" : html_escape(ks));
        h += svg_heatmap(rows, columns, counts, "edited neurons per layer x module kind");
        if (in.edited->pinned_directions() != 0) {
            h +=
                fmt::format("<p>{} directions pinned (beyond the method):</p>\n<ul>\n", in.edited->pinned_directions());
            for (const auto& site : in.edited->sites) {
                if (site.directions.empty()) continue;
                std::string biases;
                for (const auto& u : site.directions)
                    biases += (biases.empty() ? "" : ", ") + (u.bias.empty() ? "?" : u.bias);
                h += fmt::format("<li><code>{}</code>: {}</li>\n", html_escape(site.name), html_escape(biases));
            }
            h += "</ul>\n";
        }
    } else {
        h += "<p>No spec was given (<code>--spec</code>).</p>\n";
    }

    if (!in.trials.empty()) {
        h += fmt::format("<h2>Budget search ({} trials, validation accuracy)</h2>\n<table>\n<tr><th>trial</th>",
                         in.trials.size());
        const auto& k0 = in.trials.front()["k"];
        for (const auto& [attr, k] : k0.items()) h += "<th>k " + html_escape(attr) + "</th>";
        h += "<th>edited</th><th>accuracy %</th></tr>\n";
        for (const auto& t : in.trials) {
            const bool base = t.value("base", false), best = t.value("best", false);
            if (!base && !best) continue;
            h += fmt::format("<tr><td>{} ({})</td>", t["trial"].get<std::size_t>(),
                             base && best ? "base, best"
                             : base       ? "base"
                                          : "best");
            for (const auto& [attr, k] : t["k"].items()) h += fmt::format("<td>{}</td>", k.get<std::size_t>());
            h += fmt::format("<td>{}</td><td>{:.2f}</td></tr>\n", t["edited"].get<std::size_t>(),
                             100.0 * t["accuracy"].get<double>());
        }
        h += "</table>\n";
    }
    if (in.ablations) {
        const auto& rows = (*in.ablations)["rows"];
        h += fmt::format("<h2>Ablations on the validation set ({} configurations)</h2>\n<table>\n", rows.size() - 1);
        h += "<tr><th>configuration</th><th>trials</th><th>edited</th><th>accuracy %</th><th>neutral %</th>"
             "<th>mean B&#772; %</th><th>worst &Delta;B</th><th>mean flip %</th><th>flip ratio</th></tr>\n";
        const auto pct = [](const nlohmann::ordered_json& v) {
            return v.is_null() ? std::string("&ndash;") : fmt::format("{:.1f}", 100.0 * v.get<double>());
        };
        for (const auto& r : rows) {
            const std::size_t directions = r["directions"].get<std::size_t>();
            const std::string edited = directions ? fmt::format("{} directions", directions)
                                                  : fmt::format("{}", r["edited"].get<std::size_t>());
            const std::string worst = r["worst_biased_change"].is_null()
                                          ? std::string("&ndash;")
                                          : fmt::format("{:+.1f}", 100.0 * r["worst_biased_change"].get<double>());
            h += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{:.2f}</td></tr>\n",
                html_escape(r["row"].get<std::string>()), r["trials"].get<std::size_t>(), edited, pct(r["accuracy"]),
                pct(r["neutral"]), pct(r["mean_unbiased"]), worst, pct(r["mean_flip"]), r["flip_ratio"].get<double>());
        }
        h += "</table>\n";
    }
    h +=
        "<p class=\"meta\">Written by <code>cirm report</code>. Shares over no pair are shown as &ndash;.</p>\n</body>\n</html>\n";
    return h;
}

}  // namespace cirm
