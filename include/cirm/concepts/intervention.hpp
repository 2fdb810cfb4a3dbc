#pragma once
/// \file
/// Intervention: overwrites edited neurons of a site's activations in place (docs/method.md §6).
///
/// A model is bound to a model's site_layout when it is built, is immutable afterwards, and has
///   - `apply(std::size_t site, activation_view<T> view) const noexcept` for T = float, float16 and
///     bfloat16: overwrite this site's edited neurons in `view` (tokens × width; the last row is
///     the last token). No allocation, no locking: called on the forward pass's hot path, from
///     several threads at once.
///   - `touches(std::size_t site) const noexcept -> bool`: whether apply would change anything at
///     this site, so an engine can skip untouched sites.
///   - `mode() const noexcept -> positions`: last token or all positions. An engine that scores
///     the last token over a cached prefix may do so only for positions::last_token.

#include <concepts>
#include <cstddef>

#include "cirm/activation_view.hpp"
#include "cirm/dtype.hpp"

namespace cirm {

template <class I>
concept Intervention = requires(const I& i, std::size_t site, activation_view<float> f32, activation_view<float16> f16,
                                activation_view<bfloat16> bf16) {
    { i.apply(site, f32) }
    noexcept;
    { i.apply(site, f16) }
    noexcept;
    { i.apply(site, bf16) }
    noexcept;
    { i.touches(site) }
    noexcept->std::convertible_to<bool>;
    { i.mode() }
    noexcept->std::same_as<positions>;
};

/// The intervention that changes nothing: scoring with it is scoring the unedited model.
struct no_intervention {
    template <class T>
    void apply(std::size_t, activation_view<T>) const noexcept {}
    bool touches(std::size_t) const noexcept { return false; }
    positions mode() const noexcept { return positions::last_token; }
};
static_assert(Intervention<no_intervention>);

}  // namespace cirm
