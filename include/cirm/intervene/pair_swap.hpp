#pragma once
/// \file
/// The swap replacement (docs/method.md §6), for scoring a pair: each response is scored with its
/// edited neurons set to the other response's last-token activations, so both carry the
/// other's style signal. Only meaningful for a pair; a single response is pinned to the spec's
/// stored values instead (neuron_pin).

#include <array>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/pair_rewards.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"

namespace cirm {

namespace detail {
/// Collects the last-token activations of a few samples into flat per-sample buffers.
class flat_sink {
public:
    flat_sink(const site_layout& layout, std::size_t samples)
        : layout_(&layout), rows_(samples, std::vector<float>(layout.neurons())) {}
    void put(std::size_t sample, std::size_t site, std::span<const float> values) {
        if (sample >= rows_.size() || site >= layout_->size() || values.size() != (*layout_)[site].width)
            throw error("flat_sink: activations of the wrong shape");
        std::copy(values.begin(), values.end(),
                  rows_[sample].begin() + static_cast<std::ptrdiff_t>(layout_->offset(site)));
    }
    std::span<const float> row(std::size_t sample) const noexcept { return rows_[sample]; }

private:
    const site_layout* layout_;
    std::vector<std::vector<float>> rows_;
};
}  // namespace detail

/// The two pins of a swapped pair: first is applied to a (with b's values), second to b.
inline std::pair<neuron_pin, neuron_pin> swap_pins(const neuron_pin& pin, const site_layout& layout,
                                                   std::span<const float> activations_a,
                                                   std::span<const float> activations_b) {
    return {pin.with_values(pin.gather(layout, activations_b)), pin.with_values(pin.gather(layout, activations_a))};
}

/// The swap replacement of a spec's neurons as a way of scoring pairs (compare_methods takes it in
/// place of an Intervention): each pair's two responses are scored with `pin`'s neurons swapped.
struct swapped_pairs {
    const neuron_pin& pin;
};

/// Scores a and b with the edited neurons of `pin` swapped between them. Returns {r(a), r(b)}.
template <ActivationSource S>
std::pair<float, float> score_pair_swapped(S& source, const neuron_pin& pin, const sample& a, const sample& b) {
    const site_layout& layout = source.layout();
    const std::array<sample, 2> both{a, b};
    detail::flat_sink sink(layout, 2);
    source.collect(std::span<const sample>(both), sink);
    const auto [pin_a, pin_b] = swap_pins(pin, layout, sink.row(0), sink.row(1));
    float ra = 0.0f, rb = 0.0f;
    source.score(std::span<const sample>(&both[0], 1), pin_a, std::span<float>(&ra, 1));
    source.score(std::span<const sample>(&both[1], 1), pin_b, std::span<float>(&rb, 1));
    return {ra, rb};
}

/// Rewards of every pair's chosen and rejected response, each pair scored with the neurons of
/// `pin` swapped between its two responses.
template <ActivationSource S>
pair_rewards score_pairs_swapped(S& source, std::span<const preference_pair> pairs, const neuron_pin& pin) {
    pair_rewards out;
    for (const auto& p : pairs) {
        const auto [chosen, rejected] = score_pair_swapped(source, pin, {p.prompt, p.chosen}, {p.prompt, p.rejected});
        out.chosen.push_back(chosen);
        out.rejected.push_back(rejected);
    }
    return out;
}

}  // namespace cirm
