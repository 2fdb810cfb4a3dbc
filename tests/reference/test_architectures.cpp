// The architectures beyond Llama and Qwen2 (Llama-3.x rope scaling, Qwen3, Gemma-2) as the engine
// reads them: the fields of their config.json, the errors that name what is wrong, the tensors
// each needs, the rotary frequencies on a hand-derived case, and the memory check made before
// loading. Agreement of their forward passes with the PyTorch peer is checked on random
// checkpoints in the real configurations by test_real_configs.cpp.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace fs = std::filesystem;
using cirm::parse_llama_config;
using cirm::reference::llama_reward_model;

namespace {
const std::string arch_fixture = "tiny_llama_gqa_bf16";  // hidden 64, 4/2 heads of 16, 3 layers

/// The main fixture's config.json with `patch` merged in (a null value removes a field).
std::string config_patched(const std::string& patch) {
    auto json = nlohmann::json::parse(cirm::read_file(cirm_test::model_fixture(arch_fixture) / "config.json"));
    json.merge_patch(nlohmann::json::parse(patch));
    return json.dump();
}

/// A tensor of `shape` stored as F32, filled deterministically around `centre`.
cirm_test::owned_tensor f32_tensor(const std::string& name, std::vector<std::size_t> shape, float centre) {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    std::vector<float> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = centre + 0.05f * static_cast<float>((i * 7919) % 13) - 0.3f;
    const auto bytes = std::as_bytes(std::span<const float>(values));
    return {name, cirm::safetensors::dtype::f32, std::move(shape), std::vector<std::byte>(bytes.begin(), bytes.end())};
}

/// A copy of the main fixture with its config patched and `extra` tensors added (tensors whose
/// names are in `drop` left out).
fs::path variant(const std::string& name, const std::string& patch, const std::vector<cirm_test::owned_tensor>& extra,
                 const std::vector<std::string>& drop = {}) {
    const auto dir = cirm_test::copy_of_model(arch_fixture, name);
    cirm_test::write_text(dir / "config.json", config_patched(patch));
    auto tensors = cirm_test::read_tensors(cirm_test::model_fixture(arch_fixture) / "model.safetensors");
    for (const auto& t : extra) tensors.push_back(t);
    std::erase_if(tensors, [&](const auto& t) { return std::find(drop.begin(), drop.end(), t.name) != drop.end(); });
    cirm_test::write_tensors(dir / "model.safetensors", tensors);
    return dir;
}

std::vector<cirm_test::owned_tensor> qk_norms(std::size_t layers, std::size_t head_dim) {
    std::vector<cirm_test::owned_tensor> out;
    for (std::size_t l = 0; l < layers; ++l) {
        const auto p = "model.layers." + std::to_string(l) + ".self_attn.";
        out.push_back(f32_tensor(p + "q_norm.weight", {head_dim}, 1.0f));
        out.push_back(f32_tensor(p + "k_norm.weight", {head_dim}, 0.9f));
    }
    return out;
}

std::vector<cirm_test::owned_tensor> gemma_norms(std::size_t layers, std::size_t hidden) {
    std::vector<cirm_test::owned_tensor> out;
    for (std::size_t l = 0; l < layers; ++l) {
        const auto p = "model.layers." + std::to_string(l) + ".";
        out.push_back(f32_tensor(p + "pre_feedforward_layernorm.weight", {hidden}, 0.1f));
        out.push_back(f32_tensor(p + "post_feedforward_layernorm.weight", {hidden}, -0.1f));
    }
    return out;
}

const char* qwen3_patch =
    R"({"architectures": ["Qwen3ForSequenceClassification"], "model_type": "qwen3", "head_dim": 16,
                             "use_sliding_window": false, "sliding_window": null, "max_window_layers": 3})";
const char* gemma2_patch =
    R"({"architectures": ["Gemma2ForSequenceClassification"], "model_type": "gemma2", "head_dim": 16,
    "hidden_act": null, "hidden_activation": "gelu_pytorch_tanh", "query_pre_attn_scalar": 24,
    "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "sliding_window": 4})";

/// `base` with the fields of `extra` merged over it.
std::string merged(const char* base, const std::string& extra) {
    auto json = nlohmann::json::parse(base);
    json.merge_patch(nlohmann::json::parse(extra));
    return json.dump();
}

std::vector<float> rewards_for(const llama_reward_model& model, const std::vector<cirm::sample>& samples) {
    std::vector<float> r(samples.size());
    model.score(samples, cirm::no_intervention{}, r);
    return r;
}

std::vector<cirm::sample> long_samples() {
    return {{"What is 2+2?", "4"},
            {"Write a list.", "- one\n- two\n- three\n\nThat is all I have to say about lists, really."},
            {"Say hi.", "Hello! **Hi** there!!\n\nHow are you?"}};
}
}  // namespace

TEST_CASE("rope_scaling of type llama3 gives the banded frequencies derived by hand") {
    // head_dim 8, θ 10000: base frequencies 10000^(−2i/8) = 1, 0.1, 0.01, 0.001, wavelengths
    // 2π/f = 6.283, 62.83, 628.3, 6283. With original context 1000, low_freq_factor 1 and
    // high_freq_factor 4, wavelengths above 1000/1 = 1000 are divided by the factor 8 and those
    // below 1000/4 = 250 are kept:
    //   i = 0, 1: kept (1, 0.1);  i = 3: 0.001 / 8 = 1.25e-4;
    //   i = 2 (628.3 in [250, 1000]): smooth = (1000/628.32 − 1)/(4 − 1) = 0.197183;
    //          f = (1 − 0.197183)·0.01/8 + 0.197183·0.01 = 0.0010035 + 0.0019718 = 0.0029754.
    cirm::rope_scaling llama3;
    llama3.type = cirm::rope_scaling::kind::llama3;
    llama3.factor = 8.0;
    llama3.low_freq_factor = 1.0;
    llama3.high_freq_factor = 4.0;
    llama3.original_max_position_embeddings = 1000;
    const auto f = cirm::rotary_inverse_frequencies(8, 10000.0, llama3);
    REQUIRE(f.size() == 4);
    CHECK(f[0] == Approx(1.0).epsilon(1e-6));
    CHECK(f[1] == Approx(0.1).epsilon(1e-6));
    CHECK(f[2] == Approx(0.0029754).epsilon(1e-4));
    CHECK(f[3] == Approx(0.000125).epsilon(1e-5));
    cirm::rope_scaling linear;
    linear.type = cirm::rope_scaling::kind::linear;
    linear.factor = 4.0;
    const auto g = cirm::rotary_inverse_frequencies(8, 10000.0, linear);
    CHECK(g[1] == Approx(0.025).epsilon(1e-6));
    CHECK(cirm::rotary_inverse_frequencies(8, 10000.0, {})[2] == Approx(0.01).epsilon(1e-6));
}

TEST_CASE("Llama-3.1 rope_scaling is read from either key and other types are refused by name") {
    const auto c = parse_llama_config(config_patched(R"({"rope_theta": 500000.0, "rope_scaling": {"factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192,
        "rope_type": "llama3"}})"));
    CHECK(c.rope.type == cirm::rope_scaling::kind::llama3);
    CHECK(c.rope.factor == 8.0);
    CHECK(c.rope.high_freq_factor == 4.0);
    CHECK(c.rope.original_max_position_embeddings == 8192);
    CHECK(c.rope_theta == 500000.0);
    // Older files write "type"; newer ones rope_parameters, which also carries rope_theta.
    CHECK(parse_llama_config(config_patched(R"({"rope_scaling": {"type": "linear", "factor": 2.0}})")).rope.type ==
          cirm::rope_scaling::kind::linear);
    const auto p = parse_llama_config(config_patched(R"({"rope_theta": null, "rope_parameters":
        {"rope_type": "default", "rope_theta": 1000000.0}})"));
    CHECK(p.rope.type == cirm::rope_scaling::kind::none);
    CHECK(p.rope_theta == 1000000.0);
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"rope_scaling": {"rope_type": "yarn", "factor": 4.0}})")),
                      Catch::Contains("rope type 'yarn' is not supported"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"rope_scaling": {"rope_type": "dynamic", "factor": 2}})")),
                      Catch::Contains("rope type 'dynamic' is not supported"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0}})")),
                      Catch::Contains("missing field 'low_freq_factor'"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"rope_scaling": {"factor": 8.0}})")),
                      Catch::Contains("no 'rope_type'"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0,
        "low_freq_factor": 4.0, "high_freq_factor": 1.0, "original_max_position_embeddings": 8192}})")),
                      Catch::Contains("high_freq_factor must be above low_freq_factor"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"partial_rotary_factor": 0.5})")),
                      Catch::Contains("'partial_rotary_factor' is 0.5"));
}

TEST_CASE("Qwen3 and Gemma-2 configs give their mechanisms") {
    const auto q = parse_llama_config(config_patched(merged(qwen3_patch, R"({"head_dim": 32})")));
    CHECK(q.model_type == "qwen3");
    CHECK(q.qk_norm);
    CHECK(q.head_dim == 32);
    CHECK(q.q_width() == 128);  // 4 heads of 32 on a hidden size of 64
    CHECK_FALSE(q.qkv_bias);    // unlike Qwen2: attention_bias, default false
    CHECK_FALSE(q.sandwich_norms);
    CHECK(q.sliding_window == 0);

    const auto g = parse_llama_config(config_patched(gemma2_patch));
    CHECK(g.model_type == "gemma2");
    CHECK(g.activation == cirm::mlp_activation::gelu_tanh);
    CHECK(g.norm_adds_one);
    CHECK(g.sandwich_norms);
    CHECK(g.scale_embeddings);
    CHECK_FALSE(g.qk_norm);
    CHECK(g.attention_scale() == Approx(1.0 / std::sqrt(24.0)));
    CHECK(g.attention_softcap == 50.0);
    CHECK(g.sliding_window == 4);
    CHECK(g.sliding_layers == std::vector<char>{1, 0, 1});  // the even layers slide
    CHECK(g.slides(0));
    CHECK_FALSE(g.slides(1));
    const auto typed = parse_llama_config(config_patched(
        merged(gemma2_patch, R"({"layer_types": ["full_attention", "sliding_attention", "full_attention"]})")));
    CHECK(typed.sliding_layers == std::vector<char>{0, 1, 0});
}

TEST_CASE("absent Qwen3 and Gemma-2 fields take their config classes' defaults, null turns a Gemma-2 mechanism off") {
    // Gemma2Config: head_dim 256, query_pre_attn_scalar 256, attn_logit_softcapping 50,
    // sliding_window 4096; Qwen3Config: head_dim 128.
    const auto g = parse_llama_config(config_patched(R"({"model_type": "gemma2", "hidden_act": null})"));
    CHECK(g.head_dim == 256);
    CHECK(g.attention_scale() == Approx(1.0 / 16.0));
    CHECK(g.attention_softcap == 50.0);
    CHECK(g.sliding_window == 4096);
    // (a merge patch would delete null fields: write them into the JSON itself)
    auto nulls = nlohmann::json::parse(config_patched(R"({"model_type": "gemma2", "hidden_act": null})"));
    nulls["attn_logit_softcapping"] = nullptr;
    nulls["sliding_window"] = nullptr;
    const auto off = parse_llama_config(nulls.dump());
    CHECK(off.attention_softcap == 0.0);
    CHECK(off.sliding_window == 0);
    CHECK_FALSE(off.slides(0));
    CHECK(parse_llama_config(config_patched(R"({"model_type": "qwen3"})")).head_dim == 128);
}

TEST_CASE("bad Llama-3, Qwen3 and Gemma-2 configs are refused by name") {
    CHECK_THROWS_WITH(parse_llama_config(config_patched(merged(gemma2_patch, R"({"hidden_activation": "gelu"})"))),
                      Catch::Contains("hidden_activation 'gelu' is not supported for gemma2"));
    CHECK_THROWS_WITH(
        parse_llama_config(config_patched(
            merged(gemma2_patch, R"({"layer_types": ["full_attention", "chunked_attention", "full_attention"]})"))),
        Catch::Contains("'layer_types' entry 1 is \"chunked_attention\""));
    CHECK_THROWS_WITH(
        parse_llama_config(config_patched(merged(gemma2_patch, R"({"layer_types": ["full_attention"]})"))),
        Catch::Contains("'layer_types' must list one type per layer (3)"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"model_type": "qwen3", "use_sliding_window": true})")),
                      Catch::Contains("'use_sliding_window' is true"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(
                          R"({"layer_types": ["sliding_attention", "full_attention", "full_attention"]})")),
                      Catch::Contains("makes layer 0 sliding_attention"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"attn_logit_softcapping": 50.0})")),
                      Catch::Contains("'attn_logit_softcapping' is set; it is implemented for gemma2 only"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"model_type": "qwen3", "hidden_act": "gelu"})")),
                      Catch::Contains("hidden_act 'gelu' is not supported for qwen3"));
    CHECK_THROWS_WITH(parse_llama_config(config_patched(R"({"model_type": "phi3"})")),
                      Catch::Contains("model_type 'phi3' is not supported (llama, qwen2, qwen3 and gemma2 are)"));
}

TEST_CASE("a Qwen3 checkpoint needs its q_norm and k_norm, and a wrong head_dim is named by shape") {
    const auto ok = variant("qwen3_ok", qwen3_patch, qk_norms(3, 16));
    const llama_reward_model model(ok);
    CHECK(model.config().qk_norm);
    CHECK(model.layout().size() == 21);  // the norms are not sites
    // The norms take part: other q_norm values change the rewards.
    auto other_norms = qk_norms(3, 16);
    other_norms[0] = f32_tensor("model.layers.0.self_attn.q_norm.weight", {16}, 2.0f);
    const llama_reward_model other(variant("qwen3_other", qwen3_patch, other_norms));
    const auto samples = long_samples();
    CHECK(rewards_for(model, samples) != rewards_for(other, samples));

    auto missing = qk_norms(3, 16);
    missing.erase(missing.begin() + 3);  // layer 1's k_norm
    CHECK_THROWS_WITH(llama_reward_model(variant("qwen3_missing", qwen3_patch, missing)),
                      Catch::Contains("missing tensor 'model.layers.1.self_attn.k_norm.weight' (shape [16])"));
    // head_dim 32 in the config, 16 in the weights: the first projection is named with both shapes.
    CHECK_THROWS_WITH(
        llama_reward_model(variant("qwen3_head_dim", merged(qwen3_patch, R"({"head_dim": 32})"), qk_norms(3, 16))),
        Catch::Contains("tensor 'model.layers.0.self_attn.q_proj.weight' has shape [64, 64], expected [128, 64]"));
    // q_norm in a Llama checkpoint is extra.
    CHECK_THROWS_WITH(llama_reward_model(variant("llama_with_qnorm", "{}", qk_norms(3, 16))),
                      Catch::Contains("unexpected tensor 'model.layers.0.self_attn.q_norm.weight'"));
}

TEST_CASE("a Gemma-2 checkpoint needs its four norms per layer, and its window and cap act as configured") {
    const auto dir = variant("gemma2_ok", gemma2_patch, gemma_norms(3, 64));
    const llama_reward_model model(dir);
    CHECK(model.layout().size() == 21);  // the extra norms are not sites
    const auto samples = long_samples();
    const auto base = rewards_for(model, samples);
    for (float r : base) CHECK(std::isfinite(r));

    // A window at least as long as every sample is full attention.
    const auto wide = variant("gemma2_wide", merged(gemma2_patch, R"({"sliding_window": 4096})"), gemma_norms(3, 64));
    const auto full = variant("gemma2_full", merged(gemma2_patch, R"({"layer_types": ["full_attention",
                                  "full_attention", "full_attention"]})"),
                              gemma_norms(3, 64));
    CHECK(rewards_for(llama_reward_model(wide), samples) == rewards_for(llama_reward_model(full), samples));
    CHECK(rewards_for(llama_reward_model(full), samples) != base);  // a window of 4 tokens changes them

    auto missing = gemma_norms(3, 64);
    missing.erase(missing.begin() + 2);  // layer 1's pre_feedforward_layernorm
    CHECK_THROWS_WITH(llama_reward_model(variant("gemma2_missing", gemma2_patch, missing)),
                      Catch::Contains("missing tensor 'model.layers.1.pre_feedforward_layernorm.weight' (shape [64])"));
}

TEST_CASE("the prefix cache gives the full forward's rewards on Qwen3 and Gemma-2") {
    const auto samples = long_samples();
    for (const auto& dir : {variant("qwen3_cache", qwen3_patch, qk_norms(3, 16)),
                            variant("gemma2_cache", gemma2_patch, gemma_norms(3, 64))}) {
        INFO(dir.string());
        const llama_reward_model model(dir);
        const auto full = rewards_for(model, samples);
        const auto caches = model.encode_prefixes(samples);
        std::vector<float> cached(samples.size());
        model.score_cached(caches, cirm::no_intervention{}, cached);
        for (std::size_t i = 0; i < samples.size(); ++i) {
            CHECK(caches[i].tokens().size() > 12);  // past the window of 4, three times over
            CHECK(cached[i] == Approx(full[i]).margin(1e-5));
        }
    }
}

TEST_CASE("a model that does not fit in memory is refused before loading, with both numbers") {
    // tiny_llama_gqa_bf16 as F32: embedding 264·64 = 16,896; per layer 2·64 (norms) + 64·64 (q)
    // + 2·32·64 (k, v) + 64·64 (o) + 3·128·64 (gate, up, down) = 36,992, three layers 110,976;
    // final norm and score 128. 128,000 parameters, 512,000 bytes.
    const auto dir = cirm_test::model_fixture(arch_fixture);
    ::setenv("CIRM_MEMORY_LIMIT", "511000", 1);
    CHECK_THROWS_WITH(llama_reward_model(dir),
                      Catch::Contains("need 500.00 KiB (512000 bytes), but only 499.02 KiB (511000 bytes)"));
    ::setenv("CIRM_MEMORY_LIMIT", "512000", 1);
    CHECK_NOTHROW(llama_reward_model(dir));
    ::setenv("CIRM_MEMORY_LIMIT", "12e9", 1);
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("CIRM_MEMORY_LIMIT must be a whole number of bytes"));
    ::unsetenv("CIRM_MEMORY_LIMIT");
    CHECK(cirm::reference::available_memory().has_value());  // this machine says what it has
    CHECK_NOTHROW(llama_reward_model(dir));
}
