#pragma once
/// \file
/// eval_hook: the scheduler's eval callback (llama_context_params.cb_eval) through which the
/// llama.cpp source reads and pins sites during llama_decode.
///
/// ggml's scheduler asks the callback, node by node, whether it wants a node's data (ask phase);
/// each node it answers yes to ends a separately computed piece of the graph, after which the
/// callback sees the node's data (data phase) and anything it writes there is what the later nodes
/// read. The hook answers yes only for the nodes of the sites a pass uses (site_mapping.hpp says
/// which node is a site's), so a pass with nothing to read or pin computes the graph in one piece.
///
/// In the data phase, for the site's rows of the micro-batch (ne[0] = width, ne[1] = tokens):
///   - pin: the intervention's apply on the last row (positions::last_token, final micro-batch
///     only) or on every row (positions::all, every micro-batch);
///   - capture: the last row, in the final micro-batch, into the capture buffer.
/// Over a prefix cache (set_last_tokens) every row is the last token of its own sequence, and
/// pins act on each row alone.
/// Host buffers are read and written in place; device buffers through ggml_backend_tensor_get and
/// _set; rows whose order the GGUF conversion changed (site_mapping.hpp) go through a scratch
/// buffer in Hugging Face order. A node whose row count differs from the micro-batch's token count
/// (llama.cpp split the batch) or whose type is not F32 is an error: the hook stops the pass and
/// records the message, which the source then throws.

#include <ggml-backend.h>
#include <ggml.h>

#include <cstddef>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cirm/activation_view.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/llamacpp/site_mapping.hpp"
#include "cirm/site.hpp"

namespace cirm::llamacpp {

class eval_hook {
public:
    /// Type-erased intervention: apply and the positions it acts on.
    using apply_fn = void (*)(const void* intervention, std::size_t site, activation_view<float> view);

    eval_hook(const llama_config& config, const site_layout& layout)
        : layout_(&layout),
          has_bias_(layout.size()),
          reordered_(layout.size()),
          pinned_(layout.size()),
          captured_sites_(layout.size()) {
        for (std::size_t s = 0; s < layout.size(); ++s) {
            const auto projection = llama_projection_of(config, layout[s].kind);
            has_bias_[s] = projection.bias ? 1 : 0;
            reordered_[s] = gguf_rows_reordered(config, layout[s].kind) ? 1 : 0;
            if (reordered_[s] && !row_tables_.count(layout[s].width)) {
                auto& table = row_tables_[layout[s].width];
                table.resize(layout[s].width);
                for (std::size_t n = 0; n < table.size(); ++n) table[n] = gguf_row_of_hf_neuron(n, config.head_dim);
            }
        }
    }

    /// The function to pass as cb_eval, with this hook as cb_eval_user_data.
    static bool callback(ggml_tensor* t, bool ask, void* user_data) noexcept {
        auto* self = static_cast<eval_hook*>(user_data);
        try {
            return ask ? self->wants(t) : self->process(t);
        } catch (const std::exception& e) {
            self->failure_ = e.what();
        } catch (...) {
            self->failure_ = "unknown error in the eval callback";
        }
        return false;
    }

    // --- the pass to run next (set by the source before llama_decode) ---------------------------

    /// Pins sites with `intervention` (nullptr: no pin); `touched[s]` says which sites it changes.
    void set_pin(const void* intervention, apply_fn apply, positions mode, const std::vector<char>* touched) {
        intervention_ = intervention;
        apply_ = apply;
        mode_ = mode;
        for (std::size_t s = 0; s < pinned_.size(); ++s) pinned_[s] = intervention && (*touched)[s] ? 1 : 0;
        refresh();
    }
    /// Captures the last-token rows of the sites with wanted[s] != 0 into `out` (layout offsets).
    void set_capture(const std::vector<char>* wanted, float* out) {
        for (std::size_t s = 0; s < captured_sites_.size(); ++s) captured_sites_[s] = wanted && (*wanted)[s] ? 1 : 0;
        capture_ = out;
        refresh();
    }
    /// Clears pins and captures.
    void clear() {
        set_pin(nullptr, nullptr, positions::last_token, nullptr);
        set_capture(nullptr, nullptr);
    }
    /// The next llama_decode computes one micro-batch of `tokens` tokens; `final` when it holds the
    /// sequence's last token.
    void set_micro_batch(std::size_t tokens, bool final) noexcept {
        batch_tokens_ = tokens;
        final_ = final;
        rows_are_last_tokens_ = false;
    }
    /// The next llama_decode computes the last tokens of `tokens` sequences over their cached
    /// prefixes, one row each: pins and captures act on every row, each as its sequence's last
    /// token (a last-token intervention is applied to each row as a one-token view).
    void set_last_tokens(std::size_t tokens) noexcept {
        batch_tokens_ = tokens;
        final_ = true;
        rows_are_last_tokens_ = true;
    }

    /// The error of the last pass, empty if none; take_failure clears it.
    std::string take_failure() { return std::exchange(failure_, std::string()); }
    /// Nodes whose data the hook read or wrote since the last reset_count (for tests and benches).
    std::size_t nodes_seen() const noexcept { return nodes_seen_; }
    void reset_count() const noexcept { nodes_seen_ = 0; }

private:
    static constexpr long not_a_site = -1;

    void refresh() {
        any_ = false;
        for (std::size_t s = 0; s < pinned_.size(); ++s) any_ = any_ || pinned_[s] || captured_sites_[s];
    }

    /// The site of a projection parameter (weight or bias), or not_a_site; cached per tensor.
    long parameter_site(const ggml_tensor* parameter, bool bias) {
        const auto found = parameters_.find(parameter);
        long entry;
        if (found != parameters_.end()) {
            entry = found->second;
        } else {
            entry = not_a_site;
            if (const auto p = parse_gguf_projection_tensor(parameter->name);
                p && p->layer < layout_->size() / llama_sites_per_layer)
                entry = static_cast<long>(2 * llama_site_index(p->layer, p->kind) + (p->bias ? 1 : 0));
            parameters_.emplace(parameter, entry);
        }
        if (entry == not_a_site || (entry % 2 == 1) != bias) return not_a_site;
        return entry / 2;
    }

    /// The site whose activation node `t` is, or not_a_site.
    long site_of(const ggml_tensor* t) {
        if (t->op == GGML_OP_MUL_MAT && t->src[0]) {
            const long s = parameter_site(t->src[0], false);
            return s != not_a_site && !has_bias_[static_cast<std::size_t>(s)] ? s : not_a_site;
        }
        if (t->op == GGML_OP_ADD && t->src[0] && t->src[1] && t->src[0]->op == GGML_OP_MUL_MAT && t->src[0]->src[0]) {
            const long s = parameter_site(t->src[0]->src[0], false);
            if (s == not_a_site || !has_bias_[static_cast<std::size_t>(s)]) return not_a_site;
            return parameter_site(t->src[1], true) == s ? s : not_a_site;
        }
        return not_a_site;
    }

    bool wants(const ggml_tensor* t) {
        if (!any_) return false;
        const long s = site_of(t);
        if (s == not_a_site) return false;
        const auto site = static_cast<std::size_t>(s);
        return (pinned_[site] && (mode_ == positions::all || final_)) || (final_ && captured_sites_[site]);
    }

    bool process(ggml_tensor* t) {
        const long s = site_of(t);
        if (s == not_a_site) return true;
        const auto site = static_cast<std::size_t>(s);
        ++nodes_seen_;
        const std::size_t width = (*layout_)[site].width;
        if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t) || t->ne[2] != 1 || t->ne[3] != 1 ||
            static_cast<std::size_t>(t->ne[0]) != width)
            return fail("site '" + (*layout_)[site].name + "': llama.cpp's node '" + t->name +
                        "' is not a contiguous F32 matrix of width " + std::to_string(width));
        const auto rows = static_cast<std::size_t>(t->ne[1]);
        if (rows != batch_tokens_)
            return fail("site '" + (*layout_)[site].name + "': llama.cpp computed " + std::to_string(rows) +
                        " rows where the micro-batch has " + std::to_string(batch_tokens_) +
                        " tokens (it split the batch)");
        if (rows == 0) return true;
        if (rows_are_last_tokens_) {
            if (pinned_[site])
                for (std::size_t r = 0; r < rows; ++r) pin_rows(t, site, r, 1);
            return true;
        }
        if (pinned_[site] && (mode_ == positions::all || final_)) {
            const std::size_t first = mode_ == positions::all ? 0 : rows - 1;
            pin_rows(t, site, first, rows - first);
        }
        if (final_ && captured_sites_[site]) {
            float* out = capture_ + layout_->offset(site);
            read_rows(t, site, rows - 1, 1, out);
        }
        return true;
    }

    bool fail(std::string message) {
        failure_ = std::move(message);
        return false;
    }

    static bool on_host(const ggml_tensor* t) { return t->buffer == nullptr || ggml_backend_buffer_is_host(t->buffer); }

    void pin_rows(ggml_tensor* t, std::size_t site, std::size_t first, std::size_t count) {
        const std::size_t width = (*layout_)[site].width;
        if (on_host(t) && !reordered_[site]) {
            float* data = static_cast<float*>(t->data) + first * width;
            apply_(intervention_, site, make_view(data, count, width));
            return;
        }
        pin_scratch_.resize(count * width);
        read_rows(t, site, first, count, pin_scratch_.data());
        apply_(intervention_, site, make_view(pin_scratch_.data(), count, width));
        write_rows(t, site, first, count, pin_scratch_.data());
    }

    /// Copies rows [first, first + count) of the node into `out` in Hugging Face neuron order.
    void read_rows(const ggml_tensor* t, std::size_t site, std::size_t first, std::size_t count, float* out) {
        const std::size_t width = (*layout_)[site].width;
        const float* rows;
        if (on_host(t)) {
            rows = static_cast<const float*>(t->data) + first * width;
        } else {
            raw_.resize(count * width);
            ggml_backend_tensor_get(t, raw_.data(), first * width * sizeof(float), count * width * sizeof(float));
            rows = raw_.data();
        }
        if (!reordered_[site]) {
            std::memcpy(out, rows, count * width * sizeof(float));
            return;
        }
        const std::size_t* gguf_row = row_tables_.at(width).data();
        for (std::size_t r = 0; r < count; ++r)
            for (std::size_t n = 0; n < width; ++n) out[r * width + n] = rows[r * width + gguf_row[n]];
    }

    /// Writes rows in Hugging Face neuron order back into rows [first, first + count) of the node.
    void write_rows(ggml_tensor* t, std::size_t site, std::size_t first, std::size_t count, const float* in) {
        const std::size_t width = (*layout_)[site].width;
        const bool host = on_host(t);
        float* rows;
        if (host) {
            rows = static_cast<float*>(t->data) + first * width;
        } else {
            raw_.resize(count * width);
            rows = raw_.data();
        }
        if (!reordered_[site]) {
            std::memcpy(rows, in, count * width * sizeof(float));
        } else {
            const std::size_t* gguf_row = row_tables_.at(width).data();
            for (std::size_t r = 0; r < count; ++r)
                for (std::size_t n = 0; n < width; ++n) rows[r * width + gguf_row[n]] = in[r * width + n];
        }
        if (!host) ggml_backend_tensor_set(t, rows, first * width * sizeof(float), count * width * sizeof(float));
    }

    const site_layout* layout_;
    std::vector<char> has_bias_;   // per site: the site is the bias addition after the product
    std::vector<char> reordered_;  // per site: GGUF rows reordered within heads
    std::map<std::size_t, std::vector<std::size_t>> row_tables_;  // by width: GGUF row of each HF neuron
    std::unordered_map<const ggml_tensor*, long> parameters_;     // 2·site + is_bias, or not_a_site

    // the pass
    const void* intervention_ = nullptr;
    apply_fn apply_ = nullptr;
    positions mode_ = positions::last_token;
    std::vector<char> pinned_;
    std::vector<char> captured_sites_;
    float* capture_ = nullptr;
    bool any_ = false;
    std::size_t batch_tokens_ = 0;
    bool final_ = true;
    bool rows_are_last_tokens_ = false;

    std::vector<float> pin_scratch_, raw_;
    std::string failure_;
    mutable std::size_t nodes_seen_ = 0;  // a statistic, reset through a const source
};

}  // namespace cirm::llamacpp
