#pragma once
/// \file
/// The method's intervention (docs/method.md §6): overwrite each edited neuron of a site with a fixed
/// value — its validation median by default, or the mean, or zero — at the last token or at
/// every position. Models the Intervention concept.
///
/// Built once from a spec and the model's site_layout (names resolved to site positions,
/// indices checked against widths; a spec whose sites are missing from the layout, whose
/// recorded site widths or total neuron count differ from it, is refused by spec::validate_against
/// with the site and both numbers); immutable afterwards. A spec that also pins directions is
/// refused here (nothing of a spec is silently left out): intervene/spec_pin.hpp applies both.
/// apply() allocates nothing, takes no lock and may run from several threads at once.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/pin_kernel.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

class neuron_pin {
public:
    /// Pins the neurons of `s` to the values it stores. The spec must fit `layout`.
    /// A swap spec is pinned to its stored values (the medians); see pair_swap.hpp for swapping.
    neuron_pin(const spec& s, const site_layout& layout) : mode_(s.positions), begin_(layout.size() + 1, 0) {
        s.validate_against(layout);
        widths_.reserve(layout.size());
        for (const auto& site : layout.sites()) widths_.push_back(site.width);
        if (s.pinned_directions() != 0)
            throw error("neuron_pin: the spec also pins " + std::to_string(s.pinned_directions()) +
                        " directions; apply it with cirm::spec_pin, which pins both");
        std::vector<const spec_site*> by_site(layout.size(), nullptr);
        for (const auto& site : s.sites) by_site[layout.at(site.name)] = &site;
        for (std::size_t p = 0; p < layout.size(); ++p) {
            if (const spec_site* site = by_site[p]) {
                indices_.insert(indices_.end(), site->indices.begin(), site->indices.end());
                values_.insert(values_.end(), site->values.begin(), site->values.end());
            }
            begin_[p + 1] = indices_.size();
        }
    }

    /// Overwrites this site's edited neurons in `view` (tokens × width of the site).
    template <class T>
    void apply(std::size_t site, activation_view<T> view) const noexcept {
        if (site + 1 >= begin_.size()) return;
        const std::size_t b = begin_[site], e = begin_[site + 1];
        if (b == e || view.tokens == 0) return;
        assert(static_cast<std::size_t>(indices_[e - 1]) < view.width && "view narrower than the site");
        std::size_t first = 0, last = 0;
        detail::pinned_tokens(mode_, view.tokens, first, last);
        for (std::size_t t = first; t < last; ++t)
            detail::pin_token(view, t, indices_.data() + b, values_.data() + b, e - b);
    }

    bool touches(std::size_t site) const noexcept {
        return site + 1 < begin_.size() && begin_[site] != begin_[site + 1];
    }
    positions mode() const noexcept { return mode_; }

    /// Number of edited neurons.
    std::size_t edited() const noexcept { return indices_.size(); }
    /// Edited neurons of `site` (indices within the site) and their values.
    std::span<const std::int64_t> indices(std::size_t site) const noexcept {
        return {indices_.data() + begin_[site], begin_[site + 1] - begin_[site]};
    }
    std::span<const float> values(std::size_t site) const noexcept {
        return {values_.data() + begin_[site], begin_[site + 1] - begin_[site]};
    }
    /// All edited neurons' values, in site order then index order.
    std::span<const float> values() const noexcept { return values_; }

    /// Number of sites of the layout the pin was built for, and the width of each.
    std::size_t sites() const noexcept { return widths_.size(); }
    std::size_t width(std::size_t site) const noexcept { return widths_[site]; }

    /// Throws unless `layout` has the sites and widths of the layout the pin was built for;
    /// `who` names the caller in the message, which names the first site that differs.
    void check_layout(const site_layout& layout, const std::string& who) const {
        if (layout.size() != widths_.size())
            throw error(who + ": the pin was built for a layout of " + std::to_string(widths_.size()) +
                        " sites, this one has " + std::to_string(layout.size()));
        for (std::size_t p = 0; p < layout.size(); ++p)
            if (layout[p].width != widths_[p])
                throw error(who + ": site '" + layout[p].name + "' has width " + std::to_string(layout[p].width) +
                            ", the pin was built for width " + std::to_string(widths_[p]));
    }

    /// The values of the edited neurons in one sample's activations over the whole layout
    /// (flat, layout.neurons() floats), in the order values() uses.
    std::vector<float> gather(const site_layout& layout, std::span<const float> flat_activations) const {
        check_layout(layout, "neuron_pin::gather");
        if (flat_activations.size() != layout.neurons())
            throw error("neuron_pin::gather: " + std::to_string(flat_activations.size()) +
                        " activations for a layout of " + std::to_string(layout.neurons()) + " neurons");
        std::vector<float> out(values_.size());
        for (std::size_t p = 0; p < layout.size(); ++p)
            for (std::size_t i = begin_[p]; i < begin_[p + 1]; ++i)
                out[i] = flat_activations[layout.offset(p) + static_cast<std::size_t>(indices_[i])];
        return out;
    }

    /// The same neurons pinned to other values (in the order values() uses).
    neuron_pin with_values(std::span<const float> new_values) const {
        if (new_values.size() != values_.size())
            throw error("neuron_pin::with_values: " + std::to_string(new_values.size()) + " values for " +
                        std::to_string(values_.size()) + " edited neurons");
        neuron_pin copy = *this;
        copy.values_.assign(new_values.begin(), new_values.end());
        return copy;
    }

private:
    positions mode_;
    std::vector<std::size_t> begin_;   // per layout site: [begin_[s], begin_[s+1]) into indices_/values_
    std::vector<std::size_t> widths_;  // per layout site: its width
    std::vector<std::int64_t> indices_;
    std::vector<float> values_;
};

static_assert(Intervention<neuron_pin>);

}  // namespace cirm
