// An intervention beyond the method: pinning directions instead of neurons, on a toy reward
// model whose style signal is spread thinly over every neuron of a site (a dense representation,
// as a model trained from scratch tends to learn), not held by a few "bias neurons".
//
// The toy model has one site of 64 neurons. Its activation for a response is
//     a = 0.8·z_length·v + 0.8·z_exclamation·e + correct·c + noise (σ = 0.5 per neuron),
// with v, e and c fixed random unit vectors over all 64 neurons (z: the attribute's standardized
// log), and its reward is (v + e + c)·a: it prefers correct answers, and also longer ones and ones
// with more '!'. Every neuron carries a little of each signal. The method's neuron pins (Spearman
// top/bottom-k) take neurons that also carry the answer's correctness, and remove the style only in
// proportion to how many neurons they pin; the direction pin (localize_directions: each
// attribute's covariance direction, two pins in all) removes the style along v and e and leaves
// the orthogonal rest, most of the correctness signal, alone. The program prints, for the base,
// neuron pins at growing budgets and the direction pin: accuracy on test pairs whose style is
// independent of correctness, and the Spearman ρ of the reward with each style and with
// correctness. A run printed (accuracy, ρ with length):
//     base 67.9 %, +0.667;  25 neurons 80.5 %, +0.276;  46 neurons 78.4 %, +0.237;
//     2 directions 91.2 %, +0.047.
//
// Usage: example_direction_pin
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/rng.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {

constexpr std::size_t width = 64;

/// A unit vector over all neurons, from a seed.
std::vector<double> random_unit(std::uint64_t seed) {
    cirm::testing::splitmix64 rng{seed};
    std::vector<double> v(width);
    double norm = 0.0;
    for (auto& x : v) {
        x = rng.normal();
        norm += x * x;
    }
    for (auto& x : v) x /= std::sqrt(norm);
    return v;
}

/// The toy model of the file comment, as an ActivationSource.
class dense_style_source {
public:
    dense_style_source()
        : layout_({{"model.layers.0.self_attn.o_proj", 0, cirm::module_kind::o_proj, width}}),
          style_(random_unit(1)),
          exclaim_(random_unit(2)),
          content_(random_unit(3)) {}

    const cirm::site_layout& layout() const { return layout_; }

    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const auto a = activation(batch[b]);
            sink.put(b, 0, std::span<const float>(a));
        }
    }

    template <cirm::Intervention I>
    void score(std::span<const cirm::sample> batch, const I& intervention, std::span<float> rewards) {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            auto a = activation(batch[b]);
            intervention.apply(0, cirm::make_view(a.data(), 1, width));
            double r = 0.0;
            for (std::size_t n = 0; n < width; ++n) r += (style_[n] + exclaim_[n] + content_[n]) * a[n];
            rewards[b] = static_cast<float>(r);
        }
    }

private:
    std::vector<float> activation(const cirm::sample& s) const {
        const double length = (std::log1p(cirm::attributes::length{}(s.prompt, s.response)) - 4.0) / 0.5;
        const double exclaim = std::log1p(cirm::attributes::exclamation{}(s.prompt, s.response)) - 0.7;
        const double correct = cirm::testing::arithmetic_content(s.prompt, s.response);
        cirm::testing::splitmix64 noise{cirm::testing::fnv1a(s.response, cirm::testing::fnv1a(s.prompt))};
        std::vector<float> a(width);
        for (std::size_t n = 0; n < width; ++n)
            a[n] = static_cast<float>(0.8 * length * style_[n] + 0.8 * exclaim * exclaim_[n] +
                                      1.0 * correct * content_[n] + 0.5 * noise.normal());
        return a;
    }

    cirm::site_layout layout_;
    std::vector<double> style_, exclaim_, content_;
};

struct outcome {
    double accuracy, rho_length, rho_exclamation, rho_correct;
};

template <cirm::Intervention I>
outcome measure(dense_style_source& source, const std::vector<cirm::preference_pair>& pairs, const I& pin) {
    const auto r = cirm::score_pairs(source, pairs, pin);
    std::size_t right = 0;
    std::vector<double> rewards, length, exclaim, correct;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        right += r.chosen[i] > r.rejected[i] ? 1 : 0;
        for (const auto& [response, reward] :
             {std::pair{&pairs[i].chosen, r.chosen[i]}, std::pair{&pairs[i].rejected, r.rejected[i]}}) {
            rewards.push_back(reward);
            length.push_back(cirm::attributes::length{}(pairs[i].prompt, *response));
            exclaim.push_back(cirm::attributes::exclamation{}(pairs[i].prompt, *response));
            correct.push_back(cirm::testing::arithmetic_content(pairs[i].prompt, *response));
        }
    }
    return {static_cast<double>(right) / static_cast<double>(pairs.size()), cirm::spearman(rewards, length),
            cirm::spearman(rewards, exclaim), cirm::spearman(rewards, correct)};
}

void print(const char* label, const outcome& o) {
    std::printf("%-28s %7.1f%% %+12.3f %+15.3f %+10.3f\n", label, 100.0 * o.accuracy, o.rho_length, o.rho_exclamation,
                o.rho_correct);
}

}  // namespace

int main() {
    dense_style_source source;
    const std::vector<std::string> names{"length", "exclamation"};
    const auto attributes = cirm::make_attributes(names);
    const auto validation = cirm::testing::make_arithmetic_pairs(500, 21);
    const auto test = cirm::testing::make_arithmetic_pairs(1000, 22);
    const auto samples = cirm::response_samples(validation);

    std::printf("test pairs: %zu (style independent of correctness); one site of %zu neurons\n\n", test.size(), width);
    std::printf("%-28s %8s %12s %15s %10s\n", "pinned", "accuracy", "rho(length)", "rho(exclamation)", "rho(correct)");
    print("nothing (base)", measure(source, test, cirm::no_intervention{}));

    // the method: Spearman top/bottom-k neurons per attribute, pinned to their medians
    const auto loc = cirm::localize(source, samples, attributes);
    for (std::size_t k : {2, 4, 8, 16}) {
        const std::vector<std::size_t> budgets(names.size(), k);
        const auto s = cirm::spec_for_budgets(loc, budgets);
        const std::string label = std::to_string(s.edited()) + " neurons (k = " + std::to_string(k) + ")";
        print(label.c_str(), measure(source, test, cirm::spec_pin(s, source.layout())));
    }

    // beyond the method: one covariance direction per attribute, its component pinned to its median
    const auto directions = cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes);
    const auto s = cirm::direction_spec(directions);
    const std::string label = std::to_string(s.pinned_directions()) + " directions";
    print(label.c_str(), measure(source, test, cirm::spec_pin(s, source.layout())));
    return 0;
}
