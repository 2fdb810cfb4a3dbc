#pragma once
/// \file
/// The prefix cache of one sample (docs/method.md §7, speed): the keys and values of every layer for
/// all positions but the last, computed once without intervention. Scoring the last token over
/// it under a last-token intervention gives the same reward as a full forward, because such an
/// intervention changes nothing at earlier positions; an all-positions intervention would, so
/// the engine refuses to use the cache for one.
///
/// Size: 2 × layers × (tokens − 1) × kv_width floats per sample.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cirm::reference {

class llama_reward_model;

/// Keys and values of a sample's prefix, made by llama_reward_model::encode_prefix and usable only
/// with the model that made it. Immutable; several threads may score over one cache at once.
class prefix_cache {
public:
    prefix_cache() = default;

    /// All token ids of the sample (prefix and last token).
    std::span<const std::int32_t> tokens() const noexcept { return tokens_; }
    /// Number of cached positions (tokens − 1).
    std::size_t prefix_tokens() const noexcept { return tokens_.empty() ? 0 : tokens_.size() - 1; }
    /// Keys of one layer, after rotary: prefix_tokens() × kv_width, row-major.
    std::span<const float> keys(std::size_t layer) const noexcept {
        return {keys_.data() + layer * layer_stride(), layer_stride()};
    }
    /// Values of one layer: prefix_tokens() × kv_width, row-major.
    std::span<const float> values(std::size_t layer) const noexcept {
        return {values_.data() + layer * layer_stride(), layer_stride()};
    }
    /// Bytes held.
    std::size_t bytes() const noexcept {
        return (keys_.size() + values_.size()) * sizeof(float) + tokens_.size() * sizeof(std::int32_t);
    }

private:
    friend class llama_reward_model;
    std::size_t layer_stride() const noexcept { return prefix_tokens() * kv_width_; }

    std::vector<std::int32_t> tokens_;
    std::vector<float> keys_;    // layers × prefix_tokens × kv_width
    std::vector<float> values_;  // same layout
    std::size_t kv_width_ = 0;
    std::uint64_t model_id_ = 0;  // the model that made it (0: none)
};

}  // namespace cirm::reference
