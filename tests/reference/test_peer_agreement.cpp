// The engine against the independent PyTorch peer (tools/peers/llama_rm_peer.py): token ids,
// rewards, rewards under neuron pins (last token and all positions) and last-token activations,
// on three random-weight models (GQA + rope_theta 50000 + BF16; Qwen2 biases + MQA + F16;
// Llama attention/MLP biases + F32 in two shards). Tolerance 1e-4 absolute (the engine's required bound).
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

namespace {
constexpr double tolerance = 1e-4;
}

TEST_CASE("token ids follow the template in the model's files, as the peer encodes them") {
    for (const auto& name : cirm_test::peer_models()) {
        INFO(name);
        const cirm::reference::llama_reward_model model(cirm_test::model_fixture(name));
        const auto outputs = cirm_test::peer_outputs(name);
        const auto samples = cirm_test::peer_samples(outputs);
        for (std::size_t i = 0; i < samples.size(); ++i) {
            INFO("sample " << i);
            // The engine runs the tokens up to the one the score is read at (the last non-pad).
            auto expected = outputs["samples"][i]["tokens"].get<std::vector<std::int32_t>>();
            expected.resize(outputs["samples"][i]["score_index"].get<std::size_t>() + 1);
            CHECK(model.encode(samples[i]) == expected);
        }
    }
}

TEST_CASE("the score is read at the last token that is not padding") {
    // The main model's config sets pad_token_id 257, which is also its template's closing <eos>:
    // like Hugging Face, the engine reads the score before it.
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto full = outputs["samples"][0]["tokens"].get<std::vector<std::int32_t>>();
    REQUIRE(full.back() == 257);
    CHECK(outputs["samples"][0]["score_index"] == full.size() - 2);
    const std::vector<std::int32_t> without(full.begin(), full.end() - 1);
    auto padded = full;
    padded.insert(padded.end(), 5, 257);
    CHECK(model.score_tokens(full) == model.score_tokens(without));
    CHECK(model.score_tokens(padded) == model.score_tokens(without));
    CHECK(std::abs(model.score_tokens(full) - outputs["samples"][0]["reward"].get<double>()) <= tolerance);
    CHECK_THROWS_WITH(model.score_tokens(std::vector<std::int32_t>{257, 257}), Catch::Contains("only padding tokens"));
    // A pad token inside the sequence is run like any other token.
    const std::vector<std::int32_t> inner{256, 257, 72};
    CHECK(model.encode_prefix({"", ""}).tokens().back() == 259);  // "<bos><|user|>\n<|assistant|>" then <eos> dropped
    CHECK(model.score_tokens(inner) != model.score_tokens(std::vector<std::int32_t>{256, 72}));

    // The Qwen2 fixture's pad token (258) is not in its template: nothing is dropped.
    const cirm::reference::llama_reward_model qwen(cirm_test::model_fixture("tiny_qwen2_bias_f16"));
    CHECK(qwen.config().pad_token_id == 258);
    const auto q = cirm_test::peer_outputs("tiny_qwen2_bias_f16");
    CHECK(q["samples"][0]["score_index"] == q["samples"][0]["tokens"].size() - 1);
}

TEST_CASE("rewards match the PyTorch peer within 1e-4") {
    for (const auto& name : cirm_test::peer_models()) {
        INFO(name);
        const cirm::reference::llama_reward_model model(cirm_test::model_fixture(name));
        const auto outputs = cirm_test::peer_outputs(name);
        const auto samples = cirm_test::peer_samples(outputs);
        std::vector<float> rewards(samples.size());
        model.score(samples, cirm::no_intervention{}, rewards);
        for (std::size_t i = 0; i < samples.size(); ++i) {
            INFO("sample " << i);
            CHECK(std::abs(rewards[i] - outputs["samples"][i]["reward"].get<double>()) <= tolerance);
            CHECK(model.score(samples[i]) == rewards[i]);  // one at a time = in a batch, bit for bit
        }
    }
}

TEST_CASE("pinning neurons changes the reward exactly as the peer's hooks do") {
    for (const auto& name : cirm_test::peer_models()) {
        INFO(name);
        const cirm::reference::llama_reward_model model(cirm_test::model_fixture(name));
        const auto outputs = cirm_test::peer_outputs(name);
        const auto samples = cirm_test::peer_samples(outputs);
        for (const auto& intervention : outputs["interventions"]) {
            INFO("intervention " << intervention["name"].get<std::string>());
            const auto pin = cirm_test::peer_pin(intervention, model.layout());
            std::vector<float> rewards(samples.size());
            model.score(samples, pin, rewards);
            double largest_effect = 0.0;
            for (std::size_t i = 0; i < samples.size(); ++i) {
                INFO("sample " << i);
                const double expected = intervention["rewards"][i].get<double>();
                CHECK(std::abs(rewards[i] - expected) <= tolerance);
                largest_effect =
                    std::max(largest_effect, std::abs(expected - outputs["samples"][i]["reward"].get<double>()));
            }
            // The pin must matter, or agreement would not show that it is applied at the right place.
            CHECK(largest_effect > 100 * tolerance);
        }
    }
}

TEST_CASE("collect gives the peer's last-token activations at every site") {
    for (const auto& name : cirm_test::peer_models()) {
        INFO(name);
        const cirm::reference::llama_reward_model model(cirm_test::model_fixture(name));
        const auto outputs = cirm_test::peer_outputs(name);
        const auto samples = cirm_test::peer_samples(outputs);
        cirm_test::recording_sink sink;
        model.collect(samples, sink);
        CHECK(sink.puts == samples.size() * model.layout().size());
        for (const auto& recorded : outputs["activations"]) {
            const auto sample = recorded["sample"].get<std::size_t>();
            CHECK(recorded["sites"].size() == model.layout().size());
            for (const auto& [site_name, values] : recorded["sites"].items()) {
                INFO("sample " << sample << " site " << site_name);
                const auto site = model.layout().at(site_name);
                const auto& got = sink.values.at({sample, site});
                const auto expected = values.get<std::vector<double>>();
                REQUIRE(got.size() == expected.size());
                double worst = 0.0;
                for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - expected[i]));
                CHECK(worst <= tolerance);
            }
        }
    }
}

TEST_CASE("the site layout names every projection output with its layer, kind and width") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto& layout = model.layout();
    REQUIRE(layout.size() == 3 * 7);
    // hidden 64, 4 heads of 16, 2 kv heads, intermediate 128 (the peer's config).
    CHECK(layout[0] == cirm::site_info{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 64});
    CHECK(layout[1] == cirm::site_info{"model.layers.0.self_attn.k_proj", 0, cirm::module_kind::k_proj, 32});
    CHECK(layout[2] == cirm::site_info{"model.layers.0.self_attn.v_proj", 0, cirm::module_kind::v_proj, 32});
    CHECK(layout[3] == cirm::site_info{"model.layers.0.self_attn.o_proj", 0, cirm::module_kind::o_proj, 64});
    CHECK(layout[4] == cirm::site_info{"model.layers.0.mlp.gate_proj", 0, cirm::module_kind::gate_proj, 128});
    CHECK(layout[5] == cirm::site_info{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 128});
    CHECK(layout[6] == cirm::site_info{"model.layers.0.mlp.down_proj", 0, cirm::module_kind::down_proj, 64});
    CHECK(layout[20] == cirm::site_info{"model.layers.2.mlp.down_proj", 2, cirm::module_kind::down_proj, 64});
    CHECK(layout.neurons() == 3 * (64 + 32 + 32 + 64 + 128 + 128 + 64));
}

TEST_CASE("collect of selected sites puts only those, with the same values") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto samples = cirm_test::peer_samples(outputs);
    cirm_test::recording_sink all, some;
    model.collect(samples, all);
    const std::vector<std::size_t> sites{5, 0, 20};
    model.collect(samples, some, sites);
    CHECK(some.puts == samples.size() * 3);
    for (const auto& [key, values] : some.values) {
        CHECK((key.second == 0 || key.second == 5 || key.second == 20));
        CHECK(values == all.values.at(key));
    }
    const std::vector<std::size_t> bad{21};
    CHECK_THROWS_WITH(model.collect(samples, some, bad), Catch::Contains("site 21 does not exist"));
}

TEST_CASE("results do not depend on the number of threads") {
    cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto samples = cirm_test::peer_samples(outputs);
    const auto pin = cirm_test::peer_pin(outputs["interventions"][7], model.layout());
    std::vector<float> one(samples.size()), many(samples.size());
    model.set_threads(1);
    model.score(samples, pin, one);
    cirm_test::recording_sink serial;
    model.collect(samples, serial);
    model.set_threads(3);
    CHECK(model.threads() == 3);
    model.score(samples, pin, many);
    cirm_test::recording_sink parallel;
    model.collect(samples, parallel);
    CHECK(one == many);  // each sample runs alone on one thread: bit-identical
    CHECK(serial.values == parallel.values);
    const auto caches = model.encode_prefixes(samples);
    model.score_cached(caches, pin, many);
    model.set_threads(1);
    model.score_cached(caches, pin, one);
    CHECK(one == many);
}
