#pragma once
/// \file
/// Localization, the offline stage of the method (docs/method.md §5): run an ActivationSource over
/// the validation samples, stream every site's last-token activations into an activation store,
/// measure every bias attribute on the same samples, and compute the Spearman table, medians
/// and means in one pass over the store.

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

struct localization {
    site_layout layout;       ///< the kept sites; flat indices of `table` refer to it
    correlation_table table;  ///< ρ, constant flags, medians, means
    attribute_values attributes;
    std::string data_hash;    ///< SHA-256 of the samples, see hash_samples
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

template <ActivationSource S>
localization localize(S& source, std::span<const sample> samples, std::span<const any_attribute> attributes,
                      const localize_options& options = {}) {
    if (samples.size() < 2) throw error("localize: need at least 2 samples, got " + std::to_string(samples.size()));
    if (attributes.empty()) throw error("localize: no bias attributes given");
    if (options.batch_size == 0) throw error("localize: batch size must be positive");
    const site_layout& source_layout = source.layout();

    const std::vector<std::size_t> keep = kept_site_positions(source_layout, options.sites);

    localization out;
    out.attributes = evaluate_attributes(samples, attributes);
    out.data_hash = hash_samples(samples);

    activation_store store(source_layout, keep, samples.size());
    for (std::size_t first = 0; first < samples.size(); first += options.batch_size) {
        const std::size_t count = std::min(options.batch_size, samples.size() - first);
        auto sink = store.batch(first);
        source.collect(samples.subspan(first, count), sink);
        if (options.progress) options.progress(first + count, samples.size());
    }
    store.check_complete();

    out.table = spearman_table(store.data(), store.samples(), store.neurons(), store.row_stride(),
                               out.attributes.values.data(), out.attributes.names.size(), out.attributes.names,
                               options.threads);
    out.layout = store.layout();
    return out;
}

}  // namespace cirm
