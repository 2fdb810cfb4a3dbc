#pragma once
/// \file
/// The method's selector (docs/method.md §5 steps 3–4): for each bias b with budget k_b, the k_b
/// neurons with the largest ρ_nb and the k_b with the smallest, so that a bias encoded with
/// either sign is caught; the edited set is the union over biases, each neuron once, with the
/// biases that chose it. Neurons whose activations were constant are never selected.
///
/// Ties in ρ are broken by flat neuron index (site order, then index within the site), so the
/// result is the same on every platform and thread count.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cirm/correlation_table.hpp"
#include "cirm/error.hpp"
#include "cirm/selection.hpp"

namespace cirm {

namespace detail {

/// The top/bottom-k rule over any per-neuron score: for each bias b with budget k_b, the k_b
/// eligible neurons with the largest score(n, b) and the k_b with the smallest, ties broken by
/// flat index; the union over biases, each neuron once, with the biases that chose it and their
/// ρ from `table`. Eligible: not constant in `table` and not excluded(n). `who` names the
/// selector in errors.
template <class Score, class Excluded>
selection top_bottom_k_by(const correlation_table& table, std::span<const std::size_t> budgets, Score score,
                          Excluded excluded, const char* who) {
    const std::size_t biases = table.biases();
    if (budgets.size() != biases)
        throw error(std::string(who) + ": " + std::to_string(budgets.size()) + " budgets given for " +
                    std::to_string(biases) + " biases");
    if (table.rho.size() != table.neurons * biases || table.constant.size() != table.neurons)
        throw error(std::string(who) + ": the correlation table is inconsistent (rows do not match its neuron count)");

    std::vector<std::size_t> eligible;
    eligible.reserve(table.neurons);
    for (std::size_t n = 0; n < table.neurons; ++n)
        if (!table.constant[n] && !excluded(n)) eligible.push_back(n);

    std::vector<std::vector<bias_rho>> chosen_by(table.neurons);
    std::vector<std::size_t> scratch;
    for (std::size_t b = 0; b < biases; ++b) {
        const std::size_t k = budgets[b];
        if (k == 0) continue;
        const std::string& name = table.attributes[b];
        if (!table.attribute_constant.empty() && table.attribute_constant[b])
            throw error(std::string(who) + ": attribute '" + name + "' was constant over the " +
                        std::to_string(table.samples) + " samples, so no neuron correlates with it; set its k to 0");
        if (k > eligible.size())
            throw error(std::string(who) + ": k = " + std::to_string(k) + " for attribute '" + name + "' exceeds the " +
                        std::to_string(eligible.size()) + " neurons available (non-constant)");
        const auto mark = [&](std::size_t n) {
            auto& list = chosen_by[n];
            if (list.empty() || list.back().bias != name) list.push_back({name, table.at(n, b)});
        };
        // top k: larger score first, then smaller index
        scratch = eligible;
        const auto higher = [&](std::size_t x, std::size_t y) {
            const double sx = score(x, b), sy = score(y, b);
            return sx > sy || (sx == sy && x < y);
        };
        std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch.end(), higher);
        for (std::size_t i = 0; i < k; ++i) mark(scratch[i]);
        // bottom k: smaller score first, then smaller index
        scratch = eligible;
        const auto lower = [&](std::size_t x, std::size_t y) {
            const double sx = score(x, b), sy = score(y, b);
            return sx < sy || (sx == sy && x < y);
        };
        std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch.end(), lower);
        for (std::size_t i = 0; i < k; ++i) mark(scratch[i]);
    }

    selection result;
    for (std::size_t n = 0; n < table.neurons; ++n)
        if (!chosen_by[n].empty()) result.neurons.push_back({n, std::move(chosen_by[n])});
    return result;
}

}  // namespace detail

struct spearman_top_bottom_k {
    /// budgets[b] is k_b for column b of the table; k_b = 0 leaves bias b unedited. A k_b
    /// larger than the number of non-constant neurons, or a positive k_b for a bias that was
    /// constant over the samples (its ρ is undefined), is an error.
    selection select(const correlation_table& table, std::span<const std::size_t> budgets) const {
        return detail::top_bottom_k_by(
            table, budgets, [&](std::size_t n, std::size_t b) { return table.at(n, b); },
            [](std::size_t) { return false; }, "selector");
    }
};

}  // namespace cirm
