#pragma once
/// \file
/// reward_model: a GGUF reward model run by llama.cpp, as a cirm ActivationSource
/// (docs/architecture.md, backends). It loads the GGUF (made by cirm convert: llama.cpp's tensor
/// names, the score head as metadata cirm.score_head) into a llama_model and a llama_context of its
/// own, whose eval callback is an eval_hook (eval_hook.hpp), and
///   - layout(): llama_site_layout of the shape in the GGUF's metadata, the same sites and neuron
///     indices as the reference engine (site_mapping.hpp: q and k rows of Llama are mapped back);
///   - collect(batch, sink[, sites]): the last-token activations of the sites;
///   - score(batch, intervention, rewards): the reward with any Intervention applied in place
///     during the forward pass, at the last token or at all positions.
/// The reward is score_head · the final-norm hidden state of the last token (the context runs with
/// embeddings on and no pooling; llama.cpp has no sequence-classification head for these models).
///
/// Samples become ids with cirm's own sample_format (the caller gives one, or the Hugging Face
/// directory the GGUF was converted from, whose tokenizer and chat template it reads), as in the
/// reference engine; trailing padding tokens (tokenizer.ggml.padding_token_id) are not run.
///
/// One sequence at a time: a sample's tokens are decoded as one llama_decode per micro-batch, each
/// call no larger than the context's n_ubatch, so that every call is exactly one micro-batch and
/// the hook knows which one holds the last token (llama.cpp would otherwise split a long batch
/// itself and the callback would see each piece's last row as "the last token"). Last-token pins
/// and captures act in the final micro-batch; all-positions pins in every one. The keys and values
/// of earlier micro-batches come from the context's KV cache (F32 by default, for parity).
///
/// Prefix cache (PrefixCachingSource; made with source_options::cached_sequences > 0): with a
/// last-token intervention every earlier position is the same in every trial of a budget search,
/// so encode_prefixes() decodes each sample's tokens but the last once, and score_cached() decodes
/// only the last tokens over those prefixes. Where the prefixes are kept depends on the batch:
///   - resident (at most cached_sequences samples): each prefix stays in a KV-cache sequence of
///     its own; score_cached() decodes the last tokens of up to micro_batch_tokens() samples in one
///     llama_decode, one row each, then drops them again (llama_memory_seq_rm), leaving the
///     prefixes for the next trial. Memory: the context holds 1 + cached_sequences streams of
///     `context` cells (K and V of every layer), allocated when the source is made.
///   - host-held (more samples than that, e.g. every validation response of a search): each
///     prefix is decoded into a working sequence, saved with llama.cpp's per-sequence state
///     (llama_state_seq_get_data) into a host buffer the cache owns (shared by its copies), and
///     the sequence is cleared. score_cached() then takes the caches in chunks of up to
///     min(cached_sequences, micro_batch_tokens()): restores each prefix into a sequence
///     (llama_state_seq_set_data), decodes the chunk's last tokens in one llama_decode and clears
///     those sequences. Memory: each prefix's keys and values in host memory (for a sliding-window
///     layer, the cells inside the window only), as large as the reference engine's own prefix
///     cache; every trial copies them back into the context.
/// Full forwards use a sequence of their own and leave the cached prefixes alone; a new
/// encode_prefixes() replaces them, and the caches it returned before are refused from then on.
///
/// The context is not thread-safe: calls are serialized by a mutex. llama.cpp's threads
/// (options().threads) run each forward.

#include <llama.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
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
#include "cirm/concepts/prefix_caching_source.hpp"
#include "cirm/error.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/llamacpp/eval_hook.hpp"
#include "cirm/llamacpp/gguf_reward_info.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"
#include "cirm/text/sample_format.hpp"

namespace cirm::llamacpp {

/// How the llama.cpp context is made.
struct source_options {
    /// Tokens of the longest sample (the KV cache holds this many); 0: the model's context_length,
    /// at most 4096. A longer sample is refused.
    std::size_t context = 0;
    /// Tokens computed in one piece (llama.cpp's n_ubatch); 0: the whole context, so that every
    /// sample is one micro-batch. A smaller value bounds llama.cpp's compute buffers; a longer
    /// sample is then decoded in several micro-batches (see the file comment).
    std::size_t micro_batch = 0;
    /// llama.cpp's threads; 0: the machine's cores.
    int threads = 0;
    /// Layers offloaded to a GPU backend where llama.cpp has one (0: CPU only).
    int gpu_layers = 0;
    /// Keys and values cached as F32 (llama.cpp's default is F16, which costs parity).
    bool f32_cache = true;
    /// Only llama.cpp's errors are logged (llama_log_set is process-wide).
    bool quiet = true;
    /// Samples whose prefixes encode_prefixes may keep in the KV cache at once (0: no prefix
    /// cache). Each has a stream of `context` cells of its own. A larger batch is held in host
    /// memory and restored this many samples at a time (see the file comment). At most 255
    /// (llama.cpp's limit of 256 sequences, one of them for full forwards).
    std::size_t cached_sequences = 0;
};

/// One sample's prefix, made by a reward_model's encode_prefixes: its tokens and either the
/// llama.cpp sequence that holds all of them but the last (resident) or their saved KV state in
/// host memory (host-held; copies of the cache share it).
class cached_prefix {
public:
    cached_prefix() = default;
    /// The sample's tokens (the last one is decoded again by every score_cached).
    std::span<const std::int32_t> tokens() const noexcept { return tokens_; }
    /// True where the prefix is held in host memory rather than in a KV-cache sequence.
    bool host_held() const noexcept { return host_held_; }
    /// Bytes of host memory the prefix's saved state takes (0 for a resident prefix, or a prefix
    /// of no tokens).
    std::size_t host_bytes() const noexcept { return state_ ? state_->size() : 0; }

private:
    friend class reward_model;
    std::vector<std::int32_t> tokens_;
    std::int32_t sequence_ = 0;  // resident: the sequence holding the prefix
    bool host_held_ = false;
    std::shared_ptr<const std::vector<std::uint8_t>> state_;  // host-held: llama_state_seq_get_data's bytes
    std::uint64_t generation_ = 0;                            // which encode_prefixes made it (0: none)
    const void* owner_ = nullptr;
};

class reward_model {
public:
    /// Loads the GGUF reward model at `gguf`; samples become ids with `format`.
    reward_model(const std::filesystem::path& gguf, sample_format format, const source_options& options = {})
        : info_(read_gguf_reward_info(gguf)),
          layout_(llama_site_layout(info_.config)),
          format_(std::make_shared<const sample_format>(std::move(format))),
          options_(options),
          hook_(std::make_unique<eval_hook>(info_.config, layout_)) {
        load(gguf);
    }

    /// Loads the GGUF reward model at `gguf`, with the tokenizer and chat template of the Hugging
    /// Face directory it was converted from.
    reward_model(const std::filesystem::path& gguf, const std::filesystem::path& hf_directory,
                 const source_options& options = {}, const sample_format_options& format_options = {})
        : reward_model(gguf, load_sample_format(hf_directory, format_options), options) {}

    reward_model(const reward_model&) = delete;
    reward_model& operator=(const reward_model&) = delete;
    ~reward_model() = default;

    /// The shape read from the GGUF (model_type, sizes, bias flags).
    const llama_config& config() const noexcept { return info_.config; }
    const site_layout& layout() const noexcept { return layout_; }
    /// reward = score_head() · final-norm hidden state of the last token.
    std::span<const float> score_head() const noexcept { return info_.score_head; }
    const sample_format& format() const noexcept { return *format_; }
    const source_options& options() const noexcept { return options_; }
    /// The longest sample, in tokens, and the micro-batch size the context was made with.
    std::size_t context_tokens() const noexcept { return context_; }
    std::size_t micro_batch_tokens() const noexcept { return micro_batch_; }
    /// llama.cpp's model and context (owned by this object).
    llama_model* model() const noexcept { return model_.get(); }
    llama_context* context() const noexcept { return context_ptr_.get(); }
    /// The most samples whose prefixes encode_prefixes keeps at once.
    std::size_t cached_sequences() const noexcept { return options_.cached_sequences; }
    /// The hook's count of nodes it read or wrote (tests and benches).
    const eval_hook& hook() const noexcept { return *hook_; }

    /// The ids run for a sample: the format's ids without trailing padding, checked.
    std::vector<std::int32_t> encode(const sample& s) const {
        std::vector<std::int32_t> ids;
        format_->encode(s, ids);
        std::size_t n = ids.size();
        if (info_.pad_token_id)
            while (n > 0 && ids[n - 1] == *info_.pad_token_id) --n;
        ids.resize(n);
        check_tokens(ids);
        return ids;
    }

    /// Refuses an empty sequence, one longer than context_tokens(), or an id outside the vocabulary.
    void check_tokens(std::span<const std::int32_t> ids) const {
        if (ids.empty()) throw error("a sample encodes to no tokens (or only padding tokens)");
        if (ids.size() > context_)
            throw error("a sample of " + std::to_string(ids.size()) + " tokens exceeds the context of " +
                        std::to_string(context_) + " tokens the llama.cpp source was made with");
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= info_.config.vocab_size)
                throw error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                            " is outside the vocabulary (" + std::to_string(info_.config.vocab_size) + " tokens)");
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

    /// The reward of each sample with `intervention` applied during the forward pass.
    template <Intervention I>
    void score(std::span<const sample> batch, const I& intervention, std::span<float> rewards) const {
        if (batch.size() != rewards.size())
            throw error("score: " + std::to_string(batch.size()) + " samples but room for " +
                        std::to_string(rewards.size()) + " rewards");
        const auto ids = encode_all(batch);
        for (std::size_t b = 0; b < batch.size(); ++b) rewards[b] = score_tokens(ids[b], intervention);
    }

    /// The plain reward of one sample.
    float score(const sample& s) const { return score_tokens(encode(s)); }

    /// The reward of a token sequence (checked, run as given) with `intervention` applied.
    template <Intervention I = no_intervention>
    float score_tokens(std::span<const std::int32_t> ids, const I& intervention = {}) const {
        check_tokens(ids);
        std::lock_guard lock(*mutex_);
        std::vector<char> touched;
        const pass_guard guard(*hook_);
        set_pin(intervention, touched);
        return run(ids);
    }

    /// The last-token activations of every wanted site (wanted[s] != 0) for a token sequence, at
    /// layout offsets in `out` (layout().neurons() floats; other sites are left as they are).
    /// Returns the plain reward.
    float collect_tokens(std::span<const std::int32_t> ids, const std::vector<char>& wanted,
                         std::span<float> out) const {
        check_tokens(ids);
        if (wanted.size() != layout_.size() || out.size() != layout_.neurons())
            throw error("collect_tokens: wrong sizes of the wanted sites or the output");
        std::lock_guard lock(*mutex_);
        const pass_guard guard(*hook_);
        hook_->set_capture(&wanted, out.data());
        return run(ids);
    }

    // --- prefix cache -------------------------------------------------------------------------

    /// Decodes every sample's tokens but the last once (replacing the prefixes of the previous
    /// call) and returns one cache per sample: each prefix in a KV-cache sequence of its own where
    /// the batch has at most cached_sequences() samples, otherwise saved in host memory (see the
    /// file comment).
    std::vector<cached_prefix> encode_prefixes(std::span<const sample> batch) const {
        if (options_.cached_sequences == 0)
            throw error("encode_prefixes: the llama.cpp source was made without a prefix cache "
                        "(source_options::cached_sequences is 0)");
        auto ids = encode_all(batch);
        std::lock_guard lock(*mutex_);
        clear_cached_sequences();
        ++generation_;
        const bool host_held = batch.size() > options_.cached_sequences;
        std::vector<cached_prefix> caches(batch.size());
        const pass_guard guard(*hook_);
        for (std::size_t b = 0; b < batch.size(); ++b) {
            cached_prefix& c = caches[b];
            c.tokens_ = std::move(ids[b]);
            c.generation_ = generation_;
            c.owner_ = this;
            const auto prefix = std::span<const std::int32_t>(c.tokens_).first(c.tokens_.size() - 1);
            if (!host_held) {
                c.sequence_ = static_cast<std::int32_t>(b + 1);
                decode(prefix, c.sequence_, false);
            } else {
                c.host_held_ = true;
                if (!prefix.empty()) c.state_ = save_prefix(prefix, b);
            }
        }
        return caches;
    }

    /// The reward of each cached sample under a last-token intervention: only the last tokens are
    /// decoded, over the cached prefixes (host-held ones restored first, a chunk at a time). An
    /// all-positions intervention is an error, as is a cache from another model or an earlier
    /// encode_prefixes.
    template <Intervention I>
    void score_cached(std::span<const cached_prefix> caches, const I& intervention, std::span<float> rewards) const {
        if (caches.size() != rewards.size())
            throw error("score_cached: " + std::to_string(caches.size()) + " caches but room for " +
                        std::to_string(rewards.size()) + " rewards");
        if (intervention.mode() != positions::last_token)
            throw error("score_cached: an all-positions intervention changes the cached prefix; "
                        "score it with a full forward (score over the caches or the samples does)");
        std::lock_guard lock(*mutex_);
        for (const auto& c : caches) check_cache(c);
        std::vector<char> touched;
        const pass_guard guard(*hook_);
        set_pin(intervention, touched);
        llama_context* ctx = context_ptr_.get();
        llama_batch& batch = batch_->batch;
        // one encode_prefixes made all the caches (check_cache), so they are all resident or all held
        const bool host_held = !caches.empty() && caches.front().host_held_;
        const std::size_t chunk = host_held ? std::min(options_.cached_sequences, micro_batch_) : micro_batch_;
        for (std::size_t first = 0; first < caches.size(); first += chunk) {
            const std::size_t count = std::min(chunk, caches.size() - first);
            const auto part = caches.subspan(first, count);
            int status = 0;
            try {
                if (host_held) restore_prefixes(part, first);
                batch.n_tokens = static_cast<std::int32_t>(count);
                for (std::size_t i = 0; i < count; ++i) {
                    const cached_prefix& c = part[i];
                    batch.token[i] = c.tokens_.back();
                    batch.pos[i] = static_cast<llama_pos>(c.tokens_.size() - 1);
                    batch.n_seq_id[i] = 1;
                    batch.seq_id[i][0] = sequence_in_chunk(c, i);
                    batch.logits[i] = 1;
                }
                hook_->set_last_tokens(count);
                status = llama_decode(ctx, batch);
            } catch (...) {
                drop_last_tokens(part);
                throw;
            }
            drop_last_tokens(part);
            check_decode(status);
            for (std::size_t i = 0; i < count; ++i)
                rewards[first + i] = reward_of(llama_get_embeddings_ith(ctx, static_cast<std::int32_t>(i)));
        }
    }

    /// The reward of each cached sample under `intervention`, by the cheapest exact path: the
    /// cached last tokens for positions::last_token, a full forward for positions::all.
    template <Intervention I>
    void score(std::span<const cached_prefix> caches, const I& intervention, std::span<float> rewards) const {
        if (intervention.mode() == positions::last_token) return score_cached(caches, intervention, rewards);
        if (caches.size() != rewards.size())
            throw error("score: " + std::to_string(caches.size()) + " caches but room for " +
                        std::to_string(rewards.size()) + " rewards");
        for (std::size_t b = 0; b < caches.size(); ++b) rewards[b] = score_tokens(caches[b].tokens(), intervention);
    }

private:
    struct llama_model_deleter {
        void operator()(llama_model* m) const noexcept { llama_model_free(m); }
    };
    struct llama_context_deleter {
        void operator()(llama_context* c) const noexcept { llama_free(c); }
    };
    /// Clears the hook's pass when a run ends, normally or by an exception.
    struct pass_guard {
        eval_hook& hook;
        explicit pass_guard(eval_hook& h) : hook(h) {}
        pass_guard(const pass_guard&) = delete;
        pass_guard& operator=(const pass_guard&) = delete;
        ~pass_guard() { hook.clear(); }
    };

    /// Hands the intervention to the hook for the sites it touches (`touched` must outlive the pass).
    template <class I>
    void set_pin(const I& intervention, std::vector<char>& touched) const {
        touched.assign(layout_.size(), 0);
        bool any = false;
        for (std::size_t s = 0; s < layout_.size(); ++s) {
            touched[s] = intervention.touches(s) ? 1 : 0;
            any = any || touched[s];
        }
        if (any) hook_->set_pin(&intervention, &apply_erased<I>, intervention.mode(), &touched);
    }

    /// The sequence a cache's last token is decoded in: its own (resident), or the chunk's i-th
    /// (host-held, restored there).
    static llama_seq_id sequence_in_chunk(const cached_prefix& c, std::size_t i) noexcept {
        return c.host_held_ ? static_cast<llama_seq_id>(i + 1) : static_cast<llama_seq_id>(c.sequence_);
    }

    /// Empties the sequences of the prefix cache (1 .. cached_sequences).
    void clear_cached_sequences() const {
        llama_memory_t memory = llama_get_memory(context_ptr_.get());
        for (std::size_t q = 1; q <= options_.cached_sequences; ++q)
            llama_memory_seq_rm(memory, static_cast<llama_seq_id>(q), -1, -1);
    }

    /// Decodes `prefix` (sample `b` of the batch) into the working sequence 1, saves that
    /// sequence's state into a host buffer and clears the sequence. The mutex is held.
    std::shared_ptr<const std::vector<std::uint8_t>> save_prefix(std::span<const std::int32_t> prefix,
                                                                 std::size_t b) const {
        llama_context* ctx = context_ptr_.get();
        constexpr llama_seq_id working = 1;
        auto state = std::make_shared<std::vector<std::uint8_t>>();
        std::size_t saved = 0;
        try {
            decode(prefix, working, false);
            state->resize(llama_state_seq_get_size(ctx, working));
            if (!state->empty()) saved = llama_state_seq_get_data(ctx, state->data(), state->size(), working);
        } catch (...) {
            llama_memory_seq_rm(llama_get_memory(ctx), working, -1, -1);
            throw;
        }
        llama_memory_seq_rm(llama_get_memory(ctx), working, -1, -1);
        if (saved == 0 || saved > state->size())
            throw error("encode_prefixes: llama.cpp could not save the prefix of sample " + std::to_string(b) +
                        " of the batch (llama_state_seq_get_data)");
        state->resize(saved);
        return state;
    }

    /// Restores each host-held prefix of `part` (caches `first` ... of the call) into the chunk's
    /// sequences 1, 2, ...; a prefix of no tokens leaves its sequence empty. The mutex is held.
    void restore_prefixes(std::span<const cached_prefix> part, std::size_t first) const {
        llama_context* ctx = context_ptr_.get();
        for (std::size_t i = 0; i < part.size(); ++i) {
            const cached_prefix& c = part[i];
            if (!c.state_) continue;
            if (llama_state_seq_set_data(ctx, c.state_->data(), c.state_->size(), sequence_in_chunk(c, i)) == 0)
                throw error("score_cached: llama.cpp could not restore the cached prefix of sample " +
                            std::to_string(first + i) + " (llama_state_seq_set_data)");
        }
    }

    /// After a chunk of score_cached: clears the restored sequences of host-held caches, and drops
    /// the last token from the sequences of resident ones (their prefixes stay).
    void drop_last_tokens(std::span<const cached_prefix> part) const noexcept {
        llama_memory_t memory = llama_get_memory(context_ptr_.get());
        for (std::size_t i = 0; i < part.size(); ++i) {
            const cached_prefix& c = part[i];
            const llama_pos from = c.host_held_ ? -1 : static_cast<llama_pos>(c.tokens_.size() - 1);
            llama_memory_seq_rm(memory, sequence_in_chunk(c, i), from, -1);
        }
    }

    void check_cache(const cached_prefix& c) const {
        if (c.owner_ == nullptr) throw error("prefix cache is empty (make it with encode_prefixes)");
        if (c.owner_ != this) throw error("prefix cache was made by another model");
        if (c.generation_ != generation_)
            throw error("prefix cache is stale: a later encode_prefixes replaced the cached prefixes");
    }

    template <class I>
    static void apply_erased(const void* intervention, std::size_t site, activation_view<float> view) {
        static_cast<const I*>(intervention)->apply(site, view);
    }

    static void quiet_log(ggml_log_level level, const char* text, void*) {
        if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
    }

    void load(const std::filesystem::path& gguf) {
        static std::once_flag backend_ready;
        std::call_once(backend_ready, [] { llama_backend_init(); });
        if (options_.quiet) llama_log_set(&quiet_log, nullptr);

        llama_model_params model_params = llama_model_default_params();
        model_params.n_gpu_layers = options_.gpu_layers;
        model_.reset(llama_model_load_from_file(gguf.string().c_str(), model_params));
        if (!model_) throw error(gguf.string() + ": llama.cpp could not load the model");
        if (static_cast<std::size_t>(llama_model_n_embd(model_.get())) != info_.config.hidden_size)
            throw error(gguf.string() + ": llama.cpp's embedding size differs from the metadata's");

        if (options_.cached_sequences > max_cached_sequences)
            throw error("source_options::cached_sequences is " + std::to_string(options_.cached_sequences) +
                        "; llama.cpp keeps 256 sequences at most, one of them for full forwards (at most " +
                        std::to_string(max_cached_sequences) + ")");
        context_ = options_.context != 0 ? options_.context
                                         : std::min<std::size_t>(info_.config.max_position_embeddings, 4096);
        micro_batch_ = options_.micro_batch != 0 ? std::min(options_.micro_batch, context_) : context_;
        const unsigned cores = std::thread::hardware_concurrency();
        const int threads = options_.threads > 0 ? options_.threads : static_cast<int>(cores == 0 ? 1 : cores);

        llama_context_params params = llama_context_default_params();
        params.n_ctx = static_cast<std::uint32_t>(context_ * (1 + options_.cached_sequences));
        params.n_batch = static_cast<std::uint32_t>(micro_batch_);
        params.n_ubatch = static_cast<std::uint32_t>(micro_batch_);
        params.n_seq_max = static_cast<std::uint32_t>(1 + options_.cached_sequences);
        // llama.cpp reserves room for an output per sequence at least
        params.n_outputs_max = static_cast<std::uint32_t>(std::max(micro_batch_, 1 + options_.cached_sequences));
        // one stream of cells per sequence: a sequence attends over its own cells only (in one
        // unified pool, a full forward would attend, masked, over every cached prefix too)
        params.kv_unified = false;
        params.n_threads = threads;
        params.n_threads_batch = threads;
        params.embeddings = true;
        params.pooling_type = LLAMA_POOLING_TYPE_NONE;
        params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
        params.swa_full = true;
        params.no_perf = true;
        if (options_.f32_cache) {
            params.type_k = GGML_TYPE_F32;
            params.type_v = GGML_TYPE_F32;
        }
        params.cb_eval = &eval_hook::callback;
        params.cb_eval_user_data = hook_.get();
        context_ptr_.reset(llama_init_from_model(model_.get(), params));
        if (!context_ptr_) throw error(gguf.string() + ": llama.cpp could not make a context");
        batch_ = std::make_unique<batch_holder>(micro_batch_);
    }

    /// A llama_batch of up to `capacity` tokens of sequence 0.
    struct batch_holder {
        llama_batch batch;
        explicit batch_holder(std::size_t capacity)
            : batch(llama_batch_init(static_cast<std::int32_t>(capacity), 0, 1)) {}
        batch_holder(const batch_holder&) = delete;
        batch_holder& operator=(const batch_holder&) = delete;
        ~batch_holder() { llama_batch_free(batch); }
    };

    /// Decodes `ids` as sequence 0 from an empty start, micro-batch by micro-batch, and returns the
    /// reward. The hook's pins and captures are set by the caller; the mutex is held.
    float run(std::span<const std::int32_t> ids) const {
        llama_context* ctx = context_ptr_.get();
        llama_memory_seq_rm(llama_get_memory(ctx), 0, -1, -1);
        decode(ids, 0, true);
        llama_memory_seq_rm(llama_get_memory(ctx), 0, -1, -1);
        return reward_of(llama_get_embeddings_ith(ctx, -1));
    }

    /// Decodes `ids` at positions 0, 1, ... into `sequence`, one llama_decode per micro-batch,
    /// telling the hook which micro-batch holds the last token (`scored`: the last one's hidden
    /// state is kept for the reward).
    void decode(std::span<const std::int32_t> ids, std::int32_t sequence, bool scored) const {
        llama_context* ctx = context_ptr_.get();
        llama_batch& batch = batch_->batch;
        for (std::size_t first = 0; first < ids.size(); first += micro_batch_) {
            const std::size_t count = std::min(micro_batch_, ids.size() - first);
            const bool final = first + count == ids.size();
            batch.n_tokens = static_cast<std::int32_t>(count);
            for (std::size_t i = 0; i < count; ++i) {
                batch.token[i] = ids[first + i];
                batch.pos[i] = static_cast<llama_pos>(first + i);
                batch.n_seq_id[i] = 1;
                batch.seq_id[i][0] = sequence;
                batch.logits[i] = scored && final && i + 1 == count ? 1 : 0;
            }
            hook_->set_micro_batch(count, final);
            check_decode(llama_decode(ctx, batch));
        }
    }

    void check_decode(int status) const {
        if (auto failure = hook_->take_failure(); !failure.empty()) throw error("llama.cpp source: " + failure);
        if (status == 1) throw error("llama_decode found no room in the KV cache (raise source_options::context)");
        if (status != 0) throw error("llama_decode failed with status " + std::to_string(status));
    }

    float reward_of(const float* hidden) const {
        if (!hidden) throw error("llama.cpp returned no hidden state for the last token");
        double reward = 0.0;
        for (std::size_t i = 0; i < info_.score_head.size(); ++i)
            reward += static_cast<double>(info_.score_head[i]) * static_cast<double>(hidden[i]);
        return static_cast<float>(reward);
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

    template <class K>
    void collect_sites(std::span<const sample> batch, K& sink, const std::vector<char>& wanted) const {
        const auto ids = encode_all(batch);
        std::vector<float> captured(layout_.neurons());
        for (std::size_t b = 0; b < batch.size(); ++b) {
            collect_tokens(ids[b], wanted, captured);
            for (std::size_t s = 0; s < layout_.size(); ++s)
                if (wanted[s])
                    sink.put(b, s, std::span<const float>(captured.data() + layout_.offset(s), layout_[s].width));
        }
    }

    gguf_reward_info info_;
    site_layout layout_;
    std::shared_ptr<const sample_format> format_;
    source_options options_;
    std::unique_ptr<eval_hook> hook_;  // the context's cb_eval_user_data: its address never changes
    std::unique_ptr<llama_model, llama_model_deleter> model_;
    std::unique_ptr<llama_context, llama_context_deleter> context_ptr_;
    std::unique_ptr<batch_holder> batch_;
    std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
    std::size_t context_ = 0;
    std::size_t micro_batch_ = 0;
    mutable std::uint64_t generation_ = 0;                    // of the cached prefixes
    static constexpr std::size_t max_cached_sequences = 255;  // llama.cpp's LLAMA_MAX_SEQ, less sequence 0
};

static_assert(PrefixCachingSource<reward_model>);

}  // namespace cirm::llamacpp
