// The library from an engine that owns plain float buffers (docs/engine-integration.md).
//
// What a site's activation is. A site is the output of one linear projection of one transformer
// block, named by its Hugging Face module path; its activation at a token is that output row:
// after the projection's bias (where it has one), before RoPE for q_proj and k_proj, before the
// activation function (SiLU) for gate_proj and before the product with up_proj for up_proj.
// A Llama-family layer has seven sites, in this order, with these widths:
//
//     model.layers.L.self_attn.q_proj   num_attention_heads × head_dim
//     model.layers.L.self_attn.k_proj   num_key_value_heads × head_dim
//     model.layers.L.self_attn.v_proj   num_key_value_heads × head_dim
//     model.layers.L.self_attn.o_proj   hidden_size
//     model.layers.L.mlp.gate_proj      intermediate_size
//     model.layers.L.mlp.up_proj        intermediate_size
//     model.layers.L.mlp.down_proj      hidden_size
//
// layer by layer, L = 0, 1, …. Localization reads the last token's row of each site; the pin
// overwrites rows of the same outputs, in place, before anything downstream reads them.
//
// This program plays such an engine: a toy two-layer model that writes every projection's output
// into a tokens × width float buffer of its own and calls a hook after each. It
//   1. describes its sites in a cirm::site_layout,
//   2. writes the last-token rows of each validation sample into a cirm::activation_store,
//   3. localizes from the store and the samples' attribute values,
//   4. selects neurons (top/bottom-k) and makes a spec,
//   5. applies the spec's pin at the hook through cirm::cpu::view on the raw buffer, and prints
//      what changed,
//   6. shows that the pin refuses a spec made for an engine with other widths.
// It needs the include paths include/ and backends/cpu/include/ only (no Eigen, no xtensor).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/attributes/evaluate.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/cpu/raw.hpp"
#include "cirm/error.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"
#include "cirm/site.hpp"

namespace {

// [layout]
/// The engine's sites, in the Llama order: 4 heads of 2 (q 8), 2 key/value heads (k, v 4),
/// hidden 8, intermediate 16.
cirm::site_layout engine_layout(std::size_t layers, std::size_t intermediate = 16) {
    const std::size_t hidden = 8, kv = 4;
    std::vector<cirm::site_info> sites;
    for (std::size_t l = 0; l < layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        const int layer = static_cast<int>(l);
        sites.push_back({p + "self_attn.q_proj", layer, cirm::module_kind::q_proj, hidden});
        sites.push_back({p + "self_attn.k_proj", layer, cirm::module_kind::k_proj, kv});
        sites.push_back({p + "self_attn.v_proj", layer, cirm::module_kind::v_proj, kv});
        sites.push_back({p + "self_attn.o_proj", layer, cirm::module_kind::o_proj, hidden});
        sites.push_back({p + "mlp.gate_proj", layer, cirm::module_kind::gate_proj, intermediate});
        sites.push_back({p + "mlp.up_proj", layer, cirm::module_kind::up_proj, intermediate});
        sites.push_back({p + "mlp.down_proj", layer, cirm::module_kind::down_proj, hidden});
    }
    return cirm::site_layout(std::move(sites));
}
// [layout]

/// The toy engine: one float buffer per site (tokens × width, row-major), filled token by token
/// from the text's bytes. Two neurons carry a style signal, as a biased reward model's might:
/// neuron 3 of layer 1's up_proj grows with the text's length, neuron 2 of layer 0's o_proj with
/// its '!' count; the reward reads both at the last token.
class toy_engine {
public:
    explicit toy_engine(cirm::site_layout layout) : layout_(std::move(layout)), buffers_(layout_.size()) {}

    const cirm::site_layout& layout() const { return layout_; }

    /// Runs the text; after each site's buffer is written, calls hook(site, data, tokens, width).
    template <class Hook>
    float forward(const std::string& text, Hook&& hook) {
        const std::size_t tokens = text.size();
        for (std::size_t s = 0; s < layout_.size(); ++s) {
            const std::size_t width = layout_[s].width;
            std::vector<float>& out = buffers_[s];
            out.assign(tokens * width, 0.0f);
            std::size_t bangs = 0;
            for (std::size_t t = 0; t < tokens; ++t) {
                bangs += text[t] == '!';
                for (std::size_t n = 0; n < width; ++n)
                    out[t * width + n] = std::sin(0.37f * static_cast<float>(text[t]) + 1.3f * static_cast<float>(n) +
                                                  0.7f * static_cast<float>(s));
                if (s == length_site) out[t * width + 3] += 0.05f * static_cast<float>(t + 1);
                if (s == bang_site) out[t * width + 2] += static_cast<float>(bangs);
            }
            hook(s, out.data(), tokens, width);
        }
        const std::size_t last = tokens - 1;
        return buffers_[length_site][last * layout_[length_site].width + 3] +
               buffers_[bang_site][last * layout_[bang_site].width + 2];
    }

    /// The last token's value of one neuron, as the engine holds it now.
    float last(std::size_t site, std::size_t neuron) const {
        const std::size_t width = layout_[site].width;
        return buffers_[site][buffers_[site].size() - width + neuron];
    }

    static constexpr std::size_t bang_site = 3;        // model.layers.0.self_attn.o_proj
    static constexpr std::size_t length_site = 7 + 5;  // model.layers.1.mlp.up_proj

private:
    cirm::site_layout layout_;
    std::vector<std::vector<float>> buffers_;
};

/// Validation responses of varied lengths and '!' counts.
std::vector<std::string> validation_responses() {
    std::vector<std::string> responses;
    for (std::size_t i = 0; i < 60; ++i)
        responses.push_back(std::string(5 + (i * 7) % 23, static_cast<char>('a' + i % 26)) +
                            std::string((i * 5) % 4, '!'));
    return responses;
}

}  // namespace

int main() try {
    toy_engine engine(engine_layout(2));
    const cirm::site_layout& layout = engine.layout();
    const std::vector<std::string> responses = validation_responses();
    std::vector<cirm::sample> samples;  // views of the prompt and the responses
    for (const auto& r : responses) samples.push_back({"Q: ", r});

    // [collect]
    // One row per sample: each site's last-token activations, straight from the engine's buffer.
    cirm::activation_store store(layout, samples.size());
    std::vector<float> row;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        engine.forward(std::string(samples[i].prompt) + std::string(samples[i].response),
                       [&](std::size_t site, const float* data, std::size_t tokens, std::size_t width) {
                           row.resize(width);
                           cirm::cpu::gather_last_token(cirm::cpu::view(data, tokens, width, width), row);
                           store.put(i, site, row);
                       });
    }
    // [collect]

    // [localize]
    const std::vector<std::string> names{"length", "exclamation"};
    const auto attributes = cirm::make_attributes(names);
    const cirm::localization loc =
        cirm::localize(store, cirm::evaluate_attributes(samples, attributes), cirm::hash_samples(samples));
    // [localize]
    std::printf("localized %zu samples x %zu neurons x %zu attributes\n", loc.table.samples, loc.table.neurons,
                loc.table.biases());

    // [select]
    const std::vector<std::size_t> k{1, 1};  // k per attribute: its top 1 and bottom 1 neurons
    const cirm::selection chosen = cirm::spearman_top_bottom_k{}.select(loc.table, k);
    const cirm::spec spec = cirm::make_spec(loc.layout, loc.table, chosen, k, {.data_hash = loc.data_hash});
    // [select]
    std::printf("the spec pins %zu of %zu neurons:\n", spec.edited(), spec.provenance.total_neurons);
    for (const auto& site : spec.sites)
        for (std::size_t j = 0; j < site.indices.size(); ++j)
            std::printf("  %s[%lld] (width %zu) chosen by %s, rho %+.3f, pinned to its median %.4f\n",
                        site.name.c_str(), static_cast<long long>(site.indices[j]), site.width,
                        site.chosen_by[j][0].bias.c_str(), site.chosen_by[j][0].rho,
                        static_cast<double>(site.values[j]));

    // [pin]
    const cirm::spec_pin pin(spec, layout);  // refuses a spec made for other sites or widths
    const auto apply_pin = [&](std::size_t site, float* data, std::size_t tokens, std::size_t width) {
        if (pin.touches(site)) pin.apply(site, cirm::cpu::view(data, tokens, width, width));
    };
    // [pin]

    // the same text without and with the pin
    const std::string text = "Q: What a wonderful, wonderful answer!!!";
    const auto no_hook = [](std::size_t, float*, std::size_t, std::size_t) {};
    const float plain_reward = engine.forward(text, no_hook);
    std::vector<float> before;
    for (const auto& site : spec.sites)
        for (auto index : site.indices)
            before.push_back(engine.last(layout.at(site.name), static_cast<std::size_t>(index)));
    const float pinned_reward = engine.forward(text, apply_pin);
    std::printf("at the last token of \"%s\":\n", text.c_str());
    bool all_pinned = true;
    std::size_t at = 0;
    for (const auto& site : spec.sites)
        for (std::size_t j = 0; j < site.indices.size(); ++j, ++at) {
            const float after = engine.last(layout.at(site.name), static_cast<std::size_t>(site.indices[j]));
            all_pinned = all_pinned && after == site.values[j];
            std::printf("  %s[%lld]: %.4f -> %.4f\n", site.name.c_str(), static_cast<long long>(site.indices[j]),
                        static_cast<double>(before[at]), static_cast<double>(after));
        }
    std::printf("reward: %.4f -> %.4f\n", static_cast<double>(plain_reward), static_cast<double>(pinned_reward));
    std::printf("every pinned neuron holds its value: %s\n", all_pinned ? "yes" : "no");

    // [refuse]
    // An engine whose MLP is wider: the spec was not made for it, and the pin says so.
    const cirm::site_layout wider = engine_layout(2, 24);
    try {
        const cirm::spec_pin wrong(spec, wider);
        std::printf("applied a spec made for another engine\n");
        return 1;
    } catch (const cirm::error& e) {
        std::printf("refused on a wider engine: %s\n", e.what());
    }
    // [refuse]
    return all_pinned ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "engine_buffers: %s\n", e.what());
    return 1;
}
