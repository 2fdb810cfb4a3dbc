#pragma once
/// \file
/// The whole of a spec as one Intervention: its pinned directions (direction_pin) and its pinned
/// neurons (neuron_pin). At a site that has both, the directions are pinned first and the
/// neurons after, so a pinned neuron ends at exactly its stored value. A spec of neurons only
/// behaves exactly as neuron_pin, one of directions only exactly as direction_pin; tools that
/// take any spec (cirm eval, score, annotate) apply it with this.

#include <cstddef>
#include <utility>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/intervene/direction_pin.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// The neurons of `s` alone (its directions dropped).
inline spec neuron_part(spec s) {
    for (auto& site : s.sites) site.directions.clear();
    std::erase_if(s.sites, [](const spec_site& site) { return site.indices.empty(); });
    return s;
}

/// The directions of `s` alone (its neurons dropped).
inline spec direction_part(spec s) {
    for (auto& site : s.sites) {
        site.indices.clear();
        site.values.clear();
        site.chosen_by.clear();
    }
    std::erase_if(s.sites, [](const spec_site& site) { return site.directions.empty(); });
    return s;
}

class spec_pin {
public:
    /// Pins everything `s` holds. The spec must fit `layout` (each part is checked by its pin).
    spec_pin(const spec& s, const site_layout& layout)
        : neurons_(neuron_part(s), layout), directions_(direction_part(s), layout) {}

    template <class T>
    void apply(std::size_t site, activation_view<T> view) const noexcept {
        directions_.apply(site, view);
        neurons_.apply(site, view);
    }

    bool touches(std::size_t site) const noexcept { return neurons_.touches(site) || directions_.touches(site); }
    positions mode() const noexcept { return neurons_.mode(); }

    /// Number of edited neurons.
    std::size_t edited() const noexcept { return neurons_.edited(); }
    /// Number of pinned directions.
    std::size_t pinned_directions() const noexcept { return directions_.pinned(); }

    const neuron_pin& neurons() const noexcept { return neurons_; }
    const direction_pin& directions() const noexcept { return directions_; }

private:
    neuron_pin neurons_;
    direction_pin directions_;
};

static_assert(Intervention<spec_pin>);

}  // namespace cirm
