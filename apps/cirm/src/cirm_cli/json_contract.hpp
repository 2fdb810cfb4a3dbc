#pragma once
/// \file
/// The `--json` document of `cirm eval` and `cirm demo` (the contract scripts rely on; issue 5),
/// its construction from a method comparison, and its validation when `cirm report` reads one:
///
///     {"model": str, "data": str, "pairs": int, "neutral_pairs": int,
///      "methods": {"base"|"lp"|"lwr"|"cirm": {"all": f, "neutral": f,
///          "subsets": {"<attribute>": {"biased": f, "unbiased": f, "n_biased": i, "n_unbiased": i}},
///          "flip_rate": {"<attribute>": f}}},
///      "spec": {"edited": i, "directions": i, "total_neurons": i, "k": {"<attribute>": i}} or null
///              (no spec given),
///      "flip_pairs": int,
///      "rm_bench": {...}  only for RM-Bench-format data, see below}
///
/// Fractions are in [0, 1]; a share over no pair is null. Additions to the contract:
/// "neutral_pairs" (the size of the neutral set) and "flip_pairs" (the flip rates are over the
/// first flip_pairs pairs: all of them unless --flip-pairs asked for fewer; 0 when not measured), and
/// the spec's "directions" (pinned directions, beyond the method; 0 for the method's specs). For RM-Bench data, "rm_bench" is
/// {"items": i, "methods": {"<method>": {"easy": f, "normal": f, "hard": f, "matrix": [[f×3]×3]}}}.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/spec.hpp"

namespace cirm::cli {

using json = nlohmann::ordered_json;

/// The "spec" entry: edited neurons, pinned directions, the model's neuron count, k per attribute.
inline json spec_summary_json(const spec& s, std::size_t total_neurons) {
    json j;
    j["edited"] = s.edited();
    j["directions"] = s.pinned_directions();
    j["total_neurons"] = total_neurons;
    j["k"] = json::object();
    for (const auto& b : s.budgets) j["k"][b.bias] = b.k;
    return j;
}

inline json rm_bench_json(const rm_bench_result& r) {
    json j;
    j["easy"] = detail::fraction_json(r.easy);
    j["normal"] = detail::fraction_json(r.normal);
    j["hard"] = detail::fraction_json(r.hard);
    j["matrix"] = json::array();
    for (const auto& row : r.matrix) {
        json cells = json::array();
        for (double v : row) cells.push_back(detail::fraction_json(v));
        j["matrix"].push_back(std::move(cells));
    }
    return j;
}

/// The contract document for one evaluation.
inline json eval_json(const std::string& model, const std::string& data, std::size_t pairs,
                      const method_comparison& comparison, const spec* s, std::size_t total_neurons,
                      const std::vector<std::pair<std::string, rm_bench_result>>* rm_bench = nullptr,
                      std::size_t rm_bench_items = 0) {
    json j;
    j["model"] = model;
    j["data"] = data;
    j["pairs"] = pairs;
    j["neutral_pairs"] = comparison.methods.empty() ? 0 : comparison.methods.front().second.neutral.pairs;
    j["methods"] = json::object();
    for (const auto& [name, e] : comparison.methods) j["methods"][name] = to_json(e);
    j["spec"] = s ? spec_summary_json(*s, total_neurons) : json(nullptr);
    if (rm_bench) {
        json r;
        r["items"] = rm_bench_items;
        r["methods"] = json::object();
        for (const auto& [name, result] : *rm_bench) r["methods"][name] = rm_bench_json(result);
        j["rm_bench"] = std::move(r);
    }
    return j;
}

namespace contract_detail {
inline void require(bool ok, const std::string& where, const std::string& problem) {
    if (!ok) throw error(where + ": " + problem);
}
inline void require_fraction(const json& v, const std::string& where) {
    require(v.is_null() || (v.is_number() && v.get<double>() >= 0.0 && v.get<double>() <= 1.0), where,
            "must be a fraction in [0, 1] or null");
}
}  // namespace contract_detail

/// Checks that `j` follows the contract; errors name `source` and the offending key.
inline void validate_eval_json(const json& j, const std::string& source) {
    using contract_detail::require;
    using contract_detail::require_fraction;
    require(j.is_object(), source, "not a JSON object (expected the output of `cirm eval --json`)");
    for (const char* key : {"model", "data"})
        require(j.contains(key) && j[key].is_string(), source, std::string("missing string field '") + key + "'");
    require(j.contains("pairs") && j["pairs"].is_number_unsigned(), source, "missing count field 'pairs'");
    require(j.contains("methods") && j["methods"].is_object() && !j["methods"].empty(), source,
            "missing object field 'methods'");
    require(j["methods"].contains("base"), source, "'methods' has no 'base' entry");
    for (const auto& [name, m] : j["methods"].items()) {
        const std::string where = source + ": methods." + name;
        require(m.is_object(), where, "not an object");
        for (const char* key : {"all", "neutral"}) {
            require(m.contains(key), where, std::string("missing '") + key + "'");
            require_fraction(m[key], where + "." + key);
        }
        require(m.contains("subsets") && m["subsets"].is_object(), where, "missing object 'subsets'");
        for (const auto& [attr, s] : m["subsets"].items()) {
            const std::string w = where + ".subsets." + attr;
            require(s.is_object(), w, "not an object");
            for (const char* key : {"biased", "unbiased"}) {
                require(s.contains(key), w, std::string("missing '") + key + "'");
                require_fraction(s[key], w + "." + key);
            }
            for (const char* key : {"n_biased", "n_unbiased"})
                require(s.contains(key) && s[key].is_number_unsigned(), w, std::string("missing count '") + key + "'");
        }
        require(m.contains("flip_rate") && m["flip_rate"].is_object(), where, "missing object 'flip_rate'");
        for (const auto& [attr, f] : m["flip_rate"].items()) require_fraction(f, where + ".flip_rate." + attr);
    }
    require(j.contains("spec"), source, "missing field 'spec' (null when no spec was evaluated)");
    if (!j["spec"].is_null()) {
        const auto& s = j["spec"];
        require(s.is_object() && s.contains("edited") && s["edited"].is_number_unsigned() && s.contains("total_neurons") &&
                    s["total_neurons"].is_number_unsigned() && s.contains("k") && s["k"].is_object(),
                source, "'spec' must be null or {\"edited\", \"total_neurons\", \"k\"}");
    }
}

}  // namespace cirm::cli
