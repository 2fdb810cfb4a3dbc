#pragma once
/// \file
/// Direction localization (beyond the method): for every kept site and bias attribute, one
/// direction of the site's last-token activation space that carries the attribute, and the spec
/// that pins the components along those directions (intervene/direction_pin.hpp).
///
/// The method pins whole neurons, chosen one by one by Spearman's ρ. Where a model spreads a
/// style feature thinly over many neurons of a site, no small set of neurons holds it, and
/// pinning many neurons also pins much of the content they carry. A direction collects the
/// feature from every neuron of the site in one pin, and leaves the site's other components
/// (content, among them) untouched. Two kinds of direction:
///
/// - `covariance` (default): u_b ∝ Σ_i (a_i − ā) z_ib, the covariance of each neuron's activation
///   with the standardized average ranks z_b of attribute b over the validation samples (ranks,
///   as Spearman's ρ uses, so an attribute's scale and outliers do not matter). This is the
///   direction along which the attribute is linearly predictable from the site; it needs no
///   style edit, only the attribute values.
/// - `shift`: u_b ∝ mean_i [a(e_b(x_i)) − a(x_i)], the mean change of the activation vector when
///   a style edit e_b (eval/counterfactual.hpp) adds the feature to a response and changes
///   nothing else (calibrate/counterfactual_shift.hpp). Interventional, but tuned towards the
///   edits it was measured with.
///
/// At each site the chosen biases' directions are made orthonormal by Gram–Schmidt in attribute
/// order (so the first bias keeps its own direction, each later one the part of its direction
/// that is new); a direction that is zero (a constant site) or lies in the span of the earlier
/// ones (relative residual below 1e-6) adds nothing and is left out, its component being pinned
/// through the others. Each direction's value is the median (or mean, or zero) over the
/// validation samples of the component u·a. Like the method's medians, directions and values are
/// measured on the unedited model.
///
/// Memory: the kept sites' activation matrix (samples × neurons float32, as localize), kept in
/// the result so that specs for any subset of biases can be made without running the model again.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/evaluate.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/modes.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"
#include "cirm/stats/rank.hpp"
#include "cirm/stats/summary.hpp"

namespace cirm {

/// How a bias's direction at a site is measured (see the file comment).
enum class direction_kind { covariance, shift };

template <>
struct mode_names<direction_kind> {
    static constexpr std::string_view what = "direction kind";
    static constexpr std::array<mode_name<direction_kind>, 2> names{
        {{direction_kind::covariance, "covariance"}, {direction_kind::shift, "shift"}}};
};

struct direction_options {
    direction_kind kind = direction_kind::covariance;
    std::size_t batch_size = 16;
    std::vector<std::string> sites;  ///< sites to measure, by name; empty = every site of the source
    /// The style edits of the shift kind, one per attribute, matched by name; empty = the built-in
    /// edits (eval/counterfactual.hpp) of the attributes. Unused by the covariance kind.
    std::vector<named_style_edit> edits;
    /// Called after each batch with (samples done, samples in all).
    std::function<void(std::size_t, std::size_t)> progress;
};

/// Every kept site's direction for every bias, and the activations to value them over.
struct direction_localization {
    site_layout layout;  ///< the kept sites; flat indices refer to it
    direction_kind kind = direction_kind::covariance;
    attribute_values attributes;                   ///< over the samples
    std::vector<std::uint8_t> attribute_constant;  ///< per attribute: constant over the samples (no direction)
    std::vector<double> directions;  ///< neurons × attributes, row-major: the raw (unnormalised) directions
    activation_store activations;    ///< samples × neurons of the kept sites
    std::string data_hash;           ///< SHA-256 of the samples (hash_samples)

    std::size_t biases() const noexcept { return attributes.names.size(); }
    std::size_t samples() const noexcept { return activations.samples(); }
    double at(std::size_t neuron, std::size_t bias) const noexcept { return directions[neuron * biases() + bias]; }
};

namespace detail {

/// Per attribute: its standardized average ranks over the samples (samples × attributes,
/// row-major) and whether it is constant (then its column is zero).
inline void standardized_attribute_ranks(const attribute_values& a, std::vector<double>& z,
                                         std::vector<std::uint8_t>& constant) {
    const std::size_t n = a.samples, biases = a.names.size();
    z.assign(n * biases, 0.0);
    constant.assign(biases, 0);
    std::vector<double> column(n);
    for (std::size_t b = 0; b < biases; ++b) {
        for (std::size_t i = 0; i < n; ++i) column[i] = a.values[i * biases + b];
        const auto ranks = average_ranks(std::span<const double>(column));
        const double m = mean(std::span<const double>(ranks));
        double ss = 0.0;
        for (double r : ranks) ss += (r - m) * (r - m);
        if (!(ss > 0.0)) {
            constant[b] = 1;
            continue;
        }
        const double sd = std::sqrt(ss / static_cast<double>(n));
        for (std::size_t i = 0; i < n; ++i) z[i * biases + b] = (ranks[i] - m) / sd;
    }
}

}  // namespace detail

/// Measures the directions of every bias at every kept site over `samples` (typically all 2N
/// responses of the validation pairs, response_samples).
template <ActivationCollector S>
direction_localization localize_directions(S& source, std::span<const sample> samples,
                                           std::span<const any_attribute> attributes,
                                           const direction_options& options = {}) {
    if (samples.size() < 2)
        throw error("localize directions: need at least 2 samples, got " + std::to_string(samples.size()));
    if (attributes.empty()) throw error("localize directions: no bias attributes given");
    if (options.batch_size == 0) throw error("localize directions: batch size must be positive");
    const site_layout& source_layout = source.layout();
    const std::vector<std::size_t> keep = kept_site_positions(source_layout, options.sites);

    // the edits of the shift kind, checked before any forward pass
    std::vector<named_style_edit> edits;
    if (options.kind == direction_kind::shift) {
        std::vector<std::string> names;
        for (const any_attribute& a : attributes) names.emplace_back(a.name());
        if (options.edits.empty()) {
            edits = builtin_style_edits(names);
        } else {
            for (const auto& name : names) {
                auto it = std::find_if(options.edits.begin(), options.edits.end(),
                                       [&](const named_style_edit& e) { return e.attribute == name; });
                if (it == options.edits.end())
                    throw error("localize directions: no style edit given for bias attribute '" + name + "'");
                edits.push_back(*it);
            }
        }
    }

    direction_localization out{.layout = {},
                               .kind = options.kind,
                               .attributes = evaluate_attributes(samples, attributes),
                               .attribute_constant = {},
                               .directions = {},
                               .activations = activation_store(source_layout, keep, samples.size()),
                               .data_hash = hash_samples(samples)};
    for (std::size_t first = 0; first < samples.size(); first += options.batch_size) {
        const std::size_t count = std::min(options.batch_size, samples.size() - first);
        auto sink = out.activations.batch(first);
        source.collect(samples.subspan(first, count), sink);
        if (options.progress) options.progress(first + count, samples.size());
    }
    out.activations.check_complete();
    out.layout = out.activations.layout();

    const std::size_t n = samples.size(), m = out.layout.neurons(), biases = out.biases();
    std::vector<double> z;
    detail::standardized_attribute_ranks(out.attributes, z, out.attribute_constant);
    out.directions.assign(m * biases, 0.0);
    if (options.kind == direction_kind::covariance) {
        // Σ_i (a_i − ā) z_ib / n: the means first, then one pass over the rows
        std::vector<double> mean_activation(m, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = out.activations.row(i);
            for (std::size_t k = 0; k < m; ++k) mean_activation[k] += row[k];
        }
        for (double& v : mean_activation) v /= static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = out.activations.row(i);
            const double* zi = z.data() + i * biases;
            for (std::size_t k = 0; k < m; ++k) {
                const double centered = static_cast<double>(row[k]) - mean_activation[k];
                double* d = out.directions.data() + k * biases;
                for (std::size_t b = 0; b < biases; ++b) d[b] += centered * zi[b];
            }
        }
        for (double& v : out.directions) v /= static_cast<double>(n);
    } else {
        shift_options so;
        so.batch_size = options.batch_size;
        for (std::size_t s = 0; s < out.layout.size(); ++s) so.sites.push_back(out.layout[s].name);
        const shift_table shifts =
            measure_counterfactual_shifts(source, samples, std::span<const named_style_edit>(edits), so);
        for (std::size_t b = 0; b < biases; ++b) {
            if (shifts.edited[b] == 0)
                throw error("localize directions: the style edit of '" + out.attributes.names[b] +
                            "' applies to none of the samples, so it has no shift direction");
            if (out.attribute_constant[b]) continue;
            for (std::size_t k = 0; k < m; ++k) out.directions[k * biases + b] = shifts.mean_delta[k * biases + b];
        }
    }
    return out;
}

/// The spec that pins, at every site of `loc`, the directions of the biases named in `biases`
/// (empty = every attribute of `loc` that is not constant), orthonormalised in attribute order,
/// each to the median (or mean, or zero) of its component over the validation samples. An
/// unknown or constant bias is an error; swap is not a replacement for directions.
inline spec direction_spec(const direction_localization& loc, std::span<const std::string> biases = {},
                           replacement value = replacement::median, positions where = positions::last_token) {
    if (value == replacement::swap)
        throw error("direction spec: the swap replacement is defined for neurons only; use median, mean or zero");
    const std::size_t all = loc.biases(), n = loc.samples();
    std::vector<std::uint8_t> chosen(all, 0);
    if (biases.empty()) {
        for (std::size_t b = 0; b < all; ++b) chosen[b] = loc.attribute_constant[b] == 0;
    } else {
        for (const auto& name : biases) {
            auto it = std::find(loc.attributes.names.begin(), loc.attributes.names.end(), name);
            if (it == loc.attributes.names.end()) throw error("direction spec: bias '" + name + "' was not localized");
            const auto b = static_cast<std::size_t>(it - loc.attributes.names.begin());
            if (loc.attribute_constant[b])
                throw error("direction spec: bias '" + name +
                            "' is constant over the validation samples, so it has no direction");
            chosen[b] = 1;
        }
    }

    spec out;
    out.positions = where;
    out.replacement = value;
    out.provenance = {loc.attributes.names, n, loc.data_hash, loc.activations.source_neurons()};
    std::vector<double> component(n);
    for (std::size_t s = 0; s < loc.layout.size(); ++s) {
        const std::size_t width = loc.layout[s].width, offset = loc.layout.offset(s);
        spec_site site;
        site.name = loc.layout[s].name;
        site.width = width;
        std::vector<std::vector<double>> basis;
        for (std::size_t b = 0; b < all; ++b) {
            if (!chosen[b]) continue;
            std::vector<double> u(width);
            double norm2 = 0.0;
            for (std::size_t k = 0; k < width; ++k) {
                u[k] = loc.at(offset + k, b);
                norm2 += u[k] * u[k];
            }
            if (!(norm2 > 0.0)) continue;
            // Gram–Schmidt against the earlier directions, twice (the second pass removes what
            // rounding left of them)
            for (int pass = 0; pass < 2; ++pass)
                for (const auto& v : basis) {
                    double dot = 0.0;
                    for (std::size_t k = 0; k < width; ++k) dot += u[k] * v[k];
                    for (std::size_t k = 0; k < width; ++k) u[k] -= dot * v[k];
                }
            double rest2 = 0.0;
            for (double x : u) rest2 += x * x;
            if (!(rest2 > 1e-12 * norm2)) continue;  // in the span of the earlier directions
            const double inverse = 1.0 / std::sqrt(rest2);
            for (double& x : u) x *= inverse;

            for (std::size_t i = 0; i < n; ++i) {
                const auto row = loc.activations.row(i).subspan(offset, width);
                double dot = 0.0;
                for (std::size_t k = 0; k < width; ++k) dot += u[k] * static_cast<double>(row[k]);
                component[i] = dot;
            }
            const double pinned = value == replacement::median ? median(std::span<const double>(component))
                                  : value == replacement::mean ? mean(std::span<const double>(component))
                                                               : 0.0;
            spec_direction d;
            d.bias = loc.attributes.names[b];
            d.value = static_cast<float>(pinned);
            d.vector.reserve(width);
            for (double x : u) d.vector.push_back(static_cast<float>(x));
            site.directions.push_back(std::move(d));
            basis.push_back(std::move(u));
        }
        if (!site.directions.empty()) out.sites.push_back(std::move(site));
    }
    out.validate();
    return out;
}

}  // namespace cirm
