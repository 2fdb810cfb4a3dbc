#pragma once
/// \file
/// The direction pin (beyond the method): at each site, the components of the activation along
/// a few orthonormal directions u_1 … u_r are set to fixed values m_1 … m_r,
///
///     a ← a + Σ_j (m_j − u_j·a) u_j,
///
/// and every component orthogonal to them is left as it is. Where the method pins whole neurons
/// (u = e_n), a direction spreads one pin over all of a site's neurons, which suits models whose
/// style signal is spread thinly over many neurons. The directions and values come from a spec's
/// sites (spec_direction; calibrate/localize_directions.hpp makes them). Models the Intervention
/// concept.
///
/// Built once from a spec and the model's site_layout; immutable afterwards. apply() allocates
/// nothing, takes no lock and may run from several threads at once. Each token row is updated
/// in float: the components of up to `chunk` directions are read before any is written, and
/// since the directions are orthogonal, writing one chunk does not change the components along
/// the next (exactly so in exact arithmetic; float16 and bfloat16 rows round once per chunk).
/// The per-row arithmetic is intervene/pin_kernel.hpp's, which the CUDA backend runs too.

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/pin_kernel.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

class direction_pin {
public:
    /// Directions whose components one pass over a token row reads before writing.
    static constexpr std::size_t chunk = 32;

    /// Pins the directions of `s`. The spec must fit `layout` and pin no neurons (a spec with
    /// both is applied by spec_pin; neuron_pin applies neurons).
    direction_pin(const spec& s, const site_layout& layout) : mode_(s.positions), begin_(layout.size() + 1, 0) {
        s.validate_against(layout);
        if (s.edited() != 0)
            throw error("direction_pin: the spec also pins " + std::to_string(s.edited()) +
                        " neurons; apply it with cirm::spec_pin, which pins both");
        std::vector<const spec_site*> by_site(layout.size(), nullptr);
        for (const auto& site : s.sites) by_site[layout.at(site.name)] = &site;
        for (std::size_t p = 0; p < layout.size(); ++p) {
            if (const spec_site* site = by_site[p]) {
                for (const auto& d : site->directions) {
                    vectors_.insert(vectors_.end(), d.vector.begin(), d.vector.end());
                    values_.push_back(d.value);
                }
                width_.push_back(site->directions.empty() ? 0 : layout[p].width);
            } else {
                width_.push_back(0);
            }
            begin_[p + 1] = values_.size();
        }
        // offsets of each site's first vector in vectors_
        vector_begin_.assign(layout.size() + 1, 0);
        for (std::size_t p = 0; p < layout.size(); ++p)
            vector_begin_[p + 1] = vector_begin_[p] + (begin_[p + 1] - begin_[p]) * width_[p];
    }

    /// Pins this site's directions in `view` (tokens × width of the site).
    template <class T>
    void apply(std::size_t site, activation_view<T> view) const noexcept {
        if (!touches(site) || view.tokens == 0) return;
        const std::size_t width = width_[site];
        assert(view.width >= width && "view narrower than the site");
        if (view.width < width) return;
        std::size_t first = 0, last = 0;
        detail::pinned_tokens(mode_, view.tokens, first, last);
        const std::size_t b = begin_[site], e = begin_[site + 1];
        const float* u = vectors_.data() + vector_begin_[site];
        for (std::size_t t = first; t < last; ++t)
            for (std::size_t d0 = b; d0 < e; d0 += chunk) {
                const std::size_t count = std::min(chunk, e - d0);
                const float* uc = u + (d0 - b) * width;
                std::array<float, chunk> delta{};
                for (std::size_t j = 0; j < count; ++j)
                    delta[j] = detail::pinned_delta(values_[d0 + j],
                                                    detail::direction_dot(view, t, uc + j * width, width, 0, 1));
                for (std::size_t n = 0; n < width; ++n)
                    detail::shift_neuron(view, t, n, uc, width, delta.data(), count);
            }
    }

    bool touches(std::size_t site) const noexcept {
        return site + 1 < begin_.size() && begin_[site] != begin_[site + 1];
    }
    positions mode() const noexcept { return mode_; }

    /// Number of pinned directions, over all sites.
    std::size_t pinned() const noexcept { return values_.size(); }
    /// Number of directions pinned at `site`.
    std::size_t pinned(std::size_t site) const noexcept { return begin_[site + 1] - begin_[site]; }
    /// Direction j of `site` (width floats).
    std::span<const float> direction(std::size_t site, std::size_t j) const noexcept {
        return {vectors_.data() + vector_begin_[site] + j * width_[site], width_[site]};
    }
    /// The value direction j of `site` is pinned to.
    float value(std::size_t site, std::size_t j) const noexcept { return values_[begin_[site] + j]; }

private:
    positions mode_;
    std::vector<std::size_t> begin_;         // per layout site: [begin_[s], begin_[s+1]) into values_
    std::vector<std::size_t> vector_begin_;  // per layout site: offset of its first direction in vectors_
    std::vector<std::size_t> width_;         // per layout site: its width if it has directions, else 0
    std::vector<float> vectors_;             // the directions, site by site, each width floats
    std::vector<float> values_;
};

static_assert(Intervention<direction_pin>);

}  // namespace cirm
