#pragma once
/// \file
/// The method's intervention on the device: the edited neurons of a spec and their values,
/// uploaded once to device memory when the object is built (RAII; freed with it), and looked up
/// per site on the hot path without any allocation, copy or synchronization. kernels.cuh applies
/// it. Host code only: building one needs no nvcc.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cirm/cuda/device_buffer.cuh"
#include "cirm/error.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm::cuda {

/// `s` itself, or an error when it pins directions, which the device pin does not apply.
inline const spec& neurons_only(const spec& s) {
    if (s.pinned_directions() != 0)
        throw error("cuda::device_pin: the spec pins " + std::to_string(s.pinned_directions()) +
                    " directions, which the CUDA backend does not apply (it pins neurons); apply such a spec on "
                    "the host with cirm::spec_pin");
    return s;
}

class device_pin {
public:
    /// Uploads the edited neurons of `pin`, which must have been built for `layout` (the same
    /// sites and widths; another layout is refused, naming the first site that differs).
    device_pin(const neuron_pin& pin, const site_layout& layout)
        : mode_(pin.mode()), begin_(layout.size() + 1, 0), width_(layout.size(), 0) {
        pin.check_layout(layout, "cuda::device_pin");
        std::vector<std::int64_t> indices;
        std::vector<float> values;
        for (std::size_t s = 0; s < layout.size(); ++s) {
            const auto site_indices = pin.indices(s);
            const auto site_values = pin.values(s);
            indices.insert(indices.end(), site_indices.begin(), site_indices.end());
            values.insert(values.end(), site_values.begin(), site_values.end());
            begin_[s + 1] = indices.size();
            width_[s] = layout[s].width;
        }
        indices_ = device_buffer<std::int64_t>(std::span<const std::int64_t>(indices), "the spec's neuron indices");
        values_ = device_buffer<float>(std::span<const float>(values), "the spec's pin values");
    }

    /// Checks `s` against `layout` (see neuron_pin: missing sites, other site widths or another
    /// total neuron count are refused) and uploads its neurons. A spec that pins
    /// directions (beyond the method) is refused: this backend pins neurons only.
    device_pin(const spec& s, const site_layout& layout) : device_pin(neuron_pin(neurons_only(s), layout), layout) {}

    positions mode() const noexcept { return mode_; }
    /// Whether the spec edits any neuron of `site`.
    bool touches(std::size_t site) const noexcept { return site < width_.size() && begin_[site] != begin_[site + 1]; }
    /// Number of edited neurons over all sites.
    std::size_t edited() const noexcept { return begin_.back(); }
    /// Number of sites of the layout the pin was built for.
    std::size_t sites() const noexcept { return width_.size(); }
    /// The width of `site` in that layout.
    std::size_t width(std::size_t site) const noexcept { return width_[site]; }

    /// Number of edited neurons of `site`, and where their indices and values are on the device.
    std::size_t count(std::size_t site) const noexcept { return begin_[site + 1] - begin_[site]; }
    const std::int64_t* device_indices(std::size_t site) const noexcept { return indices_.data() + begin_[site]; }
    const float* device_values(std::size_t site) const noexcept { return values_.data() + begin_[site]; }

private:
    positions mode_;
    std::vector<std::size_t> begin_;  // per site: [begin_[s], begin_[s+1]) into the device arrays
    std::vector<std::size_t> width_;
    device_buffer<std::int64_t> indices_;
    device_buffer<float> values_;
};

}  // namespace cirm::cuda
