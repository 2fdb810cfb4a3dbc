#pragma once
/// \file
/// `cirm locate`: localization (METHOD.md §5) on a validation set. Writes to --out:
/// correlation.safetensors (tensors "rho" F64 [neurons, attributes], "median" and "mean" F32
/// [neurons], "constant" U8 [neurons]; metadata: format, attributes, sites, samples, data_hash,
/// model), localization.json (a summary: sites with their flat offsets, constant neurons, the 5
/// most positive and 5 most negative neurons per attribute), and with --budgets the spec for
/// those budgets (spec.json, spec.safetensors).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct locate_options {
    common_options common;
    std::string data;                   ///< validation set, preference JSONL
    std::string attributes;             ///< comma-separated; empty = the method's five
    std::string positions = "last";     ///< where a written spec pins: last or all
    std::string replacement = "median"; ///< pin value of a written spec: median, mean or zero
    std::string budgets;                ///< optional: write a spec for these budgets
    std::string out;                    ///< output directory
};

/// The pin mode and value of a spec the CLI writes; swap scores pairs jointly and is not offered.
inline std::pair<positions, replacement> spec_modes(const std::string& where, const std::string& value) {
    const auto p = parse_positions(where);
    const auto r = parse_replacement(value);
    if (r == replacement::swap) throw error("--replacement swap scores pairs jointly; the CLI writes median, mean or zero specs");
    return {p, r};
}

/// Localizes `pairs` (all 2N responses) with a progress bar.
inline localization localize_pairs(model_type& model, const std::vector<preference_pair>& pairs,
                                   const std::vector<std::string>& attribute_names, const common_options& common,
                                   std::ostream& err, const std::vector<std::string>& sites = {}) {
    const auto samples = response_samples(pairs);
    const auto attrs = make_attributes(attribute_names);
    progress_bar bar(err, common.progress, "locate");
    localize_options lo;
    lo.threads = common.threads;
    lo.sites = sites;
    lo.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
    auto loc = localize(model, samples, attrs, lo);
    bar.finish();
    return loc;
}

/// correlation.safetensors of a localization.
inline std::string correlation_safetensors(const localization& loc, const std::string& model_name) {
    const auto& t = loc.table;
    namespace st = safetensors;
    std::vector<st::tensor_data> tensors{
        {"rho", st::dtype::f64, {t.neurons, t.biases()}, st::bytes_of(t.rho)},
        {"median", st::dtype::f32, {t.neurons}, st::bytes_of(t.median)},
        {"mean", st::dtype::f32, {t.neurons}, st::bytes_of(t.mean)},
        {"constant", st::dtype::u8, {t.neurons}, st::bytes_of(t.constant)},
    };
    json sites = json::array();
    for (const auto& s : loc.layout.sites())
        sites.push_back({{"name", s.name}, {"layer", s.layer}, {"kind", std::string(to_string(s.kind))}, {"width", s.width}});
    std::string attributes;
    for (const auto& a : t.attributes) attributes += (attributes.empty() ? "" : ",") + a;
    const std::map<std::string, std::string> metadata{{"format", "cirm-correlation"},
                                                      {"attributes", attributes},
                                                      {"sites", sites.dump()},
                                                      {"samples", std::to_string(t.samples)},
                                                      {"data_hash", loc.data_hash},
                                                      {"model", model_name}};
    return st::serialize(tensors, metadata);
}

/// localization.json: a readable summary of a localization.
inline json localization_summary(const localization& loc, const std::string& model_name, const std::string& data_name) {
    const auto& t = loc.table;
    json j;
    j["model"] = model_name;
    j["data"] = data_name;
    j["samples"] = t.samples;
    j["neurons"] = t.neurons;
    j["attributes"] = t.attributes;
    j["data_hash"] = loc.data_hash;
    j["constant_neurons"] = std::count(t.constant.begin(), t.constant.end(), std::uint8_t{1});
    j["sites"] = json::array();
    for (std::size_t s = 0; s < loc.layout.size(); ++s) {
        const auto& site = loc.layout[s];
        j["sites"].push_back({{"name", site.name}, {"layer", site.layer}, {"kind", std::string(to_string(site.kind))},
                              {"width", site.width}, {"offset", loc.layout.offset(s)}});
    }
    const auto neuron_json = [&](std::size_t flat, std::size_t b) {
        const auto id = loc.layout.neuron(flat);
        return json{{"site", loc.layout[id.site].name}, {"index", id.index}, {"rho", t.at(flat, b)}};
    };
    j["top"] = json::object();
    std::vector<std::size_t> order(t.neurons);
    for (std::size_t b = 0; b < t.biases(); ++b) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::erase_if(order, [&](std::size_t n) { return t.constant[n] != 0; });
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return t.at(x, b) > t.at(y, b); });
        json positive = json::array(), negative = json::array();
        for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()); ++i) {
            positive.push_back(neuron_json(order[i], b));
            negative.push_back(neuron_json(order[order.size() - 1 - i], b));
        }
        j["top"][t.attributes[b]] = {{"positive", positive}, {"negative", negative}};
    }
    return j;
}

/// Runs `cirm locate`; returns the exit code.
inline int run_locate(const locate_options& o, std::ostream& out, std::ostream& err) {
    const auto start = std::chrono::steady_clock::now();
    const auto names = attribute_list(o.attributes);
    const auto [where, value] = spec_modes(o.positions, o.replacement);
    if (o.out.empty()) throw error("no output directory given (--out DIR)");
    const auto budgets = o.budgets.empty() ? std::vector<std::size_t>{} : budget_list(o.budgets, names);
    const auto pairs = load_pairs(o.data);
    auto model = load_model(o.common.model, o.common.threads);
    check_pairs_fit(model, pairs, o.data);
    const auto loc = localize_pairs(model, pairs, names, o.common, err);

    const std::filesystem::path dir(o.out);
    pending_outputs files;
    files.add(dir / "correlation.safetensors", correlation_safetensors(loc, o.common.model));
    const json summary = localization_summary(loc, o.common.model, o.data);
    files.add(dir / "localization.json", summary.dump(2) + "\n");
    std::optional<spec> s;
    if (!budgets.empty()) {
        s = spec_for_budgets(loc, budgets, value, where);
        files.add(dir / "spec.json", spec_to_json(*s));
        files.add(dir / "spec.safetensors", spec_to_safetensors(*s));
    }
    files.commit();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (o.common.json) {
        json j;
        j["model"] = o.common.model;
        j["data"] = o.data;
        j["samples"] = loc.table.samples;
        j["neurons"] = loc.table.neurons;
        j["attributes"] = loc.table.attributes;
        j["constant_neurons"] = summary["constant_neurons"];
        j["spec"] = s ? spec_summary_json(*s, model.layout().neurons()) : json(nullptr);
        j["files"] = json::array();
        for (const auto& [path, bytes] : files.files()) j["files"].push_back(path.string());
        j["seconds"] = seconds;
        out << j.dump(2) << "\n";
        return 0;
    }
    out << fmt::format("localized {} responses x {} neurons x {} attributes ({} constant neurons) in {:.1f} s\n",
                       loc.table.samples, loc.table.neurons, loc.table.biases(),
                       summary["constant_neurons"].get<std::size_t>(), seconds);
    for (const auto& a : loc.table.attributes) {
        const auto& top = summary["top"][a];
        if (top["positive"].empty()) continue;
        out << fmt::format("  {:<12} strongest: {}[{}] rho {:+.3f}, {}[{}] rho {:+.3f}\n", a,
                           top["positive"][0]["site"].get<std::string>(), top["positive"][0]["index"].get<std::size_t>(),
                           top["positive"][0]["rho"].get<double>(), top["negative"][0]["site"].get<std::string>(),
                           top["negative"][0]["index"].get<std::size_t>(), top["negative"][0]["rho"].get<double>());
    }
    if (s) out << fmt::format("spec: {} neurons edited\n", s->edited());
    out << "wrote";
    for (const auto& [path, bytes] : files.files()) out << " " << path.string();
    out << "\n";
    return 0;
}

}  // namespace cirm::cli
