// The libtorch module and the reference engine read one config.json the same way and lay the
// model out the same way: the same shape, the same sites and widths, parameters of those widths
// (with the biases the model type gives), the same rewards — for a Llama model with grouped-query
// attention, a Qwen2 model with q/k/v biases, and a model whose head_dim is given and differs from
// hidden_size / num_attention_heads. A config neither can run is refused by both, naming the field.

// libtorch first: its logging (glog) defines a CHECK macro, and catch.hpp, included after it,
// must be the one that defines CHECK here.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint.hpp"  // the trainer's checkpoint writer (tools/train)
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/libtorch/llama_module.hpp"
#include "cirm/libtorch/load_reward_model.hpp"
#include "cirm/reference/model.hpp"

namespace fs = std::filesystem;

namespace {

fs::path reference_fixture(const std::string& name) { return fs::path(CIRM_TEST_FIXTURES) / "reference" / name; }

fs::path empty_test_dir(const std::string& name) {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "torch" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// The reward of one token sequence through the module (a batch of one, read at its last token).
float module_reward(cirm::libtorch::llama_model& model, const std::vector<std::int32_t>& ids) {
    torch::NoGradGuard no_grad;
    std::vector<std::int64_t> wide(ids.begin(), ids.end());
    const auto tokens = torch::tensor(wide, torch::kInt64).unsqueeze(0);
    const auto last =
        torch::tensor(std::vector<std::int64_t>{static_cast<std::int64_t>(ids.size()) - 1}, torch::kInt64);
    return model->rewards(tokens, last).item<float>();
}

/// Checks the module's parameters against the widths a Llama-family layer has (written out here,
/// not taken from the layout code): every projection's weight is out × in, and it has a bias
/// exactly when `biased` says so for its kind.
void check_module_parameters(cirm::libtorch::llama_model& model, const cirm::site_layout& layout, std::size_t hidden,
                             std::size_t q_width, std::size_t kv_width, std::size_t intermediate,
                             const std::vector<cirm::module_kind>& biased) {
    const auto params = model->named_parameters();
    for (const auto& site : layout.sites()) {
        INFO(site.name);
        std::size_t out = 0, in = 0;
        switch (site.kind) {
            case cirm::module_kind::q_proj: out = q_width, in = hidden; break;
            case cirm::module_kind::k_proj:
            case cirm::module_kind::v_proj: out = kv_width, in = hidden; break;
            case cirm::module_kind::o_proj: out = hidden, in = q_width; break;
            case cirm::module_kind::gate_proj:
            case cirm::module_kind::up_proj: out = intermediate, in = hidden; break;
            case cirm::module_kind::down_proj: out = hidden, in = intermediate; break;
            case cirm::module_kind::other: FAIL("a Llama-family layout has no 'other' site");
        }
        CHECK(site.width == out);
        REQUIRE(params.contains(site.name + ".weight"));
        CHECK(params[site.name + ".weight"].sizes() ==
              torch::IntArrayRef({static_cast<std::int64_t>(out), static_cast<std::int64_t>(in)}));
        const bool wants_bias = std::find(biased.begin(), biased.end(), site.kind) != biased.end();
        CHECK(params.contains(site.name + ".bias") == wants_bias);
    }
}

/// Rewards of the engine and of the module on the responses of a few pairs, encoded by the engine.
float worst_reward_difference(const cirm::reference::llama_reward_model& engine, cirm::libtorch::llama_model& model) {
    const std::vector<cirm::sample> samples{{"Which number is even: 82 or 37?", "The even number is 82."},
                                            {"Say hi.", "**Hello!**\n\n- one\n- two"},
                                            {"", "x"}};
    float worst = 0.0f;
    for (const auto& s : samples) {
        const auto ids = engine.encode(s);
        worst = std::max(worst, std::abs(module_reward(model, ids) - engine.score_tokens(ids)));
    }
    return worst;
}

}  // namespace

TEST_CASE("shared layout: a Llama and a Qwen2 checkpoint load with the same shape, sites and rewards on both engines") {
    struct fixture_case {
        std::string name;
        std::size_t hidden, q_width, kv_width, intermediate;
        std::vector<cirm::module_kind> biased;
    };
    using mk = cirm::module_kind;
    const std::vector<fixture_case> cases{
        // 4 heads of 16, 2 key/value heads, no bias
        {"tiny_llama_gqa_bf16", 64, 64, 32, 128, {}},
        // Qwen2: q, k and v carry a bias (the config says nothing about it), o and the MLP none
        {"tiny_qwen2_bias_f16", 32, 32, 8, 64, {mk::q_proj, mk::k_proj, mk::v_proj}},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto dir = reference_fixture(c.name);
        const cirm::reference::llama_reward_model engine(dir);
        auto model = cirm::libtorch::load_reward_model(dir);
        CHECK(model->shape == engine.config());
        const auto layout = cirm::libtorch::llama_site_layout(model->shape);
        REQUIRE(layout == engine.layout());
        check_module_parameters(model, layout, c.hidden, c.q_width, c.kv_width, c.intermediate, c.biased);
        CHECK(worst_reward_difference(engine, model) <= 1e-4f);
    }
}

TEST_CASE("shared layout: an explicit head_dim sizes q, k, v and o alike on both engines") {
    // 2 heads of 24 over a hidden size of 32: q is 48 wide, o reads 48; one key/value head of 24.
    const std::string config_text = R"({
        "architectures": ["LlamaForSequenceClassification"], "model_type": "llama",
        "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 2,
        "num_key_value_heads": 1, "head_dim": 24, "rms_norm_eps": 1e-5, "vocab_size": 264,
        "max_position_embeddings": 128, "pad_token_id": 260})";
    const auto shape = cirm::parse_llama_config(config_text);
    REQUIRE(shape.head_dim == 24);

    torch::manual_seed(5);
    cirm::train::llama_model trained(shape);
    const auto dir = empty_test_dir("explicit_head_dim");
    // the trainer's writer: its config.json must carry head_dim, or the reader would derive 16
    cirm::train::save_checkpoint(trained, dir, cirm::train::checkpoint_kind::reward_model, {});
    CHECK(cirm::load_llama_config(dir / "config.json") == shape);

    const cirm::reference::llama_reward_model engine(dir);
    auto model = cirm::libtorch::load_reward_model(dir);
    CHECK(engine.config() == shape);
    CHECK(model->shape == shape);
    const auto layout = cirm::libtorch::llama_site_layout(model->shape);
    REQUIRE(layout == engine.layout());
    CHECK(layout.neurons() == 2 * (48 + 24 + 24 + 32 + 48 + 48 + 32));
    check_module_parameters(model, layout, 32, 48, 24, 48, {});
    CHECK(worst_reward_difference(engine, model) <= 1e-4f);
}

TEST_CASE("shared layout: a config neither engine can run is refused by both, naming what is wrong") {
    const auto fields = [](const std::string& replaced, const std::string& value) {
        auto json = nlohmann::json::parse(cirm::read_file(reference_fixture("tiny_llama_gqa_bf16") / "config.json"));
        json[replaced] = nlohmann::json::parse(value);
        return json.dump();
    };
    const std::vector<std::pair<std::string, std::string>> bad{
        {fields("model_type", R"("gemma")"), "model_type 'gemma' is not supported"},
        {fields("head_dim", "15"), "head_dim 15 is odd"},
        {fields("num_key_value_heads", "3"), "num_key_value_heads (3) does not divide num_attention_heads (4)"},
        {fields("num_attention_heads", "5"), "num_attention_heads (5) does not divide hidden_size (64)"},
        {fields("rope_scaling", R"({"type": "yarn", "factor": 2.0})"), "rope type 'yarn' is not supported"},
        {fields("use_sliding_window", "true"), "sliding-window attention is implemented for gemma2 only"},
        {fields("hidden_act", R"("gelu")"), "hidden_act 'gelu' is not supported"},
        {fields("architectures", R"(["LlamaForCausalLM"])"), "names no *ForSequenceClassification"},
        {fields("rms_norm_eps", R"("small")"), "field 'rms_norm_eps' must be a positive number"},
    };
    const auto dir = empty_test_dir("bad_config");
    for (const auto& name : {"tokenizer.json", "tokenizer_config.json", "model.safetensors"})
        fs::copy_file(reference_fixture("tiny_llama_gqa_bf16") / name, dir / name);
    for (const auto& [text, why] : bad) {
        INFO(why);
        cirm::write_file_atomically(dir / "config.json", text);
        CHECK_THROWS_WITH(cirm::reference::llama_reward_model(dir),
                          Catch::Contains(why) && Catch::Contains("config.json"));
        CHECK_THROWS_WITH(cirm::libtorch::load_reward_model(dir),
                          Catch::Contains(why) && Catch::Contains("config.json"));
    }

    // What only the reference engine implements (rope scaling, Qwen3, Gemma-2) the module refuses
    // by name instead of running it without.
    cirm::write_file_atomically(dir / "config.json", fields("rope_scaling", R"({"type": "linear", "factor": 2.0})"));
    CHECK_NOTHROW(cirm::reference::llama_reward_model(dir));
    CHECK_THROWS_WITH(cirm::libtorch::load_reward_model(dir),
                      Catch::Contains("rope_scaling is not implemented by the libtorch module"));
    auto qwen3 = cirm::parse_llama_config(cirm::read_file(reference_fixture("tiny_llama_gqa_bf16") / "config.json"));
    qwen3.model_type = "qwen3";
    qwen3.qk_norm = true;
    CHECK_THROWS_WITH(cirm::libtorch::llama_model(qwen3), Catch::Contains("model_type 'qwen3' is not implemented"));

    // A shape built by hand is checked by the module as by the reader.
    auto odd = cirm::parse_llama_config(cirm::read_file(reference_fixture("tiny_llama_gqa_bf16") / "config.json"));
    odd.head_dim = 15;
    CHECK_THROWS_WITH(cirm::libtorch::llama_model(odd), Catch::Contains("head_dim 15 is odd"));
    // The trainer's reward stage starts from a language model and refuses a reward model there.
    CHECK_THROWS_WITH(cirm::train::shape_from_config(reference_fixture("tiny_llama_gqa_bf16"),
                                                     cirm::train::checkpoint_kind::language_model),
                      Catch::Contains("names no *ForCausalLM"));
}
