// Inputs the engine refuses: token ids outside the vocabulary, sequences that are too long or
// empty, reward buffers of the wrong size; errors in a batch name the sample.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

using cirm::reference::llama_reward_model;

TEST_CASE("a token id outside the vocabulary is an error naming the id and the position") {
    const llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const std::vector<std::int32_t> too_big{256, 72, 264};
    CHECK_THROWS_WITH(model.score_tokens(too_big),
                      Catch::Contains("token id 264 at position 2 is outside the vocabulary (vocab_size 264)"));
    const std::vector<std::int32_t> negative{-1};
    CHECK_THROWS_WITH(model.score_tokens(negative), Catch::Contains("token id -1 at position 0"));
    const std::vector<std::int32_t> last_valid{263};
    CHECK_NOTHROW(model.score_tokens(last_valid));
}

TEST_CASE("empty and over-long sequences are refused") {
    const llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    CHECK_THROWS_WITH(model.score_tokens(std::vector<std::int32_t>{}), Catch::Contains("encodes to no tokens"));
    // max_position_embeddings is 256; the template adds 4 tokens to prompt + response bytes
    // (5, less the closing <eos>, which is the pad token and not run).
    const std::string long_text(253, 'a');
    CHECK_THROWS_WITH(model.score({long_text, ""}),
                      Catch::Contains("257 tokens exceeds max_position_embeddings (256)"));
    CHECK_NOTHROW(model.score({std::string(252, 'a'), ""}));

    const std::vector<cirm::sample> batch{{"fine", "ok"}, {long_text, ""}};
    std::vector<float> rewards(2);
    CHECK_THROWS_WITH(model.score(batch, cirm::no_intervention{}, rewards),
                      Catch::StartsWith("sample 1 of the batch: "));
    cirm_test::recording_sink sink;
    CHECK_THROWS_WITH(model.collect(batch, sink), Catch::StartsWith("sample 1 of the batch: "));
    CHECK(sink.puts == 0);  // checked before any work
    CHECK_THROWS_WITH(model.encode_prefixes(batch), Catch::StartsWith("sample 1 of the batch: "));
}

TEST_CASE("the reward buffer must match the batch") {
    const llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const std::vector<cirm::sample> batch{{"a", "b"}, {"c", "d"}};
    std::vector<float> rewards(3);
    CHECK_THROWS_WITH(model.score(batch, cirm::no_intervention{}, rewards),
                      Catch::Contains("2 samples but room for 3 rewards"));
    const auto caches = model.encode_prefixes(batch);
    CHECK_THROWS_WITH(model.score_cached(caches, cirm::no_intervention{}, rewards),
                      Catch::Contains("2 samples but room for 3"));
}

TEST_CASE("an empty batch does nothing") {
    const llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    cirm_test::recording_sink sink;
    model.collect(std::span<const cirm::sample>{}, sink);
    CHECK(sink.puts == 0);
    std::vector<float> none;
    CHECK_NOTHROW(model.score(std::span<const cirm::sample>{}, cirm::no_intervention{}, none));
    CHECK(model.encode_prefixes({}).empty());
}

TEST_CASE("a moved model keeps working and its caches stay valid") {
    llama_reward_model first(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const float before = first.score({"What is 2+2?", "4"});
    const auto cache = first.encode_prefix({"What is 2+2?", "4"});
    const llama_reward_model moved(std::move(first));
    CHECK(moved.score({"What is 2+2?", "4"}) == before);
    CHECK(std::abs(moved.score_cached(cache, cirm::no_intervention{}) - before) <= 1e-5);
}
