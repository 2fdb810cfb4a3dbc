// A model directory's text files (tokenizer.json, tokenizer_config.json, special_tokens_map.json,
// chat_template.jinja) as the engine reads them, the user format of --template, and the ids of a
// sample, written out by hand from the files.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

#include "cirm/io/byte_level_tokenizer.hpp"
#include "cirm/io/model_text.hpp"

namespace fs = std::filesystem;

namespace {

/// The bytes of `text` as ids.
std::vector<std::int32_t> bytes(std::string_view text) {
    std::vector<std::int32_t> ids;
    for (unsigned char c : text) ids.push_back(c);
    return ids;
}

std::vector<std::int32_t> join(std::initializer_list<std::vector<std::int32_t>> parts) {
    std::vector<std::int32_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

TEST_CASE("the fixture's chat template renders bos, user, prompt, newline, assistant, response, eos") {
    // tiny_llama_gqa_bf16: <bos> 256, <eos> 257, <|user|> 258, <|assistant|> 259
    const auto format = cirm::load_sample_format(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const cirm::sample s{"h\xc3\xa9", "ok"};
    CHECK(format.render(s) == "<bos><|user|>h\xc3\xa9\n<|assistant|>ok<eos>");
    // "é" is the two UTF-8 bytes 0xC3 0xA9
    CHECK(format.encode(s) == join({{256, 258}, bytes("h\xc3\xa9\n"), {259}, bytes("ok"), {257}}));
    // the text of an added token inside content becomes that token, as in Hugging Face's default
    CHECK(format.encode({"a<eos>b", ""}) == join({{256, 258}, bytes("a"), {257}, bytes("b\n"), {259, 257}}));
    CHECK(format.origin().find("tokenizer_config.json") != std::string::npos);
}

TEST_CASE("the bundled format of the Qwen-style fixture has no BOS and a newline between turns") {
    const auto format = cirm::load_sample_format(cirm_test::model_fixture("tiny_qwen2_bias_f16"));
    // <|im_start|> 256, <|im_end|> 257
    CHECK(format.encode({"Q", "A"}) ==
          join({{256}, bytes("user\nQ"), {257}, bytes("\n"), {256}, bytes("assistant\nA"), {257}}));
}

TEST_CASE("a user format replaces the chat template, with a system message where it has {system}") {
    cirm::sample_format_options options;
    options.user_template = "<bos>[{system}] {prompt} => {response}";
    options.settings.system = "sys";
    const auto format = cirm::load_sample_format(cirm_test::model_fixture("tiny_llama_gqa_bf16"), options);
    CHECK(format.origin() == "--template");
    CHECK(format.render({"p", "r"}) == "<bos>[sys] p => r");
    CHECK(format.encode({"p", "r"}) == join({{256}, bytes("[sys] p => r")}));
    // placeholders in the inserted text are not replaced again
    CHECK(format.render({"{response}", "r"}) == "<bos>[sys] {response} => r");

    CHECK_THROWS_WITH(cirm::user_format("{prompt} only"), Catch::Contains("{prompt} and {response} exactly once each"));
    CHECK_THROWS_WITH(cirm::user_format("{prompt}{prompt}{response}"), Catch::Contains("exactly once each"));
    options.user_template = "{prompt}{response}";
    CHECK_THROWS_WITH(cirm::load_sample_format(cirm_test::model_fixture("tiny_llama_gqa_bf16"), options),
                      Catch::Contains("system message is given but the template format has no {system}"));
}

TEST_CASE("a system message goes through the chat template, which may refuse it") {
    cirm::sample_format_options options;
    options.settings.system = "Be brief.";
    const auto format = cirm::load_sample_format(cirm_test::model_fixture("tiny_llama_gqa_bf16"), options);
    // the fixture's template renders any non-user turn as the assistant's: a made-up format
    CHECK(format.render({"p", "r"}) == "<bos><|assistant|>Be brief.<eos><|user|>p\n<|assistant|>r<eos>");
    const auto bundled = cirm::load_sample_format(cirm_test::bundled_model(), options);
    CHECK_THROWS_WITH(bundled.render({"p", "r"}), Catch::Contains("roles user and assistant only, not system"));
}

TEST_CASE("tokenizer_config.json: templates, named templates and special tokens in every written form") {
    auto parse = [](const std::string& text) { return cirm::parse_tokenizer_config(text, "cfg.json"); };
    const auto plain = parse(
        R"({"chat_template": "T", "bos_token": "<s>", "eos_token": {"content": "</s>", "lstrip": false}, "pad_token": null})");
    CHECK(plain.chat_template == "T");
    CHECK(plain.bos_token == "<s>");
    CHECK(plain.eos_token == "</s>");
    CHECK(!plain.pad_token);
    const auto named =
        parse(R"({"chat_template": [{"name": "tool_use", "template": "X"}, {"name": "default", "template": "D"}]})");
    CHECK(named.chat_template == "D");
    CHECK(!parse("{}").chat_template);
    CHECK_THROWS_WITH(parse(R"({"chat_template": [{"name": "rag", "template": "X"}]})"),
                      Catch::Contains("cfg.json: 'chat_template' lists the templates rag but none named 'default'"));
    CHECK_THROWS_WITH(parse(R"({"chat_template": 3})"), Catch::Contains("'chat_template' must be a string or a list"));
    CHECK_THROWS_WITH(parse(R"({"chat_template": [{"name": "default"}]})"),
                      Catch::Contains("chat_template[0] must be an object with string fields 'name' and 'template'"));
    CHECK_THROWS_WITH(parse(R"({"eos_token": ["x"]})"),
                      Catch::Contains("'eos_token' must be a string, null or an object"));
    CHECK_THROWS_WITH(parse("[1]"), Catch::Contains("cfg.json: not a JSON object"));
    CHECK_THROWS_WITH(parse(R"({"a": 1, "a": 2})"), Catch::Contains("'a' appears twice"));
}

TEST_CASE("special_tokens_map.json fills the tokens tokenizer_config.json leaves out, and chat_template.jinja wins") {
    const auto dir = cirm_test::copy_of_model("tiny_llama_gqa_bf16", "text_files_precedence");
    cirm_test::write_text(
        dir / "tokenizer_config.json",
        R"({"eos_token": "<eos>", "chat_template": "{{ bos_token }}|{{ eos_token }}|{{ messages[1]['content'] }}"})");
    cirm_test::write_text(dir / "special_tokens_map.json",
                          R"({"bos_token": {"content": "<bos>"}, "eos_token": "<x>"})");
    auto format = cirm::load_sample_format(dir);
    CHECK(format.render({"p", "r"}) == "<bos>|<eos>|r");  // bos from the map, eos from the config
    cirm_test::write_text(dir / "chat_template.jinja", "J{{ messages[0]['content'] }}");
    format = cirm::load_sample_format(dir);
    CHECK(format.render({"p", "r"}) == "Jp");
    CHECK(format.origin().find("chat_template.jinja") != std::string::npos);
}

TEST_CASE("a model directory without its text files, or without a template, says what to do") {
    const auto dir = cirm_test::copy_of_model("tiny_llama_gqa_bf16", "text_files_missing");
    cirm_test::write_text(dir / "tokenizer_config.json", R"({"bos_token": "<bos>"})");
    CHECK_THROWS_WITH(cirm::load_sample_format(dir),
                      Catch::Contains("has no chat template") && Catch::Contains("--template"));
    cirm::sample_format_options options;
    options.user_template = "{prompt}|{response}";
    CHECK(cirm::load_sample_format(dir, options).render({"a", "b"}) == "a|b");
    fs::remove(dir / "tokenizer_config.json");
    CHECK_THROWS_WITH(cirm::load_sample_format(dir), Catch::Contains("no tokenizer_config.json"));
    fs::remove(dir / "tokenizer.json");
    CHECK_THROWS_WITH(cirm::reference::llama_reward_model(dir), Catch::Contains("no tokenizer.json"));
}

TEST_CASE("a model refuses a tokenizer whose ids its vocabulary does not cover") {
    const auto dir = cirm_test::copy_of_model("tiny_llama_gqa_bf16", "special_outside_vocab");
    cirm_test::write_text(dir / "tokenizer.json", cirm::byte_level_tokenizer_json({{"<bos>", 264}}));
    CHECK_THROWS_WITH(cirm::reference::llama_reward_model(dir),
                      Catch::Contains("produces ids up to 264 but the model's vocab_size is 264"));
}

TEST_CASE("the committed byte-level tokenizer files are what the writers produce") {
    // the Python peer (tools/peers/byte_level_files.py) wrote the fixture; the C++ writer must agree
    const auto fixture = cirm::read_file(cirm_test::model_fixture("tiny_llama_gqa_bf16") / "tokenizer.json");
    CHECK(fixture ==
          cirm::byte_level_tokenizer_json({{"<bos>", 256}, {"<eos>", 257}, {"<|user|>", 258}, {"<|assistant|>", 259}}));
    const auto bundled = cirm::read_file(cirm_test::bundled_model() / "tokenizer.json");
    CHECK(bundled == cirm::byte_level_tokenizer_json(
                         {{"<bos>", 256}, {"<|user|>", 257}, {"<|assistant|>", 258}, {"<eos>", 259}, {"<pad>", 260}}));
    CHECK_THROWS_WITH(cirm::byte_level_tokenizer_json({{"<s>", 7}}), Catch::Contains("ids 0-255 are the bytes"));
}

TEST_CASE("the caller's own ids run through score_tokens") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto ids = model.encode({"A", "b"});
    CHECK(model.score({"A", "b"}) == model.score_tokens(ids));
}
