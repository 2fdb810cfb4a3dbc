#pragma once
/// \file
/// Where the last-token activations of a localization run are gathered on the device: one float
/// row per sample, one column per neuron of a site layout (the layout of the host's
/// activation_store). Kernels write a site's columns of a batch of rows (kernels.cuh,
/// gather_last_tokens); once every site of every sample is in, copy_to() moves the rows into the
/// core's activation_store, which checks every value (NaN / Inf name the site and sample). The
/// buffer starts zeroed, so a site never gathered reads as zeros, not as leftover memory.
/// Host code only.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/calibrate/activation_store.hpp"
#include "cirm/cuda/device_buffer.cuh"
#include "cirm/cuda/error.cuh"
#include "cirm/error.hpp"
#include "cirm/site.hpp"

namespace cirm::cuda {

class device_collection {
public:
    /// Room for `samples` rows over every neuron of `layout` (allocated once, here).
    device_collection(const site_layout& layout, std::size_t samples)
        : layout_(layout),
          samples_(samples),
          buffer_(checked_size(layout, samples), "the activation collection buffer") {
        check(cudaMemset(buffer_.data(), 0, buffer_.size() * sizeof(float)),
              "cudaMemset of the activation collection buffer");
    }

    const site_layout& layout() const noexcept { return layout_; }
    std::size_t samples() const noexcept { return samples_; }
    /// Floats between consecutive samples' rows.
    std::ptrdiff_t row_stride() const noexcept { return static_cast<std::ptrdiff_t>(layout_.neurons()); }

    /// Device address of the first column of `site` in the row of `sample`.
    float* site_columns(std::size_t sample, std::size_t site) const {
        if (sample >= samples_ || site >= layout_.size())
            throw error("device_collection: sample " + std::to_string(sample) + " / site " + std::to_string(site) +
                        " is outside the buffer (" + std::to_string(samples_) + " samples, " +
                        std::to_string(layout_.size()) + " sites)");
        return buffer_.data() + sample * layout_.neurons() + layout_.offset(site);
    }

    /// Copies every row to the host (synchronous) and puts each site's values of sample b into
    /// `store` as sample first + b, through the store's checks. The store must be over the same
    /// sites (its source layout is this layout).
    void copy_to(activation_store& store, std::size_t first = 0) const {
        std::vector<float> host(buffer_.size());
        buffer_.copy_to(host, "the activation collection buffer");
        for (std::size_t b = 0; b < samples_; ++b)
            for (std::size_t s = 0; s < layout_.size(); ++s)
                store.put(
                    first + b, s,
                    std::span<const float>(host.data() + b * layout_.neurons() + layout_.offset(s), layout_[s].width));
    }

private:
    static std::size_t checked_size(const site_layout& layout, std::size_t samples) {
        if (samples == 0) throw error("device_collection: no samples");
        if (layout.neurons() == 0) throw error("device_collection: the layout has no neurons");
        return samples * layout.neurons();
    }
    site_layout layout_;
    std::size_t samples_;
    device_buffer<float> buffer_;
};

}  // namespace cirm::cuda
