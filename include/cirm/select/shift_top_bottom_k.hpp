#pragma once
/// \file
/// A selector beyond the method: top/bottom-k by counterfactual shift (calibrate/
/// counterfactual_shift.hpp) instead of Spearman ρ. For each bias b with budget k_b, the k_b
/// neurons that a style edit of b moves up the most (in units of their spread) and the k_b it
/// moves down the most; the union over biases, each neuron once. Models NeuronSelector, so it
/// drops into spec_for_budgets, search_budgets and make_spec where spearman_top_bottom_k goes;
/// the pin values still come from the correlation table (medians, means), and each chosen
/// neuron's provenance records its ρ, as for the method's selector.
///
/// The shift table must have been measured over the same layout as the correlation table
/// (same neuron count and order). A bias of the correlation table with a positive budget needs a
/// column of the same name in the shift table whose edit applied to at least one response.
/// Neurons that are constant in either table are never selected. Ties go to the smaller flat
/// index.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/correlation_table.hpp"
#include "cirm/error.hpp"
#include "cirm/select/top_bottom_k.hpp"
#include "cirm/selection.hpp"
#include "cirm/shift_table.hpp"

namespace cirm {

class shift_top_bottom_k {
public:
    explicit shift_top_bottom_k(shift_table shifts) : shifts_(std::make_shared<const shift_table>(std::move(shifts))) {
        if (shifts_->shift.size() != shifts_->neurons * shifts_->biases() ||
            shifts_->constant.size() != shifts_->neurons || shifts_->edited.size() != shifts_->biases())
            throw error("shift selector: the shift table is inconsistent (rows do not match its neuron count)");
    }

    const shift_table& shifts() const noexcept { return *shifts_; }

    selection select(const correlation_table& table, std::span<const std::size_t> budgets) const {
        const shift_table& s = *shifts_;
        if (s.neurons != table.neurons)
            throw error("shift selector: the shift table has " + std::to_string(s.neurons) +
                        " neurons but the correlation table has " + std::to_string(table.neurons) +
                        " (measure both over the same sites)");
        // column of the shift table for each column of the correlation table
        std::vector<std::size_t> column(table.biases(), s.biases());
        for (std::size_t b = 0; b < table.biases() && b < budgets.size(); ++b) {
            for (std::size_t c = 0; c < s.biases(); ++c)
                if (s.attributes[c] == table.attributes[b]) column[b] = c;
            if (budgets[b] == 0) continue;
            if (column[b] == s.biases())
                throw error("shift selector: no counterfactual shift was measured for attribute '" +
                            table.attributes[b] + "'; give it a style edit or set its k to 0");
            if (s.edited[column[b]] == 0)
                throw error("shift selector: the style edit of '" + table.attributes[b] +
                            "' applied to none of the responses; set its k to 0");
        }
        return detail::top_bottom_k_by(
            table, budgets, [&](std::size_t n, std::size_t b) { return s.at(n, column[b]); },
            [&](std::size_t n) { return s.constant[n] != 0; }, "shift selector");
    }

private:
    std::shared_ptr<const shift_table> shifts_;
};

static_assert(NeuronSelector<shift_top_bottom_k>);

}  // namespace cirm
