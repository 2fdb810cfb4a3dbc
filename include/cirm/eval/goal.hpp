#pragma once
/// \file
/// The project's debiasing goal, checked for a method against the base RM on a test set: the mean
/// unbiased-subset accuracy B̄_b over the five method attributes at least 10 points above base; no
/// biased-subset accuracy B_b more than 1 point below base; the neutral accuracy no more than 1
/// point below base; the mean style flip rate at most half of base's. Each line is met, not met,
/// or not measurable (a subset, or base's flip rate, is empty on the data).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/eval/metrics.hpp"

namespace cirm {

/// One part of the goal: what was measured, with the goal, and whether it is met (nothing: not
/// measurable on this data).
struct goal_line {
    std::string text;
    std::optional<bool> met;
};

namespace detail {
/// printf-style formatting into a std::string (the messages below use %.1f, %+.1f and %.2f).
template <class... Args>
std::string format_text(const char* format, Args... args) {
    const int size = std::snprintf(nullptr, 0, format, args...);
    std::string out(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
    std::snprintf(out.data(), out.size() + 1, format, args...);
    return out;
}
inline std::optional<double> defined(double v) { return std::isnan(v) ? std::nullopt : std::optional<double>(v); }
inline const subset_accuracy* subset_of(const evaluation& e, std::string_view attribute) {
    for (const auto& [name, s] : e.subsets)
        if (name == attribute) return &s;
    return nullptr;
}
inline const pair_share* flip_rate_of(const evaluation& e, std::string_view attribute) {
    for (const auto& [name, f] : e.flip_rate)
        if (name == attribute) return &f;
    return nullptr;
}
}  // namespace detail

/// The four lines of the goal for `method` (named `name` in the text) against `base`.
inline std::vector<goal_line> goal_check(const evaluation& base, const evaluation& method, std::string_view name) {
    using detail::defined;
    using detail::format_text;
    const std::string m(name);
    std::vector<goal_line> lines;
    // 1. mean B̄_b over the five attributes (those of the five with a non-empty B̄_b on both sides)
    {
        double base_sum = 0, method_sum = 0;
        std::size_t n = 0;
        for (auto attribute : method_attribute_names()) {
            const auto* b = detail::subset_of(base, attribute);
            const auto* c = detail::subset_of(method, attribute);
            if (!b || !c || !defined(b->unbiased) || !defined(c->unbiased)) continue;
            base_sum += b->unbiased;
            method_sum += c->unbiased;
            ++n;
        }
        goal_line g;
        if (n == 0) {
            g.text = "mean unbiased-subset accuracy (goal: >= 10 points above base): no attribute has unbiased pairs";
        } else {
            const double count = static_cast<double>(n);
            const double gain = 100.0 * (method_sum - base_sum) / count;
            g.text = format_text(
                "mean unbiased-subset accuracy over %zu attributes: base %.1f%%, %s %.1f%% (%+.1f points; goal: >= +10)",
                n, 100.0 * base_sum / count, m.c_str(), 100.0 * method_sum / count, gain);
            g.met = gain >= 10.0 - 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 2. the worst B_b drop, reported as a signed change (a negative drop is a gain, so "+1.4"
    //    cannot read as a fall)
    {
        std::optional<double> worst;
        std::string worst_name;
        for (const auto& [attribute, b] : base.subsets) {
            const auto* c = detail::subset_of(method, attribute);
            if (!c || !defined(b.biased) || !defined(c->biased)) continue;
            const double drop = 100.0 * (b.biased - c->biased);
            if (!worst || drop > *worst) {
                worst = drop;
                worst_name = attribute;
            }
        }
        goal_line g;
        if (!worst) {
            g.text = "worst biased-subset drop (goal: <= 1 point): no attribute has biased pairs";
        } else {
            g.text = format_text(
                "worst biased-subset accuracy change from base: %+.1f points (%s; goal: no drop over 1 point)", -*worst,
                worst_name.c_str());
            g.met = *worst <= 1.0 + 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 3. the neutral drop
    {
        goal_line g;
        if (!defined(base.neutral.value) || !defined(method.neutral.value)) {
            g.text = "neutral accuracy drop (goal: <= 1 point): the test set has no neutral pairs";
        } else {
            const double drop = 100.0 * (base.neutral.value - method.neutral.value);
            g.text = format_text("neutral accuracy: base %.1f%%, %s %.1f%% (%+.1f points; goal: no drop over 1 point)",
                                 100.0 * base.neutral.value, m.c_str(), 100.0 * method.neutral.value, -drop);
            g.met = drop <= 1.0 + 1e-9;
        }
        lines.push_back(std::move(g));
    }
    // 4. the mean flip rate ratio (attributes with a flip rate on both sides)
    {
        double base_sum = 0, method_sum = 0;
        std::size_t n = 0;
        for (const auto& [attribute, f] : base.flip_rate) {
            const auto* c = detail::flip_rate_of(method, attribute);
            if (!c || !defined(f.value) || !defined(c->value)) continue;
            base_sum += f.value;
            method_sum += c->value;
            ++n;
        }
        goal_line g;
        if (n == 0 || base_sum == 0.0) {
            g.text = n == 0 ? "mean style flip rate (goal: <= half of base): no flip rates were measured"
                            : "mean style flip rate (goal: <= half of base): base never flips, no ratio";
        } else {
            const double ratio = method_sum / base_sum, count = static_cast<double>(n);
            g.text = format_text("mean style flip rate: base %.1f%%, %s %.1f%% (ratio %.2f; goal: <= 0.50)",
                                 100.0 * base_sum / count, m.c_str(), 100.0 * method_sum / count, ratio);
            g.met = ratio <= 0.5 + 1e-12;
        }
        lines.push_back(std::move(g));
    }
    return lines;
}

/// "met", "not met" or "not measurable".
inline std::string_view goal_verdict(std::optional<bool> met) {
    return !met ? "not measurable" : *met ? "met" : "not met";
}

/// Whether every line is met (nothing when some line is not measurable and none failed).
inline std::optional<bool> goal_overall(const std::vector<goal_line>& lines) {
    bool unknown = false;
    for (const auto& l : lines) {
        if (!l.met)
            unknown = true;
        else if (!*l.met)
            return false;
    }
    if (unknown) return std::nullopt;
    return true;
}

}  // namespace cirm
