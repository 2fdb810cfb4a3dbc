// tokenizer.json that cirm must refuse, each with an error that names the file, the JSON path and
// the problem: malformed JSON, unknown component types and options, bad merges, ids out of range.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "cirm/io/tokenizer_json.hpp"

namespace {

using nlohmann::json;

json valid_file() {
    return json::parse(R"({"version": "1.0", "truncation": null, "padding": null,
        "added_tokens": [{"id": 3, "content": "<s>", "special": true, "lstrip": false, "rstrip": false,
                          "normalized": false, "single_word": false}],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}], "pair": [],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}}},
        "decoder": null,
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}

std::string refusal_of_text(const std::string& text) {
    try {
        cirm::parse_tokenizer_json(text, "tok.json");
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(accepted)";
}
std::string refusal(const json& file) { return refusal_of_text(file.dump()); }

}  // namespace

TEST_CASE("the valid base file is accepted", "[text]") {
    const auto tokenizer = cirm::parse_tokenizer_json(valid_file().dump(), "tok.json");
    CHECK(tokenizer.encode("ab", true) == std::vector<std::int32_t>{3, 2});
}

TEST_CASE("malformed JSON and repeated keys are refused", "[text]") {
    CHECK_THAT(refusal_of_text("{\"model\": "), Catch::StartsWith("tok.json: not valid JSON"));
    CHECK_THAT(refusal_of_text("[]"), Catch::Contains("tok.json: the top level: must be an object, not an array"));
    CHECK_THAT(refusal_of_text(R"({"model": {"type": "BPE", "vocab": {"a": 0, "a": 1}}})"),
               Catch::Contains("'a' appears twice"));
}

TEST_CASE("the vocabulary, read apart from the rest, is checked as strictly", "[text]") {
    CHECK_THAT(refusal_of_text(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "a": 2}}})"),
               Catch::Equals("tok.json: key 'a' appears twice in 'model.vocab'"));
    CHECK_THAT(refusal_of_text(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": {"c": [1, 2]}}}})"),
               Catch::Equals("tok.json: model.vocab['b']: must be an integer id, not an object"));
    CHECK_THAT(refusal_of_text(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "vocab": {"b": 0}}})"),
               Catch::Equals("tok.json: key 'vocab' appears twice in 'model'"));
    CHECK_THAT(refusal_of_text(R"({"model": {"type": "BPE", "vocab": [["a", 0]]}})"),
               Catch::Equals("tok.json: model.vocab: must be an object of token: id, not an array"));
    CHECK_THAT(refusal_of_text(std::string("{\"model\": 1}\0", 13)),
               Catch::StartsWith("tok.json: not valid JSON: NUL byte"));
}

TEST_CASE("a component type cirm does not implement is an error naming it", "[text]") {
    json file = valid_file();
    file["normalizer"] = {{"type", "Lowercase"}};
    CHECK_THAT(refusal(file),
               Catch::Contains("tok.json: normalizer: normalizer type 'Lowercase' is not supported (supported: NFC"));
    file = valid_file();
    file["pre_tokenizer"] = json::parse(R"({"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}]})");
    CHECK_THAT(refusal(file),
               Catch::Contains("pre_tokenizer.pretokenizers[0]: pre_tokenizer type 'Whitespace' is not supported"));
    file = valid_file();
    file["post_processor"] = {{"type", "BertProcessing"}};
    CHECK_THAT(refusal(file), Catch::Contains("post_processor type 'BertProcessing' is not supported"));
    file = valid_file();
    file["model"]["type"] = "WordPiece";
    CHECK_THAT(refusal(file), Catch::Contains("model: model type 'WordPiece' is not supported (supported: BPE)"));
}

TEST_CASE("an option cirm does not implement is an error naming it", "[text]") {
    json file = valid_file();
    file["pre_tokenizer"]["prefix_spaces"] = 2;
    CHECK_THAT(refusal(file),
               Catch::Contains("tok.json: pre_tokenizer.prefix_spaces: is not an option cirm implements"));
    file = valid_file();
    file["truncation"] = {{"max_length", 8}};
    CHECK_THAT(refusal(file), Catch::Contains("tok.json: truncation: is not supported"));
    file = valid_file();
    file["model"]["dropout"] = 0.1;
    CHECK_THAT(refusal(file), Catch::Contains("model.dropout: is not supported"));
    file = valid_file();
    file["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Sideways"}};
    CHECK_THAT(refusal(file), Catch::Contains("pre_tokenizer.behavior: 'Sideways' is not a split behavior"));
    file["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    CHECK_THAT(refusal(file),
               Catch::Contains("pre_tokenizer.pattern.Regex: the regular expression '(unclosed' does not compile"));
}

TEST_CASE("bad merges are refused", "[text]") {
    json file = valid_file();
    file["model"]["merges"] = {"a b c"};
    CHECK_THAT(refusal(file), Catch::Contains("model.merges[0]: 'a b c' is not two tokens separated by one space"));
    file["model"]["merges"] = {"a z"};
    CHECK_THAT(refusal(file), Catch::Contains("model.merges[0] ('a', 'z'): 'z' is not in model.vocab"));
    file["model"]["merges"] = {"b a"};
    CHECK_THAT(refusal(file), Catch::Contains("the merged token 'ba' is not in model.vocab"));
    // parsed, not brace-initialized: nlohmann reads a one-element braced list of one value as
    // that value on some builds, which would make this case the string "a" instead of ["a"]
    file["model"]["merges"] = json::parse(R"([["a"]])");
    CHECK_THAT(refusal(file), Catch::Contains("model.merges[0]: must be \"left right\" or [left, right]"));
    file["model"]["merges"] = json::parse(R"(["a b", ["a", "b"], {"a": "b"}])");
    CHECK_THAT(refusal(file),
               Catch::Contains("model.merges[2]: must be \"left right\" or [left, right], not an object"));
    file["model"]["merges"] = json::parse(R"([["a", ["b"]]])");
    CHECK_THAT(refusal(file),
               Catch::Contains(
                   "model.merges[0]: must be \"left right\" or [left, right], not an array that is not two strings"));
    file["model"]["merges"] = json::parse(R"([7])");
    CHECK_THAT(refusal(file),
               Catch::Contains("model.merges[0]: must be \"left right\" or [left, right], not a number"));
}

TEST_CASE("ids out of range or given twice are refused", "[text]") {
    json file = valid_file();
    file["model"]["vocab"]["b"] = -1;
    CHECK_THAT(refusal(file), Catch::Contains("model.vocab['b']: the id -1 is out of range"));
    file = valid_file();
    file["model"]["vocab"]["b"] = 0;
    CHECK_THAT(refusal(file), Catch::Contains("model.vocab['b']: the id 0 is given to two tokens"));
    file = valid_file();
    file["added_tokens"][0]["id"] = "3";
    CHECK_THAT(refusal(file), Catch::Contains("added_tokens[0].id: must be an integer id, not a string"));
    file = valid_file();
    file["post_processor"]["special_tokens"]["<s>"]["ids"] = {99};
    CHECK_THAT(refusal(file),
               Catch::Contains("post_processor.special_tokens['<s>'].ids[0]: id 99 is not a token of this file"));
    file = valid_file();
    file["model"]["unk_token"] = "<unk>";
    CHECK_THAT(refusal(file), Catch::Contains("model.unk_token '<unk>' is not in model.vocab"));
}

TEST_CASE("text that is not UTF-8 is refused when encoding", "[text]") {
    const auto tokenizer = cirm::parse_tokenizer_json(valid_file().dump(), "tok.json");
    CHECK_THROWS_AS(tokenizer.encode("a\xFF"), cirm::error);
}
