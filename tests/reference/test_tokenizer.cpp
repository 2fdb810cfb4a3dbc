// The byte tokenizer, the prompt template and the cirm_tokenizer.json format.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

using cirm::reference::parse_tokenizer_file;

namespace {
constexpr const char* chat_file = R"({
  "type": "byte",
  "specials": {"<bos>": 256, "<eos>": 257},
  "template": [{"special": "<bos>"}, {"text": "Q:"}, {"slot": "prompt"}, {"text": "A:"},
               {"slot": "response"}, {"special": "<eos>"}]
})";
}  // namespace

TEST_CASE("bytes are ids 0-255 and specials come from the file") {
    const auto setup = parse_tokenizer_file(chat_file);
    std::vector<std::int32_t> ids;
    // "é" is the two UTF-8 bytes 0xC3 0xA9.
    setup.format.encode(*setup.tokens, {"h\xc3\xa9", "<eos>"}, ids);
    const std::vector<std::int32_t> expected{256, 'Q', ':', 'h', 0xC3, 0xA9, 'A', ':', '<', 'e', 'o', 's', '>', 257};
    CHECK(ids == expected);  // "<eos>" inside the response stays text
    CHECK(setup.tokens->id_limit() == 258);
    CHECK(setup.tokens->special_id("<bos>") == 256);
    CHECK_THROWS_WITH(setup.tokens->special_id("<pad>"), Catch::Contains("no special token named '<pad>'"));
}

TEST_CASE("malformed tokenizer files say what is wrong") {
    auto with = [](const std::string& body) { return parse_tokenizer_file(body, "tok.json"); };
    CHECK_THROWS_WITH(with(R"({"type": "bpe", "specials": {}, "template": [{"slot":"prompt"},{"slot":"response"}]})"),
                      Catch::Contains("tok.json: tokenizer type 'bpe' is not supported"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "template": []})"), Catch::Contains("missing key 'specials'"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "specials": {}, "template": [], "extra": 1})"),
                      Catch::Contains("unknown key 'extra'"));
    CHECK_THROWS_WITH(
        with(R"({"type": "byte", "specials": {"<s>": 7}, "template": [{"slot":"prompt"},{"slot":"response"}]})"),
        Catch::Contains("special token '<s>' has id 7, but ids 0-255 are the bytes"));
    CHECK_THROWS_WITH(
        with(
            R"({"type": "byte", "specials": {"<a>": 300, "<b>": 300}, "template": [{"slot":"prompt"},{"slot":"response"}]})"),
        Catch::Contains("share id 300"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "specials": {"<a>": "x"}, "template": []})"),
                      Catch::Contains("special token '<a>' must have a non-negative integer id"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt"}]})"),
                      Catch::Contains("needs the prompt slot and the response slot exactly once each"));
    CHECK_THROWS_WITH(
        with(
            R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt"},{"slot":"response"},{"slot":"response"}]})"),
        Catch::Contains("has 1 prompt and 2 response slots"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt"},{"slot":"answer"}]})"),
                      Catch::Contains("template[1] names slot 'answer'"));
    CHECK_THROWS_WITH(
        with(
            R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt"},{"slot":"response"},{"special":"<eos>"}]})"),
        Catch::Contains("no special token named '<eos>'"));
    CHECK_THROWS_WITH(
        with(R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt","text":"x"},{"slot":"response"}]})"),
        Catch::Contains("template[0] must be an object with one key"));
    CHECK_THROWS_WITH(
        with(R"({"type": "byte", "specials": {}, "template": [{"slot":"prompt"},{"emoji":"x"},{"slot":"response"}]})"),
        Catch::Contains("template[1] has unknown key 'emoji'"));
    CHECK_THROWS_WITH(with(R"({"type": "byte", "type": "byte"})"), Catch::Contains("key 'type' appears twice"));
    CHECK_THROWS_WITH(with("not json"), Catch::Contains("tok.json: not valid JSON"));
}

TEST_CASE("a model refuses a tokenizer whose ids its vocabulary does not cover") {
    const auto dir = cirm_test::copy_of_model("tiny_llama_gqa_bf16", "special_outside_vocab");
    cirm_test::write_text(
        dir / "cirm_tokenizer.json",
        R"({"type":"byte","specials":{"<bos>":264},"template":[{"special":"<bos>"},{"slot":"prompt"},{"slot":"response"}]})");
    CHECK_THROWS_WITH(cirm::reference::llama_reward_model(dir),
                      Catch::Contains("produces ids up to 264 but the model's vocab_size is 264"));
    std::filesystem::remove(dir / "cirm_tokenizer.json");
    CHECK_THROWS_WITH(cirm::reference::llama_reward_model(dir), Catch::Contains("cirm_tokenizer.json"));
}

TEST_CASE("a caller may bring its own tokenizer through the interface") {
    // A toy tokenizer: each byte becomes two tokens (high and low nibble); the engine does not care.
    struct nibble_tokenizer final : cirm::reference::tokenizer {
        void encode(std::string_view text, std::vector<std::int32_t>& ids) const override {
            for (unsigned char ch : text) {
                ids.push_back(ch >> 4);
                ids.push_back(ch & 15);
            }
        }
        std::int32_t special_id(std::string_view) const override { throw cirm::error("no specials"); }
        std::size_t id_limit() const noexcept override { return 16; }
    };
    auto tok = std::make_shared<const nibble_tokenizer>();
    cirm::reference::prompt_template format(
        {{cirm::reference::template_piece::kind::prompt, {}}, {cirm::reference::template_piece::kind::response, {}}});
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"), {tok, format});
    CHECK(model.encode({"A", "b"}) == std::vector<std::int32_t>{4, 1, 6, 2});
    const std::vector<std::int32_t> ids{4, 1, 6, 2};
    CHECK(model.score({"A", "b"}) == model.score_tokens(ids));
}
