#pragma once
/// \file
/// The goal the project pursues (issue 5), checked on an evaluation document: CIRM against base
/// on the test set. Mean unbiased-subset accuracy B̄_b over the five method attributes at least
/// 10 points above base; no biased-subset accuracy B_b more than 1 point below base; neutral
/// accuracy no more than 1 point below base; mean style flip rate at most half of base's.
/// Each line says "met", "not met", or "not measurable" (a subset, or base's flip rate, is empty).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cirm/attributes/builtin.hpp"
#include "cirm_cli/json_contract.hpp"

namespace cirm::cli {

struct goal_line {
    std::string text;        ///< what was measured, with the goal
    std::optional<bool> met; ///< nothing: not measurable on this data
};

namespace goal_detail {
inline std::optional<double> fraction(const json& v) {
    if (v.is_number()) return v.get<double>();
    return std::nullopt;
}
inline std::string verdict(std::optional<bool> met) { return !met ? "not measurable" : *met ? "met" : "not met"; }
}  // namespace goal_detail

/// The four goal lines for methods.base vs methods.<method> of an evaluation document (cirm by
/// default; `cirm demo` checks its variant column too); empty when the document has no such method.
inline std::vector<goal_line> goal_check(const json& document, const std::string& method = "cirm") {
    using goal_detail::fraction;
    std::vector<goal_line> lines;
    const auto& methods = document.at("methods");
    if (!methods.contains(method) || !methods.contains("base")) return lines;
    const auto& base = methods["base"];
    const auto& cirm = methods[method];

    // 1. mean B̄_b over the five attributes (those of the five with a non-empty B̄_b)
    {
        double base_sum = 0, cirm_sum = 0;
        std::size_t n = 0;
        for (auto name : method_attribute_names()) {
            const std::string a(name);
            if (!base["subsets"].contains(a) || !cirm["subsets"].contains(a)) continue;
            const auto b = fraction(base["subsets"][a]["unbiased"]), c = fraction(cirm["subsets"][a]["unbiased"]);
            if (!b || !c) continue;
            base_sum += *b;
            cirm_sum += *c;
            ++n;
        }
        goal_line g;
        if (n == 0) {
            g.text = "mean unbiased-subset accuracy (goal: >= 10 points above base): no attribute has unbiased pairs";
        } else {
            const double gain = 100.0 * (cirm_sum - base_sum) / static_cast<double>(n);
            g.text = fmt::format("mean unbiased-subset accuracy over {} attributes: base {:.1f}%, {} {:.1f}% ({:+.1f} points; goal: >= +10)",
                                 n, 100.0 * base_sum / static_cast<double>(n), method, 100.0 * cirm_sum / static_cast<double>(n), gain);
            g.met = gain >= 10.0 - 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 2. worst B_b drop
    {
        std::optional<double> worst;
        std::string worst_name;
        for (const auto& [a, s] : base["subsets"].items()) {
            if (!cirm["subsets"].contains(a)) continue;
            const auto b = fraction(s["biased"]), c = fraction(cirm["subsets"][a]["biased"]);
            if (!b || !c) continue;
            const double drop = 100.0 * (*b - *c);
            if (!worst || drop > *worst) {
                worst = drop;
                worst_name = a;
            }
        }
        goal_line g;
        if (!worst) {
            g.text = "worst biased-subset drop (goal: <= 1 point): no attribute has biased pairs";
        } else {
            // Reported as a signed change (a negative drop is a gain), so "+1.4" cannot read as a fall.
            g.text = fmt::format("worst biased-subset accuracy change from base: {:+.1f} points ({}; goal: no drop over 1 point)",
                                 -*worst, worst_name);
            g.met = *worst <= 1.0 + 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 3. neutral drop
    {
        const auto b = fraction(base["neutral"]), c = fraction(cirm["neutral"]);
        goal_line g;
        if (!b || !c) {
            g.text = "neutral accuracy drop (goal: <= 1 point): the test set has no neutral pairs";
        } else {
            const double drop = 100.0 * (*b - *c);
            g.text = fmt::format("neutral accuracy: base {:.1f}%, {} {:.1f}% ({:+.1f} points; goal: no drop over 1 point)",
                                 100.0 * *b, method, 100.0 * *c, -drop);
            g.met = drop <= 1.0 + 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 4. mean flip rate ratio (attributes with a flip rate for both)
    {
        double base_sum = 0, cirm_sum = 0;
        std::size_t n = 0;
        for (const auto& [a, f] : base["flip_rate"].items()) {
            if (!cirm["flip_rate"].contains(a)) continue;
            const auto b = fraction(f), c = fraction(cirm["flip_rate"][a]);
            if (!b || !c) continue;
            base_sum += *b;
            cirm_sum += *c;
            ++n;
        }
        goal_line g;
        if (n == 0 || base_sum == 0.0) {
            g.text = n == 0 ? "mean style flip rate (goal: <= half of base): no flip rates were measured"
                            : "mean style flip rate (goal: <= half of base): base never flips, no ratio";
        } else {
            const double ratio = cirm_sum / base_sum;
            g.text = fmt::format("mean style flip rate: base {:.1f}%, {} {:.1f}% (ratio {:.2f}; goal: <= 0.50)",
                                 100.0 * base_sum / static_cast<double>(n), method, 100.0 * cirm_sum / static_cast<double>(n), ratio);
            g.met = ratio <= 0.5 + 1e-12;
        }
        lines.push_back(std::move(g));
    }
    return lines;
}

/// "met" / "not met" / "not measurable".
inline std::string goal_verdict(std::optional<bool> met) { return goal_detail::verdict(met); }

/// Whether every line is met (nothing when some line is not measurable and none failed).
inline std::optional<bool> goal_overall(const std::vector<goal_line>& lines) {
    bool unknown = false;
    for (const auto& l : lines) {
        if (!l.met) unknown = true;
        else if (!*l.met) return false;
    }
    if (unknown) return std::nullopt;
    return true;
}

}  // namespace cirm::cli
