#pragma once
/// \file
/// JSON of evaluation results (opt-in: the evaluation itself does not depend on a JSON library),
/// written here and nowhere else. The document of an evaluation (evaluation_document; what
/// `cirm eval --json` prints and `cirm report` reads):
///
///     {"model": str, "engine": str (where the caller names it), "data": str, "pairs": int,
///      "neutral_pairs": int,
///      "methods": {"<method>": {"all": f, "neutral": f,
///          "subsets": {"<attribute>": {"biased": f, "unbiased": f, "n_biased": i, "n_unbiased": i}},
///          "flip_rate": {"<attribute>": f}}},
///      "spec": {"edited": i, "directions": i, "total_neurons": i, "k": {"<attribute>": i}} or null,
///      "rm_bench": {"items": i, "methods": {"<method>": {"easy": f, "normal": f, "hard": f,
///                   "matrix": [[f x 3] x 3]}}}   (RM-Bench test sets only),
///      "reward_bench": {"pairs": i, "methods": {"<method>": {
///          "subsets": {"<subset>": {"accuracy": f, "correct": i, "total": i, "section": str or null}},
///          "sections": {"Chat": f, "Chat Hard": f, "Safety": f, "Reasoning": f},
///          "overall": f, "complete": bool}}}   (RewardBench test sets only),
///      "reward_bench_2": {"prompts": i, "methods": {"<method>": {
///          "subsets": {"<subset>": {"score": f, "prompts": i}},
///          "ties": {"score": f, "ref_accuracy": f, "tied_accuracy": f, "correctness_preferred": f,
///                   "correctness_preferred_hard": f, "correctness_margin_score": f,
///                   "ref_prompts": i, "tied_prompts": i, "paired_keys": i} or null,
///          "overall": f}}}   (RewardBench 2 test sets only),
///      "flip_pairs": int}
///
/// RewardBench (eval/reward_bench.hpp): a subset outside the benchmark's mapping has section
/// null and counts in no section; a section none of whose subsets is present is null, and then
/// "overall" is the mean of the sections present and "complete" is false. RewardBench 2
/// (eval/reward_bench_2.hpp): best-of-N per subset, the Ties subset by its weighted rule (whose
/// score lies in [-0.01, 1.01] and whose parts over no ref/tied key pair are null), "overall" the
/// mean of the subsets' scores.
///
/// Methods are base, lp, lwr (those asked for) and the evaluated specs by name ("cirm" for the
/// spec of `cirm eval --spec`); "spec" summarises the spec named "cirm" (null without one).
/// Fractions are in [0, 1]; a share over no pair is null. The flip rates are over the first
/// flip_pairs pairs (0: not measured).

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/eval/goal.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/eval/reward_bench.hpp"
#include "cirm/eval/reward_bench_2.hpp"
#include "cirm/pipeline/evaluate.hpp"
#include "cirm/spec.hpp"

namespace cirm {

namespace detail {
inline nlohmann::ordered_json fraction_json(double v) {
    return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}
}  // namespace detail

/// The evaluation as JSON, keys in this order:
/// {"all": f, "neutral": f, "subsets": {"<attribute>": {"biased": f, "unbiased": f,
///  "n_biased": i, "n_unbiased": i}}, "flip_rate": {"<attribute>": f}}.
/// Fractions are in [0, 1]; an undefined share (over no pair) is null.
inline nlohmann::ordered_json to_json(const evaluation& e) {
    nlohmann::ordered_json j;
    j["all"] = detail::fraction_json(e.all.value);
    j["neutral"] = detail::fraction_json(e.neutral.value);
    auto& subsets = j["subsets"] = nlohmann::ordered_json::object();
    for (const auto& [name, s] : e.subsets) {
        nlohmann::ordered_json entry;
        entry["biased"] = detail::fraction_json(s.biased);
        entry["unbiased"] = detail::fraction_json(s.unbiased);
        entry["n_biased"] = s.n_biased;
        entry["n_unbiased"] = s.n_unbiased;
        subsets[name] = std::move(entry);
    }
    auto& flips = j["flip_rate"] = nlohmann::ordered_json::object();
    for (const auto& [name, f] : e.flip_rate) flips[name] = detail::fraction_json(f.value);
    return j;
}

/// nlohmann's conversion hook: `nlohmann::ordered_json j = e;`.
inline void to_json(nlohmann::ordered_json& j, const evaluation& e) { j = to_json(e); }

/// The "spec" entry: edited neurons, pinned directions, the model's neuron count, k per attribute.
inline nlohmann::ordered_json to_json(const spec_summary& s) {
    nlohmann::ordered_json j;
    j["edited"] = s.edited;
    j["directions"] = s.directions;
    j["total_neurons"] = s.total_neurons;
    j["k"] = nlohmann::ordered_json::object();
    for (const auto& b : s.budgets) j["k"][b.bias] = b.k;
    return j;
}

inline nlohmann::ordered_json to_json(const rm_bench_result& r) {
    nlohmann::ordered_json j;
    j["easy"] = detail::fraction_json(r.easy);
    j["normal"] = detail::fraction_json(r.normal);
    j["hard"] = detail::fraction_json(r.hard);
    j["matrix"] = nlohmann::ordered_json::array();
    for (const auto& row : r.matrix) {
        nlohmann::ordered_json cells = nlohmann::ordered_json::array();
        for (double v : row) cells.push_back(detail::fraction_json(v));
        j["matrix"].push_back(std::move(cells));
    }
    return j;
}

/// RewardBench's scores of one method (see the file comment).
inline nlohmann::ordered_json to_json(const reward_bench_result& r) {
    nlohmann::ordered_json j;
    auto& subsets = j["subsets"] = nlohmann::ordered_json::object();
    for (const auto& s : r.subsets) {
        nlohmann::ordered_json entry;
        entry["accuracy"] = detail::fraction_json(s.accuracy);
        entry["correct"] = s.correct;
        entry["total"] = s.total;
        entry["section"] = s.section.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.section);
        subsets[s.name] = std::move(entry);
    }
    auto& sections = j["sections"] = nlohmann::ordered_json::object();
    for (std::size_t k = 0; k < reward_bench_sections.size(); ++k)
        sections[std::string(reward_bench_sections[k])] = detail::fraction_json(r.sections[k]);
    j["overall"] = detail::fraction_json(r.overall);
    j["complete"] = r.complete;
    return j;
}

/// The parts of RewardBench 2's Ties score (see the file comment).
inline nlohmann::ordered_json to_json(const ties_result& t) {
    nlohmann::ordered_json j;
    j["score"] = detail::fraction_json(t.score);
    j["ref_accuracy"] = detail::fraction_json(t.ref_accuracy);
    j["tied_accuracy"] = detail::fraction_json(t.tied_accuracy);
    j["correctness_preferred"] = detail::fraction_json(t.correctness_preferred);
    j["correctness_preferred_hard"] = detail::fraction_json(t.correctness_preferred_hard);
    j["correctness_margin_score"] = detail::fraction_json(t.correctness_margin_score);
    j["ref_prompts"] = t.ref_prompts;
    j["tied_prompts"] = t.tied_prompts;
    j["paired_keys"] = t.paired_keys;
    return j;
}

/// RewardBench 2's scores of one method (see the file comment).
inline nlohmann::ordered_json to_json(const reward_bench_2_result& r) {
    nlohmann::ordered_json j;
    auto& subsets = j["subsets"] = nlohmann::ordered_json::object();
    for (const auto& s : r.subsets) {
        nlohmann::ordered_json entry;
        entry["score"] = detail::fraction_json(s.score);
        entry["prompts"] = s.prompts;
        subsets[s.name] = std::move(entry);
    }
    j["ties"] = r.ties ? to_json(*r.ties) : nlohmann::ordered_json(nullptr);
    j["overall"] = detail::fraction_json(r.overall);
    return j;
}

/// The document of an evaluation of `model` on `data` (see the file comment).
inline nlohmann::ordered_json evaluation_document(const evaluation_report& r, const std::string& model,
                                                  const std::string& data,
                                                  const std::optional<std::string>& engine = std::nullopt) {
    nlohmann::ordered_json j;
    j["model"] = model;
    if (engine) j["engine"] = *engine;
    j["data"] = data;
    j["pairs"] = r.pairs;
    j["neutral_pairs"] = r.neutral_pairs;
    j["methods"] = nlohmann::ordered_json::object();
    for (const auto& [name, e] : r.comparison.methods) j["methods"][name] = to_json(e);
    const spec_summary* s = r.spec_of("cirm");
    j["spec"] = s ? to_json(*s) : nlohmann::ordered_json(nullptr);
    if (r.rm_bench) {
        nlohmann::ordered_json rm;
        rm["items"] = r.rm_bench->items;
        rm["methods"] = nlohmann::ordered_json::object();
        for (const auto& [name, result] : r.rm_bench->methods) rm["methods"][name] = to_json(result);
        j["rm_bench"] = std::move(rm);
    }
    if (r.reward_bench) {
        nlohmann::ordered_json rb;
        rb["pairs"] = r.reward_bench->pairs;
        rb["methods"] = nlohmann::ordered_json::object();
        for (const auto& [name, result] : r.reward_bench->methods) rb["methods"][name] = to_json(result);
        j["reward_bench"] = std::move(rb);
    }
    if (r.reward_bench_2) {
        nlohmann::ordered_json rb;
        rb["prompts"] = r.reward_bench_2->prompts;
        rb["methods"] = nlohmann::ordered_json::object();
        for (const auto& [name, result] : r.reward_bench_2->methods) rb["methods"][name] = to_json(result);
        j["reward_bench_2"] = std::move(rb);
    }
    j["flip_pairs"] = r.flip_pairs;
    return j;
}

namespace detail {
inline void require_json(bool ok, const std::string& where, const std::string& problem) {
    if (!ok) throw error(where + ": " + problem);
}
inline void require_fraction(const nlohmann::ordered_json& v, const std::string& where) {
    require_json(v.is_null() || (v.is_number() && v.get<double>() >= 0.0 && v.get<double>() <= 1.0), where,
                 "must be a fraction in [0, 1] or null");
}
inline double fraction_of(const nlohmann::ordered_json& v) {
    return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace detail

/// Checks that `j` is an evaluation document (see the file comment); errors name `source` and the
/// offending key.
inline void validate_evaluation_document(const nlohmann::ordered_json& j, const std::string& source) {
    using detail::require_fraction;
    using detail::require_json;
    require_json(j.is_object(), source, "not a JSON object (expected the output of `cirm eval --json`)");
    for (const char* key : {"model", "data"})
        require_json(j.contains(key) && j[key].is_string(), source, std::string("missing string field '") + key + "'");
    require_json(j.contains("pairs") && j["pairs"].is_number_unsigned(), source, "missing count field 'pairs'");
    require_json(j.contains("methods") && j["methods"].is_object() && !j["methods"].empty(), source,
                 "missing object field 'methods'");
    require_json(j["methods"].contains("base"), source, "'methods' has no 'base' entry");
    for (const auto& [name, m] : j["methods"].items()) {
        const std::string where = source + ": methods." + name;
        require_json(m.is_object(), where, "not an object");
        for (const char* key : {"all", "neutral"}) {
            require_json(m.contains(key), where, std::string("missing '") + key + "'");
            require_fraction(m[key], where + "." + key);
        }
        require_json(m.contains("subsets") && m["subsets"].is_object(), where, "missing object 'subsets'");
        for (const auto& [attr, s] : m["subsets"].items()) {
            const std::string w = where + ".subsets." + attr;
            require_json(s.is_object(), w, "not an object");
            for (const char* key : {"biased", "unbiased"}) {
                require_json(s.contains(key), w, std::string("missing '") + key + "'");
                require_fraction(s[key], w + "." + key);
            }
            for (const char* key : {"n_biased", "n_unbiased"})
                require_json(s.contains(key) && s[key].is_number_unsigned(), w,
                             std::string("missing count '") + key + "'");
        }
        require_json(m.contains("flip_rate") && m["flip_rate"].is_object(), where, "missing object 'flip_rate'");
        for (const auto& [attr, f] : m["flip_rate"].items()) require_fraction(f, where + ".flip_rate." + attr);
    }
    require_json(j.contains("spec"), source, "missing field 'spec' (null when no spec was evaluated)");
    if (!j["spec"].is_null()) {
        const auto& s = j["spec"];
        require_json(s.is_object() && s.contains("edited") && s["edited"].is_number_unsigned() &&
                         s.contains("total_neurons") && s["total_neurons"].is_number_unsigned() && s.contains("k") &&
                         s["k"].is_object(),
                     source, "'spec' must be null or {\"edited\", \"total_neurons\", \"k\"}");
    }
}

/// The evaluation of one method of a validated document.
inline evaluation evaluation_from_json(const nlohmann::ordered_json& m) {
    evaluation e;
    e.all.value = detail::fraction_of(m["all"]);
    e.neutral.value = detail::fraction_of(m["neutral"]);
    for (const auto& [attr, s] : m["subsets"].items())
        e.subsets.emplace_back(attr,
                               subset_accuracy{detail::fraction_of(s["biased"]), detail::fraction_of(s["unbiased"]),
                                               s["n_biased"].get<std::size_t>(), s["n_unbiased"].get<std::size_t>()});
    for (const auto& [attr, f] : m["flip_rate"].items())
        e.flip_rate.emplace_back(attr, pair_share{detail::fraction_of(f), 0});
    return e;
}

/// The goal's lines for `method` against base in a validated document (empty when it lacks either).
inline std::vector<goal_line> goal_check(const nlohmann::ordered_json& document, const std::string& method) {
    const auto& methods = document.at("methods");
    if (!methods.contains(method) || !methods.contains("base")) return {};
    return goal_check(evaluation_from_json(methods["base"]), evaluation_from_json(methods[method]), method);
}

}  // namespace cirm
