#pragma once
/// \file
/// A toy reward model with planted bias neurons, for tests, examples and method research: a
/// synthetic ActivationSource whose bias neurons are known, so that localization and selection
/// can be checked against the truth (part of the public `cirm::testing` area; opt-in, not
/// included by cirm/cirm.hpp).
///
/// Its "model" has a few sites. For every sample x, neuron activations are:
///   - planted neurons of attribute b: sign · log1p(f_b(x)) + noise,
///   - content neurons: content(x) + noise, where content(x) = 1 if the response gives the right
///     answer to the prompt "What is A plus B?" (after "answer is"), else 0,
///   - every other neuron: noise alone.
/// Noise is Gaussian with the given scale, derived deterministically from the sample's text and
/// the seed. The toy reward is linear in the activations: planted neurons weigh
/// sign · style_weight / planted_per_side (so more of each style raises the reward), content
/// neurons weigh content_weight / content_neurons, the others a small random weight.
/// So the toy RM prefers correct answers but also more of each planted style — a biased RM
/// whose bias lives in known neurons.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/attributes/any_attribute.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"
#include "cirm/testing/rng.hpp"

namespace cirm::testing {

/// content(x): 1 if the prompt is "What is A plus B?" and the response says "answer is A + B"
/// (the number right after "answer is"; formatting such as ** around it is skipped), else 0.
inline double arithmetic_content(std::string_view prompt, std::string_view response) {
    const auto read_int = [](std::string_view s, std::size_t& pos, long& out) {
        while (pos < s.size() && (s[pos] < '0' || s[pos] > '9')) ++pos;
        if (pos == s.size()) return false;
        out = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') out = out * 10 + (s[pos++] - '0');
        return true;
    };
    std::size_t p = 0, r = response.find("answer is ");
    long a = 0, b = 0, answer = 0;
    if (r == std::string_view::npos) return 0.0;
    if (!read_int(prompt, p, a) || !read_int(prompt, p, b) || !read_int(response, r, answer)) return 0.0;
    return answer == a + b ? 1.0 : 0.0;
}

/// One planted bias neuron of a planted_source.
struct planted_neuron {
    std::size_t flat;       ///< flat index in the source's layout
    std::size_t attribute;  ///< index into the source's attributes
    double sign;            ///< +1: rises with the attribute, −1: falls
};

/// The toy reward model described in the file comment; models ActivationSource.
class planted_source {
public:
    /// The model's shape and its planted biases.
    struct options {
        std::vector<site_info> sites;
        std::vector<any_attribute> attributes;
        std::size_t planted_per_side = 8;  ///< per attribute: this many positive and this many negative neurons
        std::size_t content_neurons = 8;
        double noise = 0.5;
        double style_weight = 1.0;
        double content_weight = 3.0;
        std::uint64_t seed = 1;
    };

    explicit planted_source(options o) : options_(std::move(o)), layout_(options_.sites) {
        const std::size_t m = layout_.neurons();
        const std::size_t needed =
            options_.attributes.size() * 2 * options_.planted_per_side + options_.content_neurons;
        if (needed > m) throw error("planted_source: not enough neurons for the planted ones");
        // Spread the planted neurons over the whole layout in a seeded random order.
        std::vector<std::size_t> order(m);
        for (std::size_t i = 0; i < m; ++i) order[i] = i;
        splitmix64 rng{options_.seed};
        for (std::size_t i = m - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
        role_.assign(m, -1);
        sign_.assign(m, 0.0);
        weight_.assign(m, 0.0);
        std::size_t next = 0;
        for (std::size_t b = 0; b < options_.attributes.size(); ++b)
            for (double sign : {1.0, -1.0})
                for (std::size_t i = 0; i < options_.planted_per_side; ++i) {
                    const std::size_t n = order[next++];
                    planted_.push_back({n, b, sign});
                    role_[n] = static_cast<int>(b);
                    sign_[n] = sign;
                    // weighted by the sign too, so that the reward rises with every style
                    weight_[n] = sign * options_.style_weight / static_cast<double>(options_.planted_per_side);
                }
        for (std::size_t i = 0; i < options_.content_neurons; ++i) {
            const std::size_t n = order[next++];
            role_[n] = content_role;
            content_.push_back(n);
            weight_[n] = options_.content_weight / static_cast<double>(options_.content_neurons);
        }
        for (std::size_t n = 0; n < m; ++n)
            if (role_[n] == -1) weight_[n] = 0.02 * (rng.uniform() - 0.5);
    }

    const site_layout& layout() const noexcept { return layout_; }
    const std::vector<planted_neuron>& planted() const noexcept { return planted_; }
    const std::vector<std::size_t>& content_neurons() const noexcept { return content_; }

    /// The last-token activations of every neuron for one sample (flat, layout order).
    std::vector<float> activations(const sample& x) const {
        std::vector<double> style(options_.attributes.size());
        for (std::size_t b = 0; b < style.size(); ++b)
            style[b] = std::log1p(std::max(0.0, options_.attributes[b](x.prompt, x.response)));
        const double content = arithmetic_content(x.prompt, x.response);
        splitmix64 rng{fnv1a(x.response, fnv1a(x.prompt, options_.seed * 0x9e3779b97f4a7c15ull + 1))};
        std::vector<float> a(layout_.neurons());
        for (std::size_t n = 0; n < a.size(); ++n) {
            double v = options_.noise * rng.normal();
            if (role_[n] >= 0)
                v += sign_[n] * style[static_cast<std::size_t>(role_[n])];
            else if (role_[n] == content_role)
                v += content;
            a[n] = static_cast<float>(v);
        }
        return a;
    }

    template <ActivationSink K>
    void collect(std::span<const sample> batch, K& sink) const {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const auto a = activations(batch[b]);
            for (std::size_t s = 0; s < layout_.size(); ++s)
                sink.put(b, s, std::span<const float>(a.data() + layout_.offset(s), layout_[s].width));
        }
    }

    template <Intervention I>
    void score(std::span<const sample> batch, const I& intervention, std::span<float> rewards) const {
        if (rewards.size() != batch.size()) throw error("planted_source: rewards and batch differ in size");
        for (std::size_t b = 0; b < batch.size(); ++b) {
            auto a = activations(batch[b]);
            for (std::size_t s = 0; s < layout_.size(); ++s)
                if (intervention.touches(s))
                    intervention.apply(s, make_view(a.data() + layout_.offset(s), 1, layout_[s].width));
            double r = 0.0;
            for (std::size_t n = 0; n < a.size(); ++n) r += weight_[n] * a[n];
            rewards[b] = static_cast<float>(r);
        }
    }

private:
    static constexpr int content_role = -2;

    options options_;
    site_layout layout_;
    std::vector<planted_neuron> planted_;
    std::vector<int> role_;     // ≥ 0: attribute index of a planted neuron; −2: content; −1: noise
    std::vector<double> sign_;  // per neuron: the planted sign, 0 for others
    std::vector<double> weight_;
    std::vector<std::size_t> content_;
};

static_assert(ActivationSource<planted_source>);

}  // namespace cirm::testing
