#pragma once
/// \file
/// The activation store of localization (docs/method.md §5): one float32 row per validation
/// sample, one column per neuron of the kept sites, filled row by row as an ActivationCollector
/// streams a batch's last-token activations into it, or by the caller's own put() calls (an
/// engine that owns its buffers: calibrate/localize.hpp localizes from a filled store). It is the
/// matrix the statistics read.
///
/// Memory is one samples × neurons float32 block, allocated once and never grown or copied;
/// bytes() reports it. Every value is checked on the way in: NaN or ±Inf is an error naming
/// the site, the neuron and the sample (docs/method.md §5).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/site.hpp"

namespace cirm {

/// Positions in `layout` of the sites named in `names`, in that order; no names = every site.
/// An unknown name is an error.
inline std::vector<std::size_t> kept_site_positions(const site_layout& layout, std::span<const std::string> names) {
    std::vector<std::size_t> keep;
    if (names.empty()) {
        for (std::size_t s = 0; s < layout.size(); ++s) keep.push_back(s);
    } else {
        for (const auto& name : names) keep.push_back(layout.at(name));
    }
    return keep;
}

class activation_store {
public:
    /// A store over every site of `source_layout` for `samples` samples.
    activation_store(const site_layout& source_layout, std::size_t samples)
        : activation_store(source_layout, all_sites(source_layout), samples) {}

    /// A store over the sites of `source_layout` listed in `keep` (positions in that layout, in
    /// the order they should appear in the store's own layout). put() for other sites is ignored.
    activation_store(const site_layout& source_layout, std::span<const std::size_t> keep, std::size_t samples)
        : samples_(samples),
          source_neurons_(source_layout.neurons()),
          source_to_store_(source_layout.size(), not_kept) {
        if (samples == 0) throw error("activation store: no samples");
        std::vector<site_info> kept;
        kept.reserve(keep.size());
        for (std::size_t k = 0; k < keep.size(); ++k) {
            const std::size_t s = keep[k];
            if (s >= source_layout.size())
                throw error("activation store: site position " + std::to_string(s) + " is out of range");
            if (source_to_store_[s] != not_kept)
                throw error("activation store: site '" + source_layout[s].name + "' is kept twice");
            source_to_store_[s] = k;
            kept.push_back(source_layout[s]);
        }
        layout_ = site_layout(std::move(kept));
        if (layout_.neurons() == 0) throw error("activation store: no sites to keep");
        if (layout_.neurons() > SIZE_MAX / sizeof(float) / samples_)
            throw error("activation store: " + std::to_string(samples_) + " samples × " +
                        std::to_string(layout_.neurons()) + " neurons does not fit in memory");
        // Default-initialised: pages are touched only when rows are written.
        data_.reset(new float[samples_ * layout_.neurons()]);
        filled_.assign(samples_ * layout_.size(), 0);
    }

    /// The layout of the kept sites; flat neuron indices of the statistics refer to it.
    const site_layout& layout() const noexcept { return layout_; }
    std::size_t samples() const noexcept { return samples_; }
    std::size_t neurons() const noexcept { return layout_.neurons(); }
    /// Neurons of the whole layout the store was made for (all its sites, kept or not).
    std::size_t source_neurons() const noexcept { return source_neurons_; }
    /// Bytes held by the activation matrix and the bookkeeping.
    std::size_t bytes() const noexcept { return samples_ * layout_.neurons() * sizeof(float) + filled_.size(); }

    /// Position in the store's layout of a site of the source layout, if it is kept.
    std::optional<std::size_t> store_site(std::size_t source_site) const noexcept {
        if (source_site >= source_to_store_.size() || source_to_store_[source_site] == not_kept) return std::nullopt;
        return source_to_store_[source_site];
    }

    /// Writes the last-token activations of source site `source_site` for sample `sample`.
    /// Sites that are not kept are ignored. Each (sample, site) is written once.
    void put(std::size_t sample, std::size_t source_site, std::span<const float> values) {
        if (sample >= samples_)
            throw error("activation store: sample " + std::to_string(sample) + " is out of range (" +
                        std::to_string(samples_) + " samples)");
        if (source_site >= source_to_store_.size())
            throw error("activation store: site position " + std::to_string(source_site) + " is out of range");
        const std::size_t s = source_to_store_[source_site];
        if (s == not_kept) return;
        const site_info& site = layout_[s];
        if (values.size() != site.width)
            throw error("activation store: site '" + site.name + "' has width " + std::to_string(site.width) + " but " +
                        std::to_string(values.size()) + " values were given for sample " + std::to_string(sample));
        auto& flag = filled_[sample * layout_.size() + s];
        if (flag)
            throw error("activation store: site '" + site.name + "' of sample " + std::to_string(sample) +
                        " was written twice");
        float* row = data_.get() + sample * layout_.neurons() + layout_.offset(s);
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float v = values[i];
            if (!std::isfinite(v))
                throw error("activation of site '" + site.name + "' neuron " + std::to_string(i) + " is " +
                            (std::isnan(v) ? "NaN" : "infinite") + " for sample " + std::to_string(sample));
            row[i] = v;
        }
        flag = 1;
    }

    /// A sink for one batch whose sample b is store sample first + b (models ActivationSink).
    class batch_sink {
    public:
        batch_sink(activation_store& store, std::size_t first) noexcept : store_(&store), first_(first) {}
        void put(std::size_t sample_in_batch, std::size_t source_site, std::span<const float> values) {
            store_->put(first_ + sample_in_batch, source_site, values);
        }

    private:
        activation_store* store_;
        std::size_t first_;
    };
    batch_sink batch(std::size_t first) noexcept { return batch_sink(*this, first); }

    /// Throws unless every kept site of every sample was written, naming the first gap.
    void check_complete() const {
        for (std::size_t i = 0; i < filled_.size(); ++i)
            if (!filled_[i])
                throw error("activation store: site '" + layout_[i % layout_.size()].name + "' of sample " +
                            std::to_string(i / layout_.size()) + " was never written");
    }

    /// Row-major samples × neurons matrix; row_stride() floats between samples.
    const float* data() const noexcept { return data_.get(); }
    std::size_t row_stride() const noexcept { return layout_.neurons(); }
    std::span<const float> row(std::size_t sample) const noexcept {
        return {data_.get() + sample * layout_.neurons(), layout_.neurons()};
    }
    float at(std::size_t sample, std::size_t flat) const noexcept { return data_[sample * layout_.neurons() + flat]; }

private:
    static constexpr std::size_t not_kept = SIZE_MAX;
    static std::vector<std::size_t> all_sites(const site_layout& l) {
        std::vector<std::size_t> v(l.size());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
        return v;
    }

    std::size_t samples_;
    std::size_t source_neurons_;
    std::vector<std::size_t> source_to_store_;
    site_layout layout_;
    std::unique_ptr<float[]> data_;
    std::vector<std::uint8_t> filled_;
};

}  // namespace cirm
