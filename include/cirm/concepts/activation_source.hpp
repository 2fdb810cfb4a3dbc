#pragma once
/// \file
/// ActivationCollector and ActivationSource: what the library asks of a model (docs/architecture.md).
///
/// An ActivationCollector C is a model that can be run on samples and reports the last-token
/// activations of its sites. It has
///   - `layout() const -> const site_layout&`: its sites, in a fixed order;
///   - `collect(std::span<const sample> batch, Sink& sink)` for any ActivationSink: for every
///     sample b of the batch and every site s, call `sink.put(b, s, values)` once with the
///     site's last-token activations (width floats).
/// That is all localization needs (calibrate/localize.hpp, the direction localization, the
/// counterfactual shifts).
///
/// An ActivationSource S is an ActivationCollector that also scores, which the budget search
/// and the evaluation need:
///   - `score(std::span<const sample> batch, const I& intervention, std::span<float> rewards)`
///     for any Intervention: the reward of each sample with the intervention applied during the
///     forward pass (`no_intervention` gives the plain reward).
/// Models are checked against archetypes below: a model must accept any sink and any
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

/// A model that reports the last-token activations of its sites (see the file comment).
template <class C>
concept ActivationCollector = requires(C& c, const C& cc, std::span<const sample> batch, archetypes::sink& sink) {
    { cc.layout() } -> std::convertible_to<const site_layout&>;
    c.collect(batch, sink);
};

/// An ActivationCollector that also scores samples with any Intervention applied.
template <class S>
concept ActivationSource = ActivationCollector<S> &&
    requires(S& s, std::span<const sample> batch, const archetypes::intervention& iv, std::span<float> rewards) {
    s.score(batch, iv, rewards);
};

}  // namespace cirm
