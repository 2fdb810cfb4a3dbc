#pragma once
/// \file
/// Localization, the offline stage of the method (docs/method.md §5): run a model over the
/// validation samples, stream every site's last-token activations into an activation store,
/// measure every bias attribute on the same samples, and compute the Spearman table, medians
/// and means in one pass over the store.
///
/// Two entry points: localize(collector, samples, attributes) for any ActivationCollector (a
/// model that reports activations; it need not score), and localize(store, attribute values)
/// for a caller that filled an activation_store itself, e.g. from an engine's own buffers.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/evaluate.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/correlation_table.hpp"
#include "cirm/detail/sha256.hpp"
#include "cirm/error.hpp"
#include "cirm/sample.hpp"
#include "cirm/stats/spearman.hpp"

namespace cirm {

struct localize_options {
    std::size_t batch_size = 16;
    std::vector<std::string> sites;  ///< sites to keep, by name; empty = every site of the source
    unsigned threads = 0;            ///< for the statistics; 0 = all hardware threads
    /// Called after each batch with (samples done, samples in all), e.g. for a progress bar.
    std::function<void(std::size_t, std::size_t)> progress;
};

/// What localization found over the validation samples.
struct localization {
    site_layout layout;       ///< the kept sites; flat indices of `table` refer to it
    correlation_table table;  ///< ρ, constant flags (neurons and attributes), medians, means
    attribute_values attributes;
    std::string data_hash;          ///< SHA-256 of the samples, see hash_samples (empty if not given)
    std::size_t model_neurons = 0;  ///< neurons of the model's whole layout (all sites, kept or not)

    /// The attributes that took one value on every sample: their ρ column is all 0, no neuron
    /// is selected for them, and the selector refuses a positive budget for them by name
    /// (select/top_bottom_k.hpp; the budget search gives them only k = 0).
    std::vector<std::string> constant_attributes() const {
        std::vector<std::string> out;
        for (std::size_t b = 0; b < table.attribute_constant.size() && b < table.attributes.size(); ++b)
            if (table.attribute_constant[b]) out.push_back(table.attributes[b]);
        return out;
    }
};

/// The samples of a preference dataset (docs/method.md §5): all 2N responses, pair i's chosen
/// response at 2i and its rejected one at 2i + 1.
inline std::vector<sample> response_samples(std::span<const preference_pair> pairs) {
    std::vector<sample> out;
    out.reserve(2 * pairs.size());
    for (const auto& p : pairs) {
        out.push_back({p.prompt, p.chosen});
        out.push_back({p.prompt, p.rejected});
    }
    return out;
}

/// SHA-256 (hex) of the samples in order, each field length-prefixed so that no two different
/// sample lists hash alike by concatenation.
inline std::string hash_samples(std::span<const sample> samples) {
    detail::sha256 h;
    const auto field = [&](std::string_view s) {
        const std::string len = std::to_string(s.size()) + ":";
        h.update(len);
        h.update(s);
    };
    for (const auto& s : samples) {
        field(s.prompt);
        field(s.response);
    }
    return detail::sha256::to_hex(h.finish());
}

/// Localization from activations the caller collected: `store` holds every kept site of every
/// sample (check_complete() must pass), `attributes` the bias attributes' values over the same
/// samples in the same order (evaluate_attributes, or filled by hand). `data_hash` is recorded
/// as given (hash_samples of the samples, or empty); `threads` as in localize_options.
inline localization localize(const activation_store& store, attribute_values attributes, std::string data_hash = {},
                             unsigned threads = 0) {
    if (store.samples() < 2) throw error("localize: need at least 2 samples, got " + std::to_string(store.samples()));
    if (attributes.names.empty()) throw error("localize: no bias attributes given");
    if (attributes.samples != store.samples() ||
        attributes.values.size() != attributes.samples * attributes.names.size())
        throw error("localize: the attribute values cover " + std::to_string(attributes.samples) +
                    " samples, the activation store " + std::to_string(store.samples()));
    store.check_complete();

    localization out;
    out.table = spearman_table(store.data(), store.samples(), store.neurons(), store.row_stride(),
                               attributes.values.data(), attributes.names.size(), attributes.names, threads);
    out.layout = store.layout();
    out.attributes = std::move(attributes);
    out.data_hash = std::move(data_hash);
    out.model_neurons = store.source_neurons();
    return out;
}

/// Localization over `samples`: runs `collector` on them batch by batch into an activation
/// store of the kept sites, evaluates `attributes` on them, and computes the statistics.
template <ActivationCollector C>
localization localize(C& collector, std::span<const sample> samples, std::span<const any_attribute> attributes,
                      const localize_options& options = {}) {
    if (samples.size() < 2) throw error("localize: need at least 2 samples, got " + std::to_string(samples.size()));
    if (attributes.empty()) throw error("localize: no bias attributes given");
    if (options.batch_size == 0) throw error("localize: batch size must be positive");
    const site_layout& model_layout = collector.layout();
    const std::vector<std::size_t> keep = kept_site_positions(model_layout, options.sites);

    attribute_values values = evaluate_attributes(samples, attributes);
    activation_store store(model_layout, keep, samples.size());
    for (std::size_t first = 0; first < samples.size(); first += options.batch_size) {
        const std::size_t count = std::min(options.batch_size, samples.size() - first);
        auto sink = store.batch(first);
        collector.collect(samples.subspan(first, count), sink);
        if (options.progress) options.progress(first + count, samples.size());
    }
    return localize(store, std::move(values), hash_samples(samples), options.threads);
}

}  // namespace cirm
