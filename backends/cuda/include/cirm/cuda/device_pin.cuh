#pragma once
/// \file
/// The whole of a spec on the device: its edited neurons and their values, and its pinned
/// directions (beyond the method) and their values, uploaded once to device memory when the
/// object is built (RAII; freed with it), and looked up per site on the hot path without any
/// allocation, copy or synchronization. kernels.cuh applies it as cirm::spec_pin does on the
/// host: at a site with both, the directions first and the neurons after. Host code only:
/// building one needs no nvcc.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cirm/cuda/device_buffer.cuh"
#include "cirm/error.hpp"
#include "cirm/intervene/direction_pin.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm::cuda {

class device_pin {
public:
    /// Uploads the edited neurons of `pin`, which must have been built for `layout` (the same
    /// sites and widths; another layout is refused, naming the first site that differs).
    device_pin(const neuron_pin& pin, const site_layout& layout) : device_pin(pin, nullptr, layout) {}

    /// Uploads the edited neurons and the pinned directions of `pin`, which must have been built
    /// for `layout` (checked as above).
    device_pin(const spec_pin& pin, const site_layout& layout) : device_pin(pin.neurons(), &pin.directions(), layout) {}

    /// Checks `s` against `layout` (see neuron_pin and direction_pin: missing sites, other site
    /// widths, another total neuron count or directions that are not orthonormal are refused) and
    /// uploads its neurons and directions.
    device_pin(const spec& s, const site_layout& layout) : device_pin(spec_pin(s, layout), layout) {}

    positions mode() const noexcept { return mode_; }
    /// Whether the spec edits any neuron or pins any direction of `site`.
    bool touches(std::size_t site) const noexcept {
        return site < width_.size() &&
               (begin_[site] != begin_[site + 1] || direction_begin_[site] != direction_begin_[site + 1]);
    }
    /// Number of edited neurons over all sites.
    std::size_t edited() const noexcept { return begin_.back(); }
    /// Number of pinned directions over all sites.
    std::size_t pinned_directions() const noexcept { return direction_begin_.back(); }
    /// Number of sites of the layout the pin was built for.
    std::size_t sites() const noexcept { return width_.size(); }
    /// The width of `site` in that layout.
    std::size_t width(std::size_t site) const noexcept { return width_[site]; }

    /// Number of edited neurons of `site`, and where their indices and values are on the device.
    std::size_t count(std::size_t site) const noexcept { return begin_[site + 1] - begin_[site]; }
    const std::int64_t* device_indices(std::size_t site) const noexcept { return indices_.data() + begin_[site]; }
    const float* device_values(std::size_t site) const noexcept { return values_.data() + begin_[site]; }

    /// Number of directions pinned at `site`; where they are on the device (directions(site)
    /// consecutive vectors of width(site) floats) and their pinned values.
    std::size_t directions(std::size_t site) const noexcept {
        return direction_begin_[site + 1] - direction_begin_[site];
    }
    const float* device_directions(std::size_t site) const noexcept { return vectors_.data() + vector_begin_[site]; }
    const float* device_direction_values(std::size_t site) const noexcept {
        return direction_values_.data() + direction_begin_[site];
    }

private:
    device_pin(const neuron_pin& neurons, const direction_pin* directions, const site_layout& layout)
        : mode_(neurons.mode()),
          begin_(layout.size() + 1, 0),
          direction_begin_(layout.size() + 1, 0),
          vector_begin_(layout.size() + 1, 0),
          width_(layout.size(), 0) {
        neurons.check_layout(layout, "cuda::device_pin");  // a spec_pin's two parts share one layout
        std::vector<std::int64_t> indices;
        std::vector<float> values, vectors, direction_values;
        for (std::size_t s = 0; s < layout.size(); ++s) {
            const auto site_indices = neurons.indices(s);
            const auto site_values = neurons.values(s);
            indices.insert(indices.end(), site_indices.begin(), site_indices.end());
            values.insert(values.end(), site_values.begin(), site_values.end());
            begin_[s + 1] = indices.size();
            width_[s] = layout[s].width;
            const std::size_t pinned = directions != nullptr ? directions->pinned(s) : 0;
            for (std::size_t j = 0; j < pinned; ++j) {
                const auto u = directions->direction(s, j);
                vectors.insert(vectors.end(), u.begin(), u.end());
                direction_values.push_back(directions->value(s, j));
            }
            direction_begin_[s + 1] = direction_values.size();
            vector_begin_[s + 1] = vectors.size();
        }
        indices_ = device_buffer<std::int64_t>(std::span<const std::int64_t>(indices), "the spec's neuron indices");
        values_ = device_buffer<float>(std::span<const float>(values), "the spec's pin values");
        vectors_ = device_buffer<float>(std::span<const float>(vectors), "the spec's pinned directions");
        direction_values_ = device_buffer<float>(std::span<const float>(direction_values),
                                                 "the values of the spec's pinned directions");
    }

    positions mode_;
    std::vector<std::size_t> begin_;            // per site: [begin_[s], begin_[s+1]) into indices_ and values_
    std::vector<std::size_t> direction_begin_;  // per site: [begin, end) into direction_values_
    std::vector<std::size_t> vector_begin_;     // per site: offset of its first direction in vectors_
    std::vector<std::size_t> width_;
    device_buffer<std::int64_t> indices_;
    device_buffer<float> values_;
    device_buffer<float> vectors_;
    device_buffer<float> direction_values_;
};

}  // namespace cirm::cuda
