#pragma once
/// \file
/// Turns a selection into a spec: the selected neurons grouped by site, each with the value it
/// is pinned to (the median, the mean, or zero over the validation samples), and the budgets
/// and provenance that say where the spec came from.
///
/// For replacement::swap the stored values are the medians: swap takes its values from the
/// other response of a pair at scoring time (intervene/pair_swap.hpp), and the medians are
/// what a single response is pinned to when no partner is given.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/correlation_table.hpp"
#include "cirm/error.hpp"
#include "cirm/selection.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// Options of make_spec beyond the selection itself.
struct spec_options {
    cirm::replacement replacement = replacement::median;
    cirm::positions positions = positions::last_token;
    std::string data_hash;  ///< SHA-256 of the validation data, for provenance
    /// Neurons of the model's whole site layout, for provenance, when `layout` is only some of
    /// its sites (a localization confined to a site group); 0 = `layout` is the whole model.
    std::size_t model_neurons = 0;
};

/// Builds the spec for `chosen` (flat indices of `layout`, the layout `table` was computed over)
/// with budgets[b] the k of table column b. Each site of the spec records its width in `layout`,
/// and the provenance the model's neuron count, so that the pins refuse another model.
inline spec make_spec(const site_layout& layout, const correlation_table& table, const selection& chosen,
                      std::span<const std::size_t> budgets, const spec_options& options = {}) {
    if (table.neurons != layout.neurons())
        throw error("make_spec: the correlation table has " + std::to_string(table.neurons) +
                    " neurons but the layout has " + std::to_string(layout.neurons()));
    if (budgets.size() != table.biases())
        throw error("make_spec: " + std::to_string(budgets.size()) + " budgets given for " +
                    std::to_string(table.biases()) + " biases");
    spec out;
    out.positions = options.positions;
    out.replacement = options.replacement;
    for (std::size_t b = 0; b < budgets.size(); ++b) out.budgets.push_back({table.attributes[b], budgets[b]});
    out.provenance = {table.attributes, table.samples, options.data_hash,
                      options.model_neurons != 0 ? options.model_neurons : layout.neurons()};
    if (options.model_neurons != 0 && options.model_neurons < layout.neurons())
        throw error("make_spec: the model has " + std::to_string(options.model_neurons) +
                    " neurons, fewer than the layout's " + std::to_string(layout.neurons()));

    for (const auto& n : chosen.neurons) {
        if (n.flat >= layout.neurons())
            throw error("make_spec: selected neuron " + std::to_string(n.flat) + " is outside the layout");
        const neuron_id id = layout.neuron(n.flat);
        const std::string& site = layout[id.site].name;
        if (out.sites.empty() || out.sites.back().name != site) {
            if (!out.sites.empty() && layout.at(out.sites.back().name) > id.site)
                throw error("make_spec: the selection is not in ascending neuron order");
            out.sites.push_back({.name = site, .width = layout[id.site].width});
        }
        auto& s = out.sites.back();
        float value = 0.0f;
        switch (options.replacement) {
            case replacement::median:
            case replacement::swap: value = table.median[n.flat]; break;
            case replacement::mean: value = table.mean[n.flat]; break;
            case replacement::zero: value = 0.0f; break;
        }
        s.indices.push_back(static_cast<std::int64_t>(id.index));
        s.values.push_back(value);
        s.chosen_by.push_back(n.chosen_by);
    }
    out.validate();
    return out;
}

}  // namespace cirm
