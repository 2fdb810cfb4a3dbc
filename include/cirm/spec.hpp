#pragma once
/// \file
/// The spec: the artifact that passes from the offline stage (localization, selection, search)
/// to the online one (intervention). It holds the edited neurons of each site with the values
/// they are pinned to, the positions mode, the replacement kind, the per-bias budgets, and where
/// it came from. io/spec_json.hpp and io/spec_safetensors.hpp save and load it.
///
/// Beyond the method, a site may also hold pinned *directions* (calibrate/localize_directions.hpp,
/// intervene/direction_pin.hpp): unit vectors u of the site's activation space whose component
/// u·a is pinned to a value, a ← a + (value − u·a)·u. A neuron is the special case u = e_n; a
/// direction spreads one pin over every neuron of the site. intervene/spec_pin.hpp applies both.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/error.hpp"
#include "cirm/modes.hpp"
#include "cirm/site.hpp"

namespace cirm {

/// What an edited neuron is overwritten with (docs/method.md §6).
enum class replacement { median, mean, zero, swap };

template <>
struct mode_names<replacement> {
    static constexpr std::string_view what = "replacement";
    static constexpr std::array<mode_name<replacement>, 4> names{{{replacement::median, "median"},
                                                                  {replacement::mean, "mean"},
                                                                  {replacement::zero, "zero"},
                                                                  {replacement::swap, "swap"}}};
};

/// Where a pin applies: "last" (the last token, the method's) or "all" (every position).
template <>
struct mode_names<positions> {
    static constexpr std::string_view what = "positions mode";
    static constexpr std::array<mode_name<positions>, 2> names{
        {{positions::last_token, "last"}, {positions::all, "all"}}};
};

/// One bias that chose a neuron, with the neuron's Spearman ρ against that bias.
struct bias_rho {
    std::string bias;
    double rho = 0.0;
    friend bool operator==(const bias_rho&, const bias_rho&) = default;
};

/// One pinned direction of a site (beyond the method): the activation a of the site becomes
/// a + (value − u·a)·u, so that its component along u is `value` and every orthogonal component
/// is unchanged. The directions of one site are orthonormal, so pinning them one after another
/// or all at once gives the same result.
struct spec_direction {
    std::string bias;           ///< the bias the direction was derived for (empty for hand-made specs)
    float value = 0.0f;         ///< what the component u·a is pinned to
    std::vector<float> vector;  ///< u: one float per neuron of the site, unit length
    friend bool operator==(const spec_direction&, const spec_direction&) = default;
};

/// How far from unit length and from orthogonal a stored direction may be (float32 rounding of
/// vectors that were orthonormal in double stays far below this).
inline constexpr double direction_tolerance = 1e-4;

/// The edited neurons of one site. indices are ascending and unique; values[i] is the pin value
/// of neuron indices[i]; chosen_by[i] lists the biases that selected it (may be empty for
/// hand-made specs). width is the site's width in the model the spec was made for (every spec
/// made from a localization records it; 0 = not recorded, as in hand-made specs and older
/// files): a pin refuses a model whose site has another width.
struct spec_site {
    std::string name;
    std::vector<std::int64_t> indices = {};
    std::vector<float> values = {};
    std::vector<std::vector<bias_rho>> chosen_by = {};
    std::vector<spec_direction> directions = {};  ///< pinned directions (beyond the method); usually empty
    std::size_t width = 0;                        ///< the site's width in the model; 0 = not recorded
    friend bool operator==(const spec_site&, const spec_site&) = default;
};

/// The budget k_b of one bias.
struct bias_budget {
    std::string bias;
    std::size_t k = 0;
    friend bool operator==(const bias_budget&, const bias_budget&) = default;
};

/// Where a spec came from.
struct spec_provenance {
    std::vector<std::string> attributes;  ///< attribute names, in table order
    std::size_t samples = 0;              ///< validation samples the statistics were taken over
    std::string data_hash;                ///< SHA-256 (hex) of the validation data
    std::size_t total_neurons = 0;        ///< neurons of the model's whole site layout; 0 = not recorded
    friend bool operator==(const spec_provenance&, const spec_provenance&) = default;
};

struct spec {
    std::vector<spec_site> sites;  ///< in the model's site order; sites with no edit are left out
    cirm::positions positions = positions::last_token;
    cirm::replacement replacement = replacement::median;
    std::vector<bias_budget> budgets;
    spec_provenance provenance;

    /// Number of edited neurons.
    std::size_t edited() const noexcept {
        std::size_t n = 0;
        for (const auto& s : sites) n += s.indices.size();
        return n;
    }

    /// Number of pinned directions, over all sites.
    std::size_t pinned_directions() const noexcept {
        std::size_t n = 0;
        for (const auto& s : sites) n += s.directions.size();
        return n;
    }

    /// Checks the spec on its own: names present and unique, indices ascending and unique and
    /// non-negative, one finite value per index, provenance lists sized like the indices; the
    /// directions of a site all of one length, finite, orthonormal (within direction_tolerance),
    /// with finite values, and none in a swap spec (swapping is defined for neurons only); where
    /// a site records its width, indices below it and directions of that length.
    void validate() const {
        std::vector<std::string_view> names;
        for (const auto& s : sites) {
            validate_directions(s);
            if (s.name.empty()) throw error("spec: a site has an empty name");
            names.push_back(s.name);
            if (s.values.size() != s.indices.size())
                throw error("spec: site '" + s.name + "' has " + std::to_string(s.indices.size()) + " indices but " +
                            std::to_string(s.values.size()) + " values");
            if (!s.chosen_by.empty() && s.chosen_by.size() != s.indices.size())
                throw error("spec: site '" + s.name + "' has provenance for " + std::to_string(s.chosen_by.size()) +
                            " of its " + std::to_string(s.indices.size()) + " neurons");
            for (std::size_t i = 0; i < s.indices.size(); ++i) {
                if (s.indices[i] < 0)
                    throw error("spec: site '" + s.name + "' has a negative index " + std::to_string(s.indices[i]));
                if (i > 0 && s.indices[i] <= s.indices[i - 1])
                    throw error("spec: site '" + s.name + "' indices are not strictly ascending at position " +
                                std::to_string(i));
                if (!std::isfinite(s.values[i]))
                    throw error("spec: site '" + s.name + "' neuron " + std::to_string(s.indices[i]) +
                                " has a non-finite value");
            }
            validate_recorded_width(s);
        }
        std::sort(names.begin(), names.end());
        if (auto it = std::adjacent_find(names.begin(), names.end()); it != names.end())
            throw error("spec: site '" + std::string(*it) + "' appears twice");
    }

    /// Checks that the spec fits a model: every site exists, has the width the spec recorded for
    /// it (where it records one) and room for every index, and the model has the total number of
    /// neurons the spec's provenance records (where it records one). The pins run this, so a spec
    /// made for another model is refused by name rather than applied.
    void validate_against(const site_layout& layout) const {
        validate();
        for (const auto& s : sites) {
            auto pos = layout.find(s.name);
            if (!pos) throw error("spec names site '" + s.name + "', which the model does not have");
            const auto width = layout[*pos].width;
            if (s.width != 0 && s.width != width)
                throw error("spec: site '" + s.name + "' has width " + std::to_string(s.width) + " in the spec, but " +
                            std::to_string(width) + " in this model");
            if (!s.indices.empty() && static_cast<std::size_t>(s.indices.back()) >= width)
                throw error("spec: neuron " + std::to_string(s.indices.back()) + " of site '" + s.name +
                            "' is out of range (the site has width " + std::to_string(width) + ")");
            if (!s.directions.empty() && s.directions.front().vector.size() != width)
                throw error("spec: the directions of site '" + s.name + "' have " +
                            std::to_string(s.directions.front().vector.size()) +
                            " components, but the site has width " + std::to_string(width));
        }
        if (provenance.total_neurons != 0 && provenance.total_neurons != layout.neurons())
            throw error("spec: it was made for a model with " + std::to_string(provenance.total_neurons) +
                        " neurons, this one has " + std::to_string(layout.neurons()));
    }

    friend bool operator==(const spec&, const spec&) = default;

private:
    static void validate_recorded_width(const spec_site& s) {
        if (s.width == 0) return;
        if (!s.indices.empty() && static_cast<std::size_t>(s.indices.back()) >= s.width)
            throw error("spec: neuron " + std::to_string(s.indices.back()) + " of site '" + s.name +
                        "' is out of range (the spec records width " + std::to_string(s.width) + ")");
        if (!s.directions.empty() && s.directions.front().vector.size() != s.width)
            throw error("spec: the directions of site '" + s.name + "' have " +
                        std::to_string(s.directions.front().vector.size()) +
                        " components, but the spec records width " + std::to_string(s.width));
    }

    void validate_directions(const spec_site& s) const {
        if (s.directions.empty()) return;
        if (replacement == replacement::swap)
            throw error("spec: site '" + s.name +
                        "' pins directions, which a swap spec cannot (swap is defined for neurons)");
        const std::size_t width = s.directions.front().vector.size();
        if (width == 0) throw error("spec: site '" + s.name + "' has a direction with no components");
        if (s.directions.size() > width)
            throw error("spec: site '" + s.name + "' has " + std::to_string(s.directions.size()) +
                        " directions, more than its " + std::to_string(width) + " components allow");
        for (std::size_t d = 0; d < s.directions.size(); ++d) {
            const spec_direction& u = s.directions[d];
            const std::string which = "direction " + std::to_string(d) + " of site '" + s.name + "'";
            if (u.vector.size() != width)
                throw error("spec: " + which + " has " + std::to_string(u.vector.size()) +
                            " components, direction 0 has " + std::to_string(width));
            if (!std::isfinite(u.value)) throw error("spec: " + which + " has a non-finite value");
            double norm2 = 0.0;
            for (float x : u.vector) {
                if (!std::isfinite(x)) throw error("spec: " + which + " has a non-finite component");
                norm2 += static_cast<double>(x) * static_cast<double>(x);
            }
            if (std::abs(std::sqrt(norm2) - 1.0) > direction_tolerance)
                throw error("spec: " + which + " has length " + std::to_string(std::sqrt(norm2)) + ", not 1");
            for (std::size_t e = 0; e < d; ++e) {
                double dot = 0.0;
                for (std::size_t n = 0; n < width; ++n)
                    dot += static_cast<double>(u.vector[n]) * static_cast<double>(s.directions[e].vector[n]);
                if (std::abs(dot) > direction_tolerance)
                    throw error("spec: " + which + " is not orthogonal to direction " + std::to_string(e) +
                                " (dot product " + std::to_string(dot) + ")");
            }
        }
    }
};

}  // namespace cirm
