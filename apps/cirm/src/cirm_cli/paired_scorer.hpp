#pragma once
/// \file
/// An ActivationSource over the reference engine that scores each response once for two
/// methods: when a sample is first asked for (with or without the intervention), its prefix is
/// encoded once and its last token is scored both plainly and under the CIRM pin over that prefix
/// cache; both rewards are kept (a few bytes per response, keyed by the text), and the second
/// request is answered from memory. Evaluating base and CIRM on a test set (and on its style
/// edits) thus costs one prefix encoding per response instead of two full forwards.
///
/// Every reward is computed the same way whichever command asks (a prefix pass, then the last
/// token over the cache, for the same batches), so `cirm score` and `cirm eval` agree exactly.
/// A pin at every position cannot use a cache: its rewards come from full forwards, and the plain
/// rewards still from the cached path. A reward that is not finite is an error.

#include <cmath>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/sample.hpp"

namespace cirm::cli {

class paired_scorer {
public:
    /// Scores with `model`; `pin` (may be null) is the CIRM intervention scored alongside.
    paired_scorer(const reference::llama_reward_model& model, const spec_pin* pin) : model_(model), pin_(pin) {}

    const site_layout& layout() const { return model_.layout(); }

    template <ActivationSink K>
    void collect(std::span<const sample> batch, K& sink) {
        model_.collect(batch, sink);
    }

    /// Rewards under no_intervention or under the pin given at construction (answered from
    /// memory when known); any other intervention is passed to the engine.
    template <Intervention I>
    void score(std::span<const sample> batch, const I& intervention, std::span<float> rewards) {
        constexpr bool plain = std::is_same_v<I, no_intervention>;
        bool pinned = false;
        if constexpr (std::is_same_v<I, spec_pin>) pinned = pin_ != nullptr && &intervention == pin_;
        if (!plain && !pinned) {
            model_.score(batch, intervention, rewards);
            return;
        }
        std::vector<std::size_t> missing;
        for (std::size_t b = 0; b < batch.size(); ++b)
            if (!known_.contains(key(batch[b]))) missing.push_back(b);
        if (!missing.empty()) fill(batch, missing);
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const auto& r = known_.at(key(batch[b]));
            rewards[b] = pinned ? r.pinned : r.plain;
        }
        if (on_progress_) on_progress_(known_.size());
    }

    /// Number of distinct responses scored so far.
    std::size_t scored() const noexcept { return known_.size(); }

    /// Called with scored() after every call of score (e.g. for a progress bar).
    void on_progress(std::function<void(std::size_t)> callback) { on_progress_ = std::move(callback); }

private:
    struct reward_pair {
        float plain = 0.0f;
        float pinned = 0.0f;
    };

    static std::string key(const sample& s) {
        std::string k = std::to_string(s.prompt.size());
        k += ':';
        k += s.prompt;
        k += s.response;
        return k;
    }

    void fill(std::span<const sample> batch, const std::vector<std::size_t>& missing) {
        std::vector<sample> todo;
        for (auto b : missing) todo.push_back(batch[b]);
        const auto caches = model_.encode_prefixes(todo);
        std::vector<float> plain(todo.size()), pinned(todo.size());
        model_.score_cached(std::span(caches), no_intervention{}, std::span<float>(plain));
        if (pin_ && pin_->mode() == positions::last_token)
            model_.score_cached(std::span(caches), *pin_, std::span<float>(pinned));
        else if (pin_)
            model_.score(std::span<const sample>(todo), *pin_, std::span<float>(pinned));
        for (std::size_t i = 0; i < todo.size(); ++i) {
            check_finite(plain[i], todo[i], "");
            if (pin_) check_finite(pinned[i], todo[i], " under the spec");
            known_[key(todo[i])] = {plain[i], pinned[i]};
        }
    }

    /// A NaN or infinite reward (activations that overflow float32) would be written as null and
    /// count as a lost comparison; it is an error that quotes the start of the response instead.
    static void check_finite(float reward, const sample& s, const char* how) {
        if (std::isfinite(reward)) return;
        std::string excerpt;
        for (char c : s.response.substr(0, 40)) excerpt += (c == '\n' || c == '\r') ? ' ' : c;
        throw error(std::string("the model gives a ") + (std::isnan(reward) ? "NaN" : "infinite") + " reward" + how +
                    " for the response '" + excerpt + (s.response.size() > 40 ? "...'" : "'") +
                    " (its activations overflow float32)");
    }

    const reference::llama_reward_model& model_;
    const spec_pin* pin_;
    std::unordered_map<std::string, reward_pair> known_;
    std::function<void(std::size_t)> on_progress_;
};

static_assert(ActivationSource<paired_scorer>);

}  // namespace cirm::cli
