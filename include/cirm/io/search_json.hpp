#pragma once
/// \file
/// The files of the offline stage (opt-in, like every format): the trial log of a search
/// (trials.jsonl, one line per trial), a search's summary, and a localization's
/// correlation.safetensors and localization.json.
///
/// A trials.jsonl line:
///
///     {"trial": i, "k": {"<attribute>": k}, "total_k": i, "edited": i, ["directions": i,]
///      "accuracy": f, "objective": f, "seconds": f, "cached": bool, "base": bool, "best": bool}
///
/// (trial 0 is the base, nothing edited; "directions" only for a direction search).
///
/// correlation.safetensors: tensors "rho" F64 [neurons, attributes], "median" and "mean" F32
/// [neurons], "constant" U8 [neurons]; metadata: format "cirm-correlation", attributes, sites,
/// samples, data_hash, model. localization.json: the sites with their flat offsets, the number of
/// constant neurons, the attributes constant over the data, and the 5 most positive and 5 most
/// negative neurons per (non-constant) attribute.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/calibrate/localize.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/pipeline/locate_and_search.hpp"

namespace cirm {

/// One trials.jsonl line.
inline nlohmann::ordered_json to_json(const trial_record& t, const std::vector<std::string>& attributes,
                                      bool directions) {
    nlohmann::ordered_json line;
    line["trial"] = t.number;
    line["k"] = nlohmann::ordered_json::object();
    for (std::size_t b = 0; b < attributes.size(); ++b) line["k"][attributes[b]] = t.budgets[b];
    line["total_k"] = t.total_k;
    line["edited"] = t.edited;
    if (directions) line["directions"] = t.directions;
    line["accuracy"] = t.accuracy;
    line["objective"] = t.objective;
    line["seconds"] = t.seconds;
    line["cached"] = t.cached;
    line["base"] = t.base;
    line["best"] = t.best;
    return line;
}

/// The lines of a search's trials.jsonl.
inline std::vector<nlohmann::ordered_json> trial_log_json(const search_outcome& o) {
    std::vector<nlohmann::ordered_json> lines;
    for (const auto& t : o.log()) lines.push_back(to_json(t, o.attributes, o.directions.has_value()));
    return lines;
}

/// trials.jsonl as text.
inline std::string trial_log_text(const std::vector<nlohmann::ordered_json>& lines) {
    std::string text;
    for (const auto& line : lines) text += line.dump() + "\n";
    return text;
}

/// A summary of a search: trials, grid, objective, base and best trial, what was searched.
inline nlohmann::ordered_json search_summary(const search_outcome& o) {
    const auto& r = o.trials();
    nlohmann::ordered_json j;
    j["trials"] = r.trials.size();
    j["k_grid"] = o.grid;
    j["objective"] = to_string(o.config.objective);
    if (o.config.objective == search_objective::robust_accuracy) j["robust_weight"] = o.config.robust_weight;
    j["base"] = {{"trial", 0}, {"accuracy", o.result.accuracy.front()}, {"objective", r.base_trial().objective}};
    nlohmann::ordered_json k = nlohmann::ordered_json::object();
    for (const auto& b : r.best_budgets()) k[b.bias] = b.k;
    j["best"] = {{"trial", r.best_trial().number},
                 {"k", k},
                 {"edited", o.best().edited()},
                 {"accuracy", o.result.accuracy.at(r.best)},
                 {"objective", r.best_trial().objective}};
    if (o.directions) j["best"]["directions"] = o.best().pinned_directions();
    j["intervention"] = to_string(o.config.intervention);
    j["selector"] = o.directions ? to_string(o.config.directions) : to_string(o.config.selector);
    j["sites"] = o.layout().size();
    j["site_neurons"] = o.layout().neurons();
    j["seconds"] = o.seconds;
    return j;
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
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& s : loc.layout.sites())
        sites.push_back(
            {{"name", s.name}, {"layer", s.layer}, {"kind", std::string(to_string(s.kind))}, {"width", s.width}});
    std::string attributes;
    for (const auto& a : t.attributes) attributes += (attributes.empty() ? "" : ",") + a;
    const std::map<std::string, std::string> metadata{
        {"format", "cirm-correlation"},         {"attributes", attributes},   {"sites", sites.dump()},
        {"samples", std::to_string(t.samples)}, {"data_hash", loc.data_hash}, {"model", model_name}};
    return st::serialize(tensors, metadata);
}

/// Whether attribute `b` of the table is constant over the samples (ρ is 0 for every neuron).
inline bool attribute_is_constant(const correlation_table& t, std::size_t b) {
    return !t.attribute_constant.empty() && t.attribute_constant[b] != 0;
}

/// localization.json: a readable summary of a localization.
inline nlohmann::ordered_json localization_summary(const localization& loc, const std::string& model_name,
                                                   const std::string& data_name) {
    const auto& t = loc.table;
    nlohmann::ordered_json j;
    j["model"] = model_name;
    j["data"] = data_name;
    j["samples"] = t.samples;
    j["neurons"] = t.neurons;
    j["attributes"] = t.attributes;
    j["data_hash"] = loc.data_hash;
    j["constant_neurons"] = std::count(t.constant.begin(), t.constant.end(), std::uint8_t{1});
    j["constant_attributes"] = nlohmann::ordered_json::array();
    for (std::size_t b = 0; b < t.biases(); ++b)
        if (attribute_is_constant(t, b)) j["constant_attributes"].push_back(t.attributes[b]);
    j["sites"] = nlohmann::ordered_json::array();
    for (std::size_t s = 0; s < loc.layout.size(); ++s) {
        const auto& site = loc.layout[s];
        j["sites"].push_back({{"name", site.name},
                              {"layer", site.layer},
                              {"kind", std::string(to_string(site.kind))},
                              {"width", site.width},
                              {"offset", loc.layout.offset(s)}});
    }
    const auto neuron_json = [&](std::size_t flat, std::size_t b) {
        const auto id = loc.layout.neuron(flat);
        return nlohmann::ordered_json{{"site", loc.layout[id.site].name}, {"index", id.index}, {"rho", t.at(flat, b)}};
    };
    j["top"] = nlohmann::ordered_json::object();
    std::vector<std::size_t> order(t.neurons);
    for (std::size_t b = 0; b < t.biases(); ++b) {
        nlohmann::ordered_json positive = nlohmann::ordered_json::array(), negative = nlohmann::ordered_json::array();
        if (!attribute_is_constant(t, b)) {  // a constant attribute has no strongest neurons
            std::iota(order.begin(), order.end(), std::size_t{0});
            std::erase_if(order, [&](std::size_t n) { return t.constant[n] != 0; });
            std::stable_sort(order.begin(), order.end(),
                             [&](std::size_t x, std::size_t y) { return t.at(x, b) > t.at(y, b); });
            for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()); ++i) {
                positive.push_back(neuron_json(order[i], b));
                negative.push_back(neuron_json(order[order.size() - 1 - i], b));
            }
            order.resize(t.neurons);
        }
        j["top"][t.attributes[b]] = {{"positive", positive}, {"negative", negative}};
    }
    return j;
}

}  // namespace cirm
