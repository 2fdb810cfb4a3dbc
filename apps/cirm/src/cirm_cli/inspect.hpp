#pragma once
/// \file
/// `cirm inspect`: what a model directory is and what the reward model is fed, before any work
/// runs on it — architecture, layers, sites and neurons, the tokenizer, the rendered template of
/// an example pair with its tokens and ids, and the memory the engine needs. Reads config.json,
/// the tokenizer files and the safetensors headers; loads no weights. With --engine llamacpp it
/// also names the GGUF that engine runs; a .gguf made by cirm convert is read from its header
/// (the config and tokenizer files it carries).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/llama_layout.hpp"
#include "cirm/reference/memory.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"

namespace cirm::cli {

struct inspect_options {
    common_options common;
    std::string prompt = "What is 2 + 2?";                        ///< the example pair's prompt
    std::string response = "2 + 2 = 4. Easy!\n\nAnything else?";  ///< and its response
};

/// The parameters of a Llama-family sequence classifier of this shape (embeddings, layers, the
/// final norm and the one-row score head; biases as the config says).
inline std::uint64_t llama_parameter_count(const llama_config& c) {
    const std::uint64_t h = c.hidden_size, q = c.q_width(), kv = c.kv_width(), f = c.intermediate_size;
    std::uint64_t layer = h * q + 2 * h * kv + q * h + 3 * h * f + 2 * h;
    if (c.qk_norm) layer += 2 * c.head_dim;
    if (c.sandwich_norms) layer += 2 * h;
    if (c.qkv_bias) layer += q + 2 * kv;
    if (c.o_bias) layer += h;
    if (c.mlp_bias) layer += 2 * f + h;
    return c.vocab_size * h + c.num_hidden_layers * layer + h + h;
}

/// The attention mechanisms of a config in one line: rotary base and scaling, q/k norms, the
/// logit scale and cap, the sliding window.
inline std::string describe_attention(const llama_config& c) {
    std::string text = fmt::format("rotary θ {:g}", c.rope_theta);
    switch (c.rope.type) {
        case rope_scaling::kind::none: break;
        case rope_scaling::kind::linear: text += fmt::format(", linear scaling ×{:g}", c.rope.factor); break;
        case rope_scaling::kind::llama3:
            text +=
                fmt::format(", llama3 scaling ×{:g} (low {:g}, high {:g}, original context {})", c.rope.factor,
                            c.rope.low_freq_factor, c.rope.high_freq_factor, c.rope.original_max_position_embeddings);
            break;
    }
    if (c.qk_norm) text += "; q and k normalized per head";
    text += fmt::format("; logits × {:.6g}", c.attention_scale());
    if (c.attention_softcap > 0.0) text += fmt::format(", soft-capped at {:g}", c.attention_softcap);
    if (c.sliding_window != 0) {
        std::size_t sliding = 0;
        for (char s : c.sliding_layers) sliding += s ? 1 : 0;
        text += fmt::format("; window of {} tokens on {} of {} layers", c.sliding_window, sliding, c.num_hidden_layers);
    }
    return text;
}

/// What inspect reads of a model: its config, the text of config.json, the sample format, and
/// for --engine llamacpp the GGUF it runs (a .gguf, or where an HF directory's conversion is or
/// will be cached) and that file's size (0 where it is not there yet).
struct inspected_model {
    llama_config config;
    nlohmann::json raw_config;
    sample_format format;
    std::string gguf;
    std::uint64_t gguf_bytes = 0;
};

inline inspected_model read_inspected_model(const common_options& o) {
    namespace fs = std::filesystem;
    const bool llamacpp = parse_engine(o.engine) == engine_kind::llamacpp;
    if (llamacpp && !llamacpp_available) throw error(llamacpp_missing_advice("--engine llamacpp"));
    if (is_gguf_path(o.model)) {
        if (!llamacpp)
            throw error(
                "model '" + o.model +
                "' is a GGUF file, which the reference engine does not read: inspect it with --engine llamacpp");
#if CIRM_CLI_WITH_LLAMACPP
        std::error_code ec;
        if (!fs::is_regular_file(o.model, ec)) throw error("model file '" + o.model + "' does not exist");
        const auto info = llamacpp::read_gguf_reward_info(o.model);
        const std::string* config_text = info.texts.find("config.json");
        if (!config_text)
            throw error(o.model + ": carries no config.json (metadata 'cirm.hf.config.json'; files written before cirm "
                                  "convert's format 2 lack it): convert the model again with cirm convert");
        const auto where = info.texts.where("config.json");
        return {parse_llama_config(*config_text, where), parse_strict_json(*config_text, where),
                llamacpp::gguf_sample_format(o.model, format_options_of(o)), o.model, fs::file_size(o.model)};
#endif
    }
    check_model_directory(o.model);
    const fs::path dir(o.model);
    const auto config_path = dir / "config.json";
    inspected_model m{load_llama_config(config_path), parse_strict_json(read_file(config_path), config_path.string()),
                      load_sample_format(dir, format_options_of(o)), "", 0};
#if CIRM_CLI_WITH_LLAMACPP
    if (llamacpp) {
        const auto cached = gguf_cache_directory() / gguf_cache_name(dir, llamacpp::gguf_format_version);
        std::error_code ec;
        m.gguf = cached.string();
        if (fs::is_regular_file(cached, ec)) m.gguf_bytes = fs::file_size(cached);
    }
#endif
    return m;
}

/// Runs `cirm inspect`; returns the exit code.
inline int run_inspect(const inspect_options& o, std::ostream& out, std::ostream&) {
    const auto inspected = read_inspected_model(o.common);
    const auto& config = inspected.config;
    const auto& raw = inspected.raw_config;
    const bool llamacpp = !inspected.gguf.empty();
    std::string architecture = "(config.json names none)";
    if (const auto it = raw.find("architectures");
        it != raw.end() && it->is_array() && !it->empty() && (*it)[0].is_string())
        architecture = (*it)[0].get<std::string>();
    const auto layout = llama_site_layout(config);
    const auto& format = inspected.format;
    const auto& tokenizer = format.tokenizer();
    const sample example{o.prompt, o.response};
    const auto text = format.render(example);
    const auto ids = format.encode(example);
    const auto parameters = llama_parameter_count(config);
    // the engine holds every weight as F32, plus one workspace per thread (small next to them)
    const std::uint64_t weight_bytes = parameters * 4;
    const bool fits_vocabulary = tokenizer.id_limit() <= config.vocab_size;

    if (o.common.json) {
        nlohmann::ordered_json j;
        j["model"] = o.common.model;
        j["architecture"] = architecture;
        j["engine"] = llamacpp ? "llamacpp" : "reference";
        if (llamacpp) {
            j["gguf"] = inspected.gguf;
            j["gguf_bytes"] = inspected.gguf_bytes ? nlohmann::ordered_json(inspected.gguf_bytes) : nullptr;
        }
        j["model_type"] = config.model_type;
        j["layers"] = config.num_hidden_layers;
        j["hidden_size"] = config.hidden_size;
        j["attention_heads"] = config.num_attention_heads;
        j["key_value_heads"] = config.num_key_value_heads;
        j["head_dim"] = config.head_dim;
        j["intermediate_size"] = config.intermediate_size;
        j["vocab_size"] = config.vocab_size;
        j["attention"] = describe_attention(config);
        j["sites"] = layout.size();
        j["neurons"] = layout.neurons();
        j["parameters"] = parameters;
        j["memory_bytes"] = weight_bytes;
        if (const auto available = reference::available_memory())
            j["memory_available_bytes"] = *available;
        else
            j["memory_available_bytes"] = nullptr;
        j["tokenizer"] = tokenizer.describe();
        j["tokenizer_id_limit"] = tokenizer.id_limit();
        j["template"] = format.origin();
        j["example"] = {{"prompt", o.prompt}, {"response", o.response}, {"text", text}, {"ids", ids}};
        nlohmann::ordered_json tokens = nlohmann::ordered_json::array();
        for (auto id : ids) tokens.push_back(std::string(tokenizer.token_text(id)));
        j["example"]["tokens"] = tokens;
        out << j.dump(2) << "\n";
        return fits_vocabulary ? 0 : 1;
    }

    out << fmt::format("model         {}\n", o.common.model);
    if (llamacpp)
        out << fmt::format("engine        llama.cpp, GGUF {} ({})\n", inspected.gguf,
                           inspected.gguf_bytes ? fmt::format("{} bytes", inspected.gguf_bytes)
                                                : std::string("converted from the directory on first use, F32"));
    out << fmt::format("architecture  {} (model_type {})\n", architecture, config.model_type);
    out << fmt::format("layers        {} (hidden {}, {} attention heads, {} key/value heads, head_dim {}, FFN {})\n",
                       config.num_hidden_layers, config.hidden_size, config.num_attention_heads,
                       config.num_key_value_heads, config.head_dim, config.intermediate_size);
    out << fmt::format("attention     {}\n", describe_attention(config));
    out << fmt::format("sites         {} ({} per layer: q, k, v, o, gate, up, down projections)\n", layout.size(),
                       llama_sites_per_layer);
    out << fmt::format("neurons       {} (a 2 % budget pins {})\n", layout.neurons(), layout.neurons() / 50);
    out << fmt::format("vocabulary    {} (config.json vocab_size)\n", config.vocab_size);
    out << fmt::format("tokenizer     {}\n", tokenizer.describe());
    out << fmt::format("template      {}\n", format.origin());
    if (llamacpp && inspected.gguf_bytes)
        out << fmt::format(
            "memory        {:.1f} MB for {} parameters as the GGUF stores them (llama.cpp maps the file)",
            static_cast<double>(inspected.gguf_bytes) / 1e6, parameters);
    else
        out << fmt::format("memory        {:.1f} MB for {} parameters as F32 ({} computes in F32)",
                           static_cast<double>(weight_bytes) / 1e6, parameters,
                           llamacpp ? "the converted GGUF" : "the engine");
    if (const auto available = reference::available_memory())
        out << fmt::format("; {:.1f} MB available{}", static_cast<double>(*available) / 1e6,
                           !llamacpp && *available < weight_bytes ? ": the engine would refuse to load it" : "");
    out << "\n";
    if (!fits_vocabulary)
        out << fmt::format("problem       the tokenizer produces ids up to {} but vocab_size is {}\n",
                           tokenizer.id_limit() - 1, config.vocab_size);
    out << "\nexample pair, as the model scores it:\n";
    out << "--- rendered text ---\n" << text << "\n--- end of text ---\n";
    out << fmt::format("{} tokens:\n", ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        out << fmt::format("  {:>5}  {:>8}  {}{}\n", i, ids[i],
                           nlohmann::json(std::string(tokenizer.token_text(ids[i])))
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           tokenizer.is_special(ids[i]) ? "  (special)" : "");
    return fits_vocabulary ? 0 : 1;
}

}  // namespace cirm::cli
