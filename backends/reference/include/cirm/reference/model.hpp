#pragma once
/// \file
/// llama_reward_model: the reference reward-model engine. Loads a Llama-family
/// `*ForSequenceClassification` checkpoint in the Hugging Face layout (config.json,
/// model.safetensors or a sharded index, tokenizer.json, tokenizer_config.json; see
/// io/model_text.hpp for how a sample becomes ids), exposes the output of every q, k,
/// v, o, gate, up and down projection as a named site, and models ActivationSource: it collects
/// last-token activations and scores samples with an Intervention applied in place at the sites.
///
/// Sites: llama_site_layout (cirm/llama_layout.hpp), for each layer l in this order
/// model.layers.{l}.self_attn.{q,k,v,o}_proj and model.layers.{l}.mlp.{gate,up,down}_proj; widths
/// heads·head_dim (q), kv_heads·head_dim (k, v), hidden (o, down), intermediate (gate, up). A site's activation is the projection's output
/// (after its bias, before rotary for q and k); an intervention changes it before the next
/// operation reads it. The reward and the "last-token" activations are those of the last token
/// that is not padding (config().pad_token_id); trailing padding is not run.
///
/// Samples of a batch run in parallel, one sample per thread at a time (threads(), by default
/// the machine's cores), each thread with its own reusable workspace. All member functions but
/// set_threads are const and may be called from several threads at once. A sink's put() is
/// called from the worker threads, one call at a time (never concurrently); samples arrive in
/// completion order, each with all its sites in layout order.
///
/// Prefix cache: encode_prefix() runs a sample's tokens but the last once and keeps the keys and
/// values; score_cached() then runs only the last token under a last-token intervention — the
/// same reward as a full forward (to rounding), at a fraction of the cost, which is what makes
/// the search over budgets cheap. The last tokens of up to 32 cached samples go through the
/// weights together, as the rows of one matrix. score() over caches picks the cached path for
/// last-token interventions and a full forward for all-positions ones.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/error.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/forward.hpp"
#include "cirm/reference/prefix_cache.hpp"
#include "cirm/reference/weights.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"
#include "cirm/text/sample_format.hpp"

namespace cirm::reference {

class llama_reward_model {
public:
    /// Loads the model in `directory`, with the tokenizer and chat template of its files (or the
    /// user format and settings of `options`).
    explicit llama_reward_model(const std::filesystem::path& directory, const sample_format_options& options = {})
        : llama_reward_model(directory, load_sample_format(directory, options)) {}

    /// Loads the model in `directory` with a tokenizer and format given by the caller.
    llama_reward_model(const std::filesystem::path& directory, sample_format format)
        : config_(load_llama_config(directory / "config.json")),
          weights_(llama_weights::load(directory, config_)),
          layout_(llama_site_layout(config_)),
          format_(std::make_shared<const sample_format>(std::move(format))),
          pool_(std::make_unique<workspace_pool>()),
          id_(next_model_id()) {
        if (format_->tokenizer().id_limit() > config_.vocab_size)
            throw error("the tokenizer of '" + directory.string() + "' produces ids up to " +
                        std::to_string(format_->tokenizer().id_limit() - 1) + " but the model's vocab_size is " +
                        std::to_string(config_.vocab_size));
        const unsigned cores = std::thread::hardware_concurrency();
        threads_ = cores == 0 ? 1 : cores;
    }

    llama_reward_model(llama_reward_model&&) noexcept = default;
    llama_reward_model& operator=(llama_reward_model&&) noexcept = default;

    const llama_config& config() const noexcept { return config_; }
    const llama_weights& weights() const noexcept { return weights_; }
    const site_layout& layout() const noexcept { return layout_; }
    /// How samples become text and ids (the tokenizer and the chat template or user format).
    const sample_format& format() const noexcept { return *format_; }

    /// Threads a batch runs on (at most one per sample).
    std::size_t threads() const noexcept { return threads_; }
    /// Sets the number of threads; 0 means the machine's cores.
    void set_threads(std::size_t n) {
        const unsigned cores = std::thread::hardware_concurrency();
        threads_ = n != 0 ? n : (cores == 0 ? 1 : cores);
    }

    /// The token ids the model runs for a sample: the template's ids up to the last
    /// non-padding token (see scored_part), checked (see check_tokens).
    std::vector<std::int32_t> encode(const sample& s) const {
        std::vector<std::int32_t> ids;
        format_->encode(s, ids);
        ids.resize(scored_part(ids).size());
        check_tokens(ids);
        return ids;
    }

    /// The ids up to and including the last one that is not config().pad_token_id: the score is
    /// read there (as Hugging Face pools), and causal attention lets no later position change
    /// it, so later ones are not run. The whole sequence when the config names no pad token.
    std::span<const std::int32_t> scored_part(std::span<const std::int32_t> ids) const noexcept {
        std::size_t n = ids.size();
        if (config_.pad_token_id)
            while (n > 0 && ids[n - 1] == *config_.pad_token_id) --n;
        return ids.first(n);
    }

    /// Checks a token sequence: not empty, no longer than max_position_embeddings, every id in
    /// the vocabulary.
    void check_tokens(std::span<const std::int32_t> ids) const {
        if (ids.empty()) throw error("a sample encodes to no tokens (or only padding tokens)");
        if (ids.size() > config_.max_position_embeddings)
            throw error("a sample of " + std::to_string(ids.size()) + " tokens exceeds max_position_embeddings (" +
                        std::to_string(config_.max_position_embeddings) + ")");
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= config_.vocab_size)
                throw error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                            " is outside the vocabulary (vocab_size " + std::to_string(config_.vocab_size) + ")");
    }

    // --- ActivationSource ---------------------------------------------------------------------

    /// For every sample b and every site s: sink.put(b, s, last-token activations of s).
    template <ActivationSink K>
    void collect(std::span<const sample> batch, K& sink) const {
        collect_sites(batch, sink, std::vector<char>(layout_.size(), 1));
    }

    /// Like collect, for the listed sites only (positions in layout()).
    template <ActivationSink K>
    void collect(std::span<const sample> batch, K& sink, std::span<const std::size_t> sites) const {
        collect_sites(batch, sink, site_mask(layout_, sites, "collect"));
    }

    /// The reward of each sample with `intervention` applied during a full forward pass.
    template <Intervention I>
    void score(std::span<const sample> batch, const I& intervention, std::span<float> rewards) const {
        check_reward_count(batch.size(), rewards.size());
        const auto ids = encode_all(batch);
        for_each_task(batch.size(),
                      [&](std::size_t b, detail::workspace& ws) { rewards[b] = run_full(ids[b], ws, intervention); });
    }

    /// The plain reward of one sample.
    float score(const sample& s) const { return score_tokens(encode(s)); }

    /// The reward of a token sequence with `intervention` applied: its scored_part is checked
    /// and run.
    template <Intervention I = no_intervention>
    float score_tokens(std::span<const std::int32_t> ids, const I& intervention = {}) const {
        const auto scored = scored_part(ids);
        check_tokens(scored);
        auto ws = pool_->acquire();
        return run_full(scored, *ws, intervention);
    }

    // --- prefix cache -------------------------------------------------------------------------

    /// Runs all tokens of `s` but the last and keeps their keys and values.
    prefix_cache encode_prefix(const sample& s) const {
        auto ids = encode(s);
        auto ws = pool_->acquire();
        return make_cache(std::move(ids), *ws);
    }

    /// encode_prefix for every sample of a batch, in parallel.
    std::vector<prefix_cache> encode_prefixes(std::span<const sample> batch) const {
        auto ids = encode_all(batch);
        std::vector<prefix_cache> caches(batch.size());
        for_each_task(batch.size(),
                      [&](std::size_t b, detail::workspace& ws) { caches[b] = make_cache(std::move(ids[b]), ws); });
        return caches;
    }

    /// The reward of a cached sample: its last token over the cached prefix, under a last-token
    /// intervention. An all-positions intervention is an error (the cache would be stale).
    template <Intervention I>
    float score_cached(const prefix_cache& cache, const I& intervention) const {
        check_cached(cache, intervention);
        auto ws = pool_->acquire();
        float reward = 0.0f;
        run_cached(std::span<const prefix_cache>(&cache, 1), *ws, intervention, std::span<float>(&reward, 1));
        return reward;
    }

    /// score_cached for a batch of caches: the last tokens of up to cached_rows_per_pass samples
    /// go through the weights together as the rows of one matrix; such groups run in parallel.
    template <Intervention I>
    void score_cached(std::span<const prefix_cache> caches, const I& intervention, std::span<float> rewards) const {
        check_reward_count(caches.size(), rewards.size());
        for (const auto& cache : caches) check_cached(cache, intervention);
        // Groups as even as possible, chosen from the batch size alone, so that results do not
        // depend on the number of threads.
        const std::size_t n = caches.size();
        const std::size_t groups = (n + cached_rows_per_pass - 1) / cached_rows_per_pass;
        for_each_task(groups, [&](std::size_t g, detail::workspace& ws) {
            const std::size_t first = g * n / groups, last = (g + 1) * n / groups;
            run_cached(caches.subspan(first, last - first), ws, intervention, rewards.subspan(first, last - first));
        });
    }

    /// The most samples whose last tokens score_cached runs as one matrix.
    static constexpr std::size_t cached_rows_per_pass = 32;

    /// The reward of each cached sample under `intervention`, by the cheapest exact path: the
    /// cached last-token pass for positions::last_token, a full forward of the sample's tokens
    /// for positions::all.
    template <Intervention I>
    void score(std::span<const prefix_cache> caches, const I& intervention, std::span<float> rewards) const {
        if (intervention.mode() == positions::last_token) return score_cached(caches, intervention, rewards);
        check_reward_count(caches.size(), rewards.size());
        for (const auto& cache : caches) check_own(cache);
        for_each_task(caches.size(), [&](std::size_t b, detail::workspace& ws) {
            rewards[b] = run_full(caches[b].tokens(), ws, intervention);
        });
    }

private:
    /// Reusable workspaces, one per concurrently running sample; handed out under a lock, once
    /// per sample (never per token).
    class workspace_pool {
    public:
        struct release {
            workspace_pool* pool;
            void operator()(detail::workspace* ws) const noexcept { pool->give_back(ws); }
        };
        using handle = std::unique_ptr<detail::workspace, release>;

        handle acquire() {
            std::lock_guard lock(mutex_);
            if (free_.empty()) {
                all_.push_back(std::make_unique<detail::workspace>());
                free_.reserve(all_.size());
                return handle(all_.back().get(), release{this});
            }
            detail::workspace* ws = free_.back();
            free_.pop_back();
            return handle(ws, release{this});
        }

    private:
        void give_back(detail::workspace* ws) noexcept {
            std::lock_guard lock(mutex_);
            free_.push_back(ws);  // capacity reserved in acquire: does not allocate
        }
        std::mutex mutex_;
        std::vector<std::unique_ptr<detail::workspace>> all_;
        std::vector<detail::workspace*> free_;
    };

    /// Captures last-token rows into the workspace's buffer, for the wanted sites.
    struct site_capture {
        static constexpr bool active = true;
        const site_layout* layout;
        const std::vector<char>* wanted;
        float* out;
        void operator()(std::size_t site, const float* row, std::size_t width) const noexcept {
            if ((*wanted)[site]) std::copy_n(row, width, out + layout->offset(site));
        }
    };

    static std::uint64_t next_model_id() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        return ++counter;
    }

    static void check_reward_count(std::size_t samples, std::size_t rewards) {
        if (samples != rewards)
            throw error("score: " + std::to_string(samples) + " samples but room for " + std::to_string(rewards) +
                        " rewards");
    }

    void check_own(const prefix_cache& cache) const {
        if (cache.model_id_ != id_)
            throw error(cache.model_id_ == 0 ? "prefix cache is empty (make it with encode_prefix)"
                                             : "prefix cache was made by another model");
    }

    template <class I>
    void check_cached(const prefix_cache& cache, const I& intervention) const {
        check_own(cache);
        if (intervention.mode() != positions::last_token)
            throw error("score_cached: an all-positions intervention changes the cached prefix; "
                        "score it with a full forward (score over the caches or the samples does)");
    }

    std::vector<std::vector<std::int32_t>> encode_all(std::span<const sample> batch) const {
        std::vector<std::vector<std::int32_t>> ids;
        ids.reserve(batch.size());
        for (std::size_t b = 0; b < batch.size(); ++b) {
            try {
                ids.push_back(encode(batch[b]));
            } catch (const error& e) {
                throw error("sample " + std::to_string(b) + " of the batch: " + e.what());
            }
        }
        return ids;
    }

    template <class I>
    float run_full(std::span<const std::int32_t> ids, detail::workspace& ws, const I& intervention) const {
        detail::no_capture none;
        return detail::forward_sequence(config_, weights_, ws, ids, nullptr, intervention, none, true);
    }

    /// At most cached_rows_per_pass caches: their last tokens in one batched pass.
    template <class I>
    void run_cached(std::span<const prefix_cache> caches, detail::workspace& ws, const I& intervention,
                    std::span<float> rewards) const {
        std::array<detail::cached_token, cached_rows_per_pass> inputs;
        for (std::size_t r = 0; r < caches.size(); ++r) {
            const prefix_cache& cache = caches[r];
            inputs[r] = {cache.tokens_.back(),
                         {cache.keys_.data(), cache.values_.data(), cache.prefix_tokens(), cache.layer_stride()}};
        }
        detail::forward_last_tokens(config_, weights_, ws,
                                    std::span<const detail::cached_token>(inputs.data(), caches.size()), intervention,
                                    rewards);
    }

    prefix_cache make_cache(std::vector<std::int32_t> ids, detail::workspace& ws) const {
        prefix_cache cache;
        cache.tokens_ = std::move(ids);
        cache.kv_width_ = config_.kv_width();
        cache.model_id_ = id_;
        const std::size_t stride = cache.layer_stride();
        cache.keys_.resize(config_.num_hidden_layers * stride);
        cache.values_.resize(config_.num_hidden_layers * stride);
        if (stride != 0) {
            const detail::kv_store store{cache.keys_.data(), cache.values_.data(), stride};
            detail::no_capture none;
            detail::forward_sequence(config_, weights_, ws, cache.tokens().first(cache.prefix_tokens()), &store,
                                     no_intervention{}, none, false);
        }
        return cache;
    }

    template <class K>
    void collect_sites(std::span<const sample> batch, K& sink, const std::vector<char>& wanted) const {
        const auto ids = encode_all(batch);
        std::mutex sink_mutex;
        for_each_task(batch.size(), [&](std::size_t b, detail::workspace& ws) {
            ws.captured.resize(layout_.neurons());
            site_capture capture{&layout_, &wanted, ws.captured.data()};
            detail::forward_sequence(config_, weights_, ws, ids[b], nullptr, no_intervention{}, capture, false);
            std::lock_guard lock(sink_mutex);
            for (std::size_t s = 0; s < layout_.size(); ++s)
                if (wanted[s])
                    sink.put(b, s, std::span<const float>(ws.captured.data() + layout_.offset(s), layout_[s].width));
        });
    }

    /// Runs work(task, workspace) for tasks 0 … count−1 (samples, or groups of cached samples) on
    /// up to threads() threads, each with its own workspace; the first exception is rethrown
    /// after all threads have stopped.
    template <class Work>
    void for_each_task(std::size_t count, Work&& work) const {
        if (count == 0) return;
        const std::size_t workers = std::min(threads_, count);
        std::atomic<std::size_t> next{0};
        std::atomic<bool> failed{false};
        std::exception_ptr first_error;
        std::mutex error_mutex;
        auto run = [&] {
            auto ws = pool_->acquire();
            while (!failed.load(std::memory_order_relaxed)) {
                const std::size_t b = next.fetch_add(1);
                if (b >= count) break;
                try {
                    work(b, *ws);
                } catch (...) {
                    std::lock_guard lock(error_mutex);
                    if (!first_error) first_error = std::current_exception();
                    failed = true;
                }
            }
        };
        if (workers == 1) {
            run();
        } else {
            std::vector<std::thread> helpers;
            helpers.reserve(workers - 1);
            try {
                for (std::size_t t = 0; t + 1 < workers; ++t) helpers.emplace_back(run);
            } catch (...) {
                failed = true;  // could not start a thread: stop the ones running, then report
                for (auto& h : helpers) h.join();
                throw;
            }
            run();
            for (auto& h : helpers) h.join();
        }
        if (first_error) std::rethrow_exception(first_error);
    }

    llama_config config_;
    llama_weights weights_;
    site_layout layout_;
    std::shared_ptr<const sample_format> format_;  // shared: the model is movable, the format immutable
    std::unique_ptr<workspace_pool> pool_;
    std::size_t threads_ = 1;
    std::uint64_t id_ = 0;
};

static_assert(ActivationSource<llama_reward_model>);

}  // namespace cirm::reference
