#pragma once
/// \file
/// ActivationSource: a model that can be run on samples, reports the last-token activations of
/// its sites, and scores samples with an Intervention applied (docs/architecture.md).
///
/// A model S has
///   - `layout() const -> const site_layout&`: its sites, in a fixed order;
///   - `collect(std::span<const sample> batch, Sink& sink)` for any ActivationSink: for every
///     sample b of the batch and every site s, call `sink.put(b, s, values)` once with the
///     site's last-token activations (width floats);
///   - `score(std::span<const sample> batch, const I& intervention, std::span<float> rewards)`
///     for any Intervention: the reward of each sample with the intervention applied during the
///     forward pass (`no_intervention` gives the plain reward).
/// Sources are checked against archetypes below: a source must accept any sink and any
/// intervention, so it writes these as templates.

#include <concepts>
#include <cstddef>
#include <span>

#include "cirm/concepts/intervention.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"

namespace cirm {

/// Receives last-token activations: `put(sample_in_batch, site, values)`.
template <class K>
concept ActivationSink = requires(K& k, std::size_t sample, std::size_t site, std::span<const float> values) {
    k.put(sample, site, values);
};

namespace archetypes {
/// The least a sink offers; sources are checked against it.
struct sink {
    void put(std::size_t, std::size_t, std::span<const float>) {}
};
/// The least an intervention offers; sources are checked against it.
struct intervention {
    template <class T>
    void apply(std::size_t, activation_view<T>) const noexcept {}
    bool touches(std::size_t) const noexcept { return true; }
    positions mode() const noexcept { return positions::last_token; }
};
}  // namespace archetypes

static_assert(ActivationSink<archetypes::sink>);
static_assert(Intervention<archetypes::intervention>);

template <class S>
concept ActivationSource = requires(S& s, const S& cs, std::span<const sample> batch, archetypes::sink& sink,
                                    const archetypes::intervention& iv, std::span<float> rewards) {
    { cs.layout() } -> std::convertible_to<const site_layout&>;
    s.collect(batch, sink);
    s.score(batch, iv, rewards);
};

}  // namespace cirm
