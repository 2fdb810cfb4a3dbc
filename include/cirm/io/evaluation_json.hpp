#pragma once
/// \file
/// JSON of evaluation results (opt-in: the evaluation itself does not depend on a JSON library).
/// An evaluation is {"all": f, "neutral": f, "subsets": {"<attribute>": {"biased": f,
/// "unbiased": f, "n_biased": i, "n_unbiased": i}}, "flip_rate": {"<attribute>": f}}: fractions
/// in [0, 1], an undefined share (over no pair) null.

#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "cirm/eval/metrics.hpp"

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

}  // namespace cirm
