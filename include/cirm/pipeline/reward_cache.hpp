#pragma once
/// \file
/// An ActivationSource over another that scores each response once for several methods: when a
/// response is first asked for (plainly or under one of the given pins), its prefix is encoded
/// once (where the source is a PrefixCachingSource) and its last token is scored plainly and under
/// every pin over that cache; the rewards are kept (a few bytes per response, keyed by the text),
/// and later requests are answered from memory. Evaluating the base RM and any number of specs on a
/// test set, and on its style edits, thus costs one prefix encoding per response.
///
/// Every reward is computed the same way whoever asks (the responses missing from a request are
/// scored together, prefixes first, then the last tokens over the caches), so scoring a dataset
/// and evaluating it give the same rewards. A pin at every position cannot use a prefix cache: its
/// rewards come from full forwards. Any other intervention is passed to the source. A reward that
/// is not finite is an error that quotes the start of the response.

#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/prefix_caching_source.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/sample.hpp"

namespace cirm {

template <ActivationSource S>
class reward_cache {
public:
    /// Scores with `source`; `pins` are scored alongside the plain reward (they must outlive the cache).
    reward_cache(S& source, std::vector<const spec_pin*> pins) : source_(source), pins_(std::move(pins)) {}

    const site_layout& layout() const { return source_.layout(); }

    template <ActivationSink K>
    void collect(std::span<const sample> batch, K& sink) {
        source_.collect(batch, sink);
    }

    /// Rewards under no_intervention or one of the pins (answered from memory when known); any
    /// other intervention is passed to the source.
    template <Intervention I>
    void score(std::span<const sample> batch, const I& intervention, std::span<float> rewards) {
        std::size_t slot = 0;  // 0: plain, 1 + p: pins_[p]
        if constexpr (!std::is_same_v<I, no_intervention>) {
            slot = pins_.size() + 1;
            if constexpr (std::is_same_v<I, spec_pin>)
                for (std::size_t p = 0; p < pins_.size(); ++p)
                    if (pins_[p] == &intervention) slot = p + 1;
            if (slot == pins_.size() + 1) {
                source_.score(batch, intervention, rewards);
                return;
            }
        }
        std::vector<std::size_t> missing;
        for (std::size_t b = 0; b < batch.size(); ++b)
            if (!known_.contains(key(batch[b]))) missing.push_back(b);
        if (!missing.empty()) fill(batch, missing);
        for (std::size_t b = 0; b < batch.size(); ++b) rewards[b] = known_.at(key(batch[b]))[slot];
        if (on_progress_) on_progress_(known_.size());
    }

    /// Number of distinct responses scored so far.
    std::size_t scored() const noexcept { return known_.size(); }

    /// Called with scored() after every call of score (e.g. for a progress bar).
    void on_progress(std::function<void(std::size_t)> callback) { on_progress_ = std::move(callback); }

private:
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
        std::vector<std::vector<float>> rewards(pins_.size() + 1, std::vector<float>(todo.size()));
        const std::span<const sample> samples(todo);
        if constexpr (PrefixCachingSource<S>) {
            const auto caches = source_.encode_prefixes(samples);
            const std::span cached(std::ranges::data(caches), std::ranges::size(caches));
            source_.score_cached(cached, no_intervention{}, std::span<float>(rewards[0]));
            for (std::size_t p = 0; p < pins_.size(); ++p) {
                if (pins_[p]->mode() == positions::last_token)
                    source_.score_cached(cached, *pins_[p], std::span<float>(rewards[p + 1]));
                else
                    source_.score(samples, *pins_[p], std::span<float>(rewards[p + 1]));
            }
        } else {
            source_.score(samples, no_intervention{}, std::span<float>(rewards[0]));
            for (std::size_t p = 0; p < pins_.size(); ++p)
                source_.score(samples, *pins_[p], std::span<float>(rewards[p + 1]));
        }
        for (std::size_t i = 0; i < todo.size(); ++i) {
            std::vector<float> row(pins_.size() + 1);
            for (std::size_t m = 0; m < row.size(); ++m) {
                check_finite(rewards[m][i], todo[i], m == 0 ? "" : " under the spec");
                row[m] = rewards[m][i];
            }
            known_[key(todo[i])] = std::move(row);
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

    S& source_;
    std::vector<const spec_pin*> pins_;
    std::unordered_map<std::string, std::vector<float>> known_;
    std::function<void(std::size_t)> on_progress_;
};

}  // namespace cirm
