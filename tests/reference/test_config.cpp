// config.json parsing: the fields the engine reads, HF defaults, and a clear error naming the
// field for every malformed input.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

using cirm::reference::parse_llama_config;

namespace {
/// A valid config with one field replaced (or removed when `value` is empty).
std::string config_with(const std::string& field, const std::string& value) {
    auto json = nlohmann::json::parse(R"({
        "architectures": ["LlamaForSequenceClassification"], "model_type": "llama",
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
        "rope_theta": 50000.0, "vocab_size": 264, "max_position_embeddings": 256})");
    if (value.empty())
        json.erase(field);
    else
        json[field] = nlohmann::json::parse(value);
    return json.dump();
}
}  // namespace

TEST_CASE("a config gives the architecture and the derived sizes") {
    const auto c = cirm::reference::load_llama_config(cirm_test::model_fixture("tiny_llama_gqa_bf16") / "config.json");
    CHECK(c.model_type == "llama");
    CHECK(c.hidden_size == 64);
    CHECK(c.intermediate_size == 128);
    CHECK(c.num_hidden_layers == 3);
    CHECK(c.num_attention_heads == 4);
    CHECK(c.num_key_value_heads == 2);
    CHECK(c.head_dim == 16);
    CHECK(c.q_width() == 64);
    CHECK(c.kv_width() == 32);
    CHECK(c.heads_per_kv_head() == 2);
    CHECK(c.vocab_size == 264);
    CHECK(c.max_position_embeddings == 256);
    CHECK(c.rms_norm_eps == 1e-5);
    CHECK(c.rope_theta == 50000.0);
    CHECK_FALSE(c.qkv_bias);
    CHECK_FALSE(c.o_bias);
    CHECK_FALSE(c.mlp_bias);
    CHECK(c.pad_token_id == 257);

    const auto q = cirm::reference::load_llama_config(cirm_test::model_fixture("tiny_qwen2_bias_f16") / "config.json");
    CHECK(q.model_type == "qwen2");
    CHECK(q.qkv_bias);  // Qwen2 always has q, k, v biases
    CHECK_FALSE(q.o_bias);
    CHECK(q.tie_word_embeddings);
    CHECK(q.num_key_value_heads == 1);

    const auto s =
        cirm::reference::load_llama_config(cirm_test::model_fixture("tiny_llama_sharded_f32") / "config.json");
    CHECK(s.qkv_bias);  // Llama's attention_bias covers q, k, v and o
    CHECK(s.o_bias);
    CHECK(s.mlp_bias);
    CHECK(s.rope_theta == 10000.0);  // HF default when the field is absent
    CHECK_FALSE(s.pad_token_id.has_value());
}

TEST_CASE("optional fields take Hugging Face's defaults, null counts as absent") {
    const auto c = parse_llama_config(R"({"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
        "num_attention_heads": 4, "vocab_size": 300, "rms_norm_eps": 1e-6, "num_key_value_heads": null,
        "rope_scaling": null, "head_dim": null})");
    CHECK(c.num_key_value_heads == 4);
    CHECK(c.head_dim == 8);
    CHECK(c.rope_theta == 10000.0);
    CHECK(c.max_position_embeddings == 2048);
    CHECK(c.model_type == "llama");

    const auto explicit_head = parse_llama_config(config_with("head_dim", "32"));
    CHECK(explicit_head.head_dim == 32);
    CHECK(explicit_head.q_width() == 128);  // 4 heads × 32, wider than hidden_size
}

TEST_CASE("malformed configs name the field that is wrong") {
    CHECK_THROWS_WITH(parse_llama_config(config_with("hidden_size", "")),
                      Catch::Contains("missing field 'hidden_size'"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("rms_norm_eps", "")),
                      Catch::Contains("missing field 'rms_norm_eps'"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("hidden_size", R"("64")")),
                      Catch::Contains("field 'hidden_size' must be a positive integer"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("num_hidden_layers", "0")),
                      Catch::Contains("field 'num_hidden_layers' must be a positive integer"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("vocab_size", "-3")),
                      Catch::Contains("field 'vocab_size' must be a positive integer"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("intermediate_size", "12.5")),
                      Catch::Contains("field 'intermediate_size' must be a positive integer"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("rope_theta", "-1")),
                      Catch::Contains("field 'rope_theta' must be a positive number"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("rms_norm_eps", R"("small")")),
                      Catch::Contains("field 'rms_norm_eps' must be a positive number"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("tie_word_embeddings", "1")),
                      Catch::Contains("field 'tie_word_embeddings' must be true or false"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("pad_token_id", "-1")),
                      Catch::Contains("field 'pad_token_id' must be a non-negative integer"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("hidden_size", "4294967296")),
                      Catch::Contains("field 'hidden_size' is 4294967296, above the supported limit"));
}

TEST_CASE("inconsistent sizes are errors") {
    CHECK_THROWS_WITH(parse_llama_config(config_with("num_attention_heads", "5")),
                      Catch::Contains("num_attention_heads (5) does not divide hidden_size (64)"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("num_key_value_heads", "3")),
                      Catch::Contains("num_key_value_heads (3) does not divide num_attention_heads (4)"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("head_dim", "15")), Catch::Contains("head_dim 15 is odd"));
}

TEST_CASE("unsupported architectures and features are refused, not run wrongly") {
    CHECK_THROWS_WITH(parse_llama_config(config_with("model_type", R"("gemma")")),
                      Catch::Contains("model_type 'gemma' is not supported"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("architectures", R"(["LlamaForCausalLM"])")),
                      Catch::Contains("names no *ForSequenceClassification"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("hidden_act", R"("gelu")")),
                      Catch::Contains("hidden_act 'gelu' is not supported"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("rope_scaling", R"({"type": "longrope", "factor": 2.0})")),
                      Catch::Contains("rope type 'longrope' is not supported"));
    CHECK_THROWS_WITH(parse_llama_config(config_with("use_sliding_window", "true")),
                      Catch::Contains("sliding-window attention is implemented for gemma2 only"));
}

TEST_CASE("config text that is not a JSON object is an error naming the file") {
    CHECK_THROWS_WITH(parse_llama_config("{\"hidden_size\": 64,", "m/config.json"),
                      Catch::StartsWith("m/config.json: not valid JSON"));
    CHECK_THROWS_WITH(parse_llama_config("[1, 2]"), Catch::Contains("not a JSON object"));
    CHECK_THROWS_WITH(parse_llama_config(R"({"hidden_size": 64, "hidden_size": 32})"),
                      Catch::Contains("field 'hidden_size' appears twice"));
    CHECK_THROWS_WITH(cirm::reference::load_llama_config(cirm_test::fresh_dir("no_config") / "config.json"),
                      Catch::Contains("cannot read"));
}

TEST_CASE(
    "the site layout follows the config: seven projections per layer, q wider than hidden with an explicit head_dim") {
    const auto c = parse_llama_config(config_with("head_dim", "24"));  // 4 heads of 24, 2 key/value heads, hidden 64
    const auto layout = cirm::reference::llama_site_layout(c);
    REQUIRE(layout.size() == 3 * 7);
    const std::vector<std::pair<std::string, std::size_t>> layer_one{
        {"model.layers.1.self_attn.q_proj", 96}, {"model.layers.1.self_attn.k_proj", 48},
        {"model.layers.1.self_attn.v_proj", 48}, {"model.layers.1.self_attn.o_proj", 64},
        {"model.layers.1.mlp.gate_proj", 128},   {"model.layers.1.mlp.up_proj", 128},
        {"model.layers.1.mlp.down_proj", 64}};
    for (std::size_t k = 0; k < layer_one.size(); ++k) {
        const auto& site = layout[7 + k];
        CHECK(site.name == layer_one[k].first);
        CHECK(site.width == layer_one[k].second);
        CHECK(site.layer == 1);
        CHECK(cirm::to_string(site.kind) == site.name.substr(site.name.rfind('.') + 1));
    }
    CHECK(layout.neurons() == 3 * (96 + 48 + 48 + 64 + 128 + 128 + 64));
    // o_proj reads the heads' output, which is q's width, not hidden_size
    CHECK(cirm::llama_projection_of(c, cirm::module_kind::o_proj).in == 96);
    CHECK(cirm::llama_projection_of(c, cirm::module_kind::down_proj).in == 128);
}

TEST_CASE("biases per projection follow the model type") {
    const auto qwen = parse_llama_config(config_with("model_type", R"("qwen2")"));
    const auto llama = parse_llama_config(config_with("attention_bias", "true"));
    using mk = cirm::module_kind;
    for (auto kind : {mk::q_proj, mk::k_proj, mk::v_proj}) {
        CHECK(cirm::llama_projection_of(qwen, kind).bias);
        CHECK(cirm::llama_projection_of(llama, kind).bias);
    }
    CHECK_FALSE(cirm::llama_projection_of(qwen, mk::o_proj).bias);
    CHECK(cirm::llama_projection_of(llama, mk::o_proj).bias);
    for (auto kind : {mk::gate_proj, mk::up_proj, mk::down_proj}) {
        CHECK_FALSE(cirm::llama_projection_of(qwen, kind).bias);
        CHECK_FALSE(cirm::llama_projection_of(llama, kind).bias);
    }
    // Qwen2's biases do not depend on attention_bias or mlp_bias
    auto json = nlohmann::json::parse(config_with("model_type", R"("qwen2")"));
    json["attention_bias"] = false;
    json["mlp_bias"] = true;
    CHECK(parse_llama_config(json.dump()) == qwen);
}

TEST_CASE("a shape built by hand is checked as a config.json is") {
    auto c = parse_llama_config(config_with("head_dim", ""));
    CHECK_NOTHROW(cirm::check_llama_config(c, "hand-made"));
    auto odd = c;
    odd.head_dim = 15;
    CHECK_THROWS_WITH(cirm::check_llama_config(odd, "hand-made"), Catch::StartsWith("hand-made: head_dim 15 is odd"));
    auto no_layers = c;
    no_layers.num_hidden_layers = 0;
    CHECK_THROWS_WITH(cirm::check_llama_config(no_layers, "hand-made"),
                      Catch::Contains("field 'num_hidden_layers' must be a positive integer"));
    auto other = c;
    other.model_type = "mistral";
    CHECK_THROWS_WITH(cirm::check_llama_config(other, "hand-made"),
                      Catch::Contains("model_type 'mistral' is not supported"));
    auto derived = c;
    derived.head_dim = 0;
    derived.num_attention_heads = 3;
    CHECK_THROWS_WITH(cirm::derive_head_dim(derived, "hand-made"),
                      Catch::Contains("num_attention_heads (3) does not divide hidden_size (64)"));
    derived.num_attention_heads = 8;
    cirm::derive_head_dim(derived, "hand-made");
    CHECK(derived.head_dim == 8);
}

TEST_CASE("a language model's config is read when one is expected, and refused where a reward model is") {
    const auto causal = config_with("architectures", R"(["LlamaForCausalLM"])");
    CHECK(parse_llama_config(causal, "lm/config.json", cirm::llama_head::language_model).hidden_size == 64);
    CHECK_THROWS_WITH(parse_llama_config(causal, "lm/config.json"),
                      Catch::Contains("names no *ForSequenceClassification"));
    CHECK_THROWS_WITH(
        parse_llama_config(config_with("head_dim", ""), "rm/config.json", cirm::llama_head::language_model),
        Catch::Contains("names no *ForCausalLM"));
}
