#pragma once
/// \file
/// Counterfactual shifts (beyond the method): how far a style edit alone moves each neuron's
/// last-token activation. For every validation response x_i and every bias b with a style edit
/// e_b (e.g. eval/counterfactual.hpp's inject_style), the paired difference
///
///     Δ_inb = a_n(e_b(x_i)) − a_n(x_i)
///
/// is taken over the responses the edit applies to, and the neuron's shift for b is its mean
/// paired difference in units of the neuron's spread over the unedited responses:
///
///     shift_nb = mean_i Δ_inb / sd_n,   sd_n = sample standard deviation (n − 1) of a_n(x_i).
///
/// Spearman's ρ (docs/method.md §5) finds neurons that co-vary with an attribute across responses,
/// which also catches neurons that track what co-varies with it (content, prompt kind); the
/// shift is an interventional measure: the same response with one style feature added, nothing
/// else changed. shift_top_bottom_k (select/shift_top_bottom_k.hpp) selects by it.
///
/// Neurons with zero spread get shift 0 and are flagged constant. NaN or infinite activations
/// are an error that names the site, the neuron and the sample. Cost: one forward pass over
/// every response plus one per response and bias whose edit applies; memory: the sums, two
/// doubles per neuron and bias, and one batch of activations.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/calibrate/activation_store.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/eval/counterfactual.hpp"
#include "cirm/sample.hpp"
#include "cirm/shift_table.hpp"
#include "cirm/site.hpp"

namespace cirm {

/// A style edit: the response with one style feature added, or nothing if it does not apply.
using style_edit = std::function<std::optional<std::string>(std::string_view prompt, std::string_view response)>;

/// A style edit with the name of the bias attribute it raises.
struct named_style_edit {
    std::string attribute;
    style_edit edit;
};

/// The built-in edits of eval/counterfactual.hpp for the given attributes (length, paragraphs,
/// overlap, exclamation, bold); an attribute without an edit is a cirm::error.
inline std::vector<named_style_edit> builtin_style_edits(std::span<const std::string> attributes) {
    std::vector<named_style_edit> out;
    for (const auto& name : attributes) {
        if (!has_style_edit(name))
            throw error("counterfactual shifts: no built-in style edit for bias attribute '" + name +
                        "' (edits exist for " + style_edit_names() + ")");
        out.push_back({name, [name](std::string_view prompt, std::string_view response) {
                           return inject_style(name, prompt, response);
                       }});
    }
    return out;
}

struct shift_options {
    std::size_t batch_size = 16;
    std::vector<std::string> sites;  ///< sites to measure, by name; empty = every site of the source
    /// Called after each batch with (responses done, responses in all).
    std::function<void(std::size_t, std::size_t)> progress;
};

/// Measures the counterfactual shifts of every neuron of the kept sites over `samples`.
template <ActivationCollector S>
shift_table measure_counterfactual_shifts(S& source, std::span<const sample> samples,
                                          std::span<const named_style_edit> edits, const shift_options& options = {}) {
    if (samples.size() < 2)
        throw error("counterfactual shifts: need at least 2 samples, got " + std::to_string(samples.size()));
    if (edits.empty()) throw error("counterfactual shifts: no style edits given");
    if (options.batch_size == 0) throw error("counterfactual shifts: batch size must be positive");
    for (std::size_t b = 0; b < edits.size(); ++b) {
        if (edits[b].attribute.empty()) throw error("counterfactual shifts: a style edit has no attribute name");
        if (!edits[b].edit) throw error("counterfactual shifts: the edit of '" + edits[b].attribute + "' is empty");
        for (std::size_t c = 0; c < b; ++c)
            if (edits[c].attribute == edits[b].attribute)
                throw error("counterfactual shifts: attribute '" + edits[b].attribute + "' is given twice");
    }
    const site_layout& source_layout = source.layout();
    const std::vector<std::size_t> keep = kept_site_positions(source_layout, options.sites);

    const std::size_t biases = edits.size();
    shift_table out;
    for (const auto& e : edits) out.attributes.push_back(e.attribute);
    out.samples = samples.size();
    out.edited.assign(biases, 0);

    // Welford per neuron over the unedited responses; Σ Δ per neuron and bias.
    std::vector<double> mean, m2, delta_sum;
    std::size_t seen = 0;
    const auto collect_rows = [&](std::span<const sample> batch) {
        activation_store rows(source_layout, keep, batch.size());
        auto sink = rows.batch(0);
        source.collect(batch, sink);
        rows.check_complete();
        return rows;
    };
    std::vector<sample> edited_batch;
    std::vector<std::size_t> edited_row;  // row of the unedited batch each edited sample came from
    std::vector<std::string> edited_text;
    for (std::size_t first = 0; first < samples.size(); first += options.batch_size) {
        const std::size_t count = std::min(options.batch_size, samples.size() - first);
        const auto batch = samples.subspan(first, count);
        const activation_store plain = collect_rows(batch);
        const std::size_t m = plain.neurons();
        if (first == 0) {
            out.layout = plain.layout();
            out.neurons = m;
            mean.assign(m, 0.0);
            m2.assign(m, 0.0);
            delta_sum.assign(m * biases, 0.0);
        }
        for (std::size_t i = 0; i < count; ++i) {
            ++seen;
            const auto row = plain.row(i);
            for (std::size_t n = 0; n < m; ++n) {
                const double x = row[n];
                const double d = x - mean[n];
                mean[n] += d / static_cast<double>(seen);
                m2[n] += d * (x - mean[n]);
            }
        }
        for (std::size_t b = 0; b < biases; ++b) {
            edited_text.clear();
            edited_row.clear();
            for (std::size_t i = 0; i < count; ++i) {
                auto e = edits[b].edit(batch[i].prompt, batch[i].response);
                if (!e) continue;
                edited_text.push_back(std::move(*e));
                edited_row.push_back(i);
            }
            if (edited_row.empty()) continue;
            edited_batch.clear();
            for (std::size_t j = 0; j < edited_row.size(); ++j)
                edited_batch.push_back({batch[edited_row[j]].prompt, edited_text[j]});
            const activation_store edited = collect_rows(edited_batch);
            for (std::size_t j = 0; j < edited_row.size(); ++j) {
                const auto after = edited.row(j);
                const auto before = plain.row(edited_row[j]);
                for (std::size_t n = 0; n < m; ++n)
                    delta_sum[n * biases + b] += static_cast<double>(after[n]) - static_cast<double>(before[n]);
            }
            out.edited[b] += edited_row.size();
        }
        if (options.progress) options.progress(first + count, samples.size());
    }

    out.shift.assign(out.neurons * biases, 0.0);
    out.mean_delta.assign(out.neurons * biases, 0.0);
    out.constant.assign(out.neurons, 0);
    for (std::size_t n = 0; n < out.neurons; ++n) {
        for (std::size_t b = 0; b < biases; ++b)
            if (out.edited[b] > 0)
                out.mean_delta[n * biases + b] = delta_sum[n * biases + b] / static_cast<double>(out.edited[b]);
        const double sd = std::sqrt(m2[n] / static_cast<double>(samples.size() - 1));
        if (!(sd > 0.0)) {
            out.constant[n] = 1;
            continue;
        }
        for (std::size_t b = 0; b < biases; ++b)
            if (out.edited[b] > 0)
                out.shift[n * biases + b] = delta_sum[n * biases + b] / static_cast<double>(out.edited[b]) / sd;
    }
    return out;
}

}  // namespace cirm
