// tokenizer.json in C++: each component on small handmade files, with expected ids worked out by
// hand from the rules of Hugging Face's `tokenizers` (docs/architecture.md names the text area).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/io/tokenizer_json.hpp"

namespace {

using ids = std::vector<std::int32_t>;
using nlohmann::json;

/// A BPE tokenizer.json with the given vocabulary and merges and nothing else.
json bpe_file(json vocab, json merges = json::array()) {
    return {{"version", "1.0"},
            {"truncation", nullptr},
            {"padding", nullptr},
            {"added_tokens", json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", nullptr},
            {"post_processor", nullptr},
            {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", std::move(merges)}}}};
}

cirm::hf_tokenizer load(const json& file) { return cirm::parse_tokenizer_json(file.dump(), "test.json"); }

/// A vocabulary where every token of `tokens` has its index as id.
json vocab_of(const std::vector<std::string>& tokens) {
    json vocab = json::object();
    for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
    return vocab;
}

}  // namespace

TEST_CASE("BPE applies merges lowest rank first", "[text]") {
    const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}};
    // "abc": with "b c" ranked first, b+c merge and a stays; ranked second, a+b merge first.
    CHECK(load(bpe_file(vocab, {"b c", "a b"})).encode("abc") == ids{0, 4});
    CHECK(load(bpe_file(vocab, {"a b", "b c"})).encode("abc") == ids{3, 2});
    // merges written as pairs read the same
    CHECK(load(bpe_file(vocab, json::array({json::array({"a", "b"}), json::array({"b", "c"})}))).encode("abc") ==
          ids{3, 2});
}

TEST_CASE("BPE merges equal ranks leftmost first and repeats merges", "[text]") {
    const json vocab = {{"a", 0}, {"aa", 1}, {"aaaa", 2}};
    // "aaa": (aa)(a); "aaaaa": (aa)(aa)(a) then (aaaa)(a)
    const auto tokenizer = load(bpe_file(vocab, {"a a", "aa aa"}));
    CHECK(tokenizer.encode("aaa") == ids{1, 0});
    CHECK(tokenizer.encode("aaaaa") == ids{2, 0});
}

TEST_CASE("ignore_merges takes a piece that is a token as it is", "[text]") {
    json file = bpe_file({{"a", 0}, {"b", 1}, {"c", 2}, {"bc", 3}, {"abc", 4}}, {"b c"});
    CHECK(load(file).encode("abc") == ids{0, 3});
    file["model"]["ignore_merges"] = true;
    CHECK(load(file).encode("abc") == ids{4});
    CHECK(load(file).encode("abcbc") == ids{0, 3, 3});  // not a token: merged as usual
}

TEST_CASE("byte_fallback, the unknown token and fuse_unk", "[text]") {
    json file = bpe_file({{"<unk>", 0}, {"a", 1}, {"<0xC3>", 2}, {"<0xA9>", 3}});
    file["model"]["unk_token"] = "<unk>";
    file["model"]["byte_fallback"] = true;
    CHECK(load(file).encode("a\xC3\xA9") == ids{1, 2, 3});  // é: its two bytes
    // € (E2 82 AC) has no byte tokens here: the unknown token, once per character without fuse_unk
    CHECK(load(file).encode("\xE2\x82\xAC\xE2\x82\xAC"
                            "a") == ids{0, 0, 1});
    file["model"]["fuse_unk"] = true;
    CHECK(load(file).encode("\xE2\x82\xAC\xE2\x82\xAC"
                            "a\xE2\x82\xAC") == ids{0, 1, 0});
}

TEST_CASE("ByteLevel maps bytes to GPT-2's alphabet after its regex split", "[text]") {
    // Ġ is the space (byte 0x20), Ċ the line feed (0x0A)
    json file = bpe_file(vocab_of({"a", "\xC4\xA0", "b",
                                   "\xC4\xA0"
                                   "b",
                                   "\xC4\x8A", "'s", "'", "s"}),
                         {"\xC4\xA0 b", "' s"});
    file["pre_tokenizer"] = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    const auto tokenizer = load(file);
    CHECK(tokenizer.encode("a b\n") == ids{0, 3, 4});
    CHECK(tokenizer.encode("a's") == ids{0, 5});
    file["pre_tokenizer"]["add_prefix_space"] = true;
    CHECK(load(file).encode("b") == ids{3});
}

TEST_CASE("the regular expressions' whitespace class is Unicode White_Space (U+0085 in, U+FEFF out)", "[text]") {
    // Hugging Face's Oniguruma counts U+0085 as \s and U+FEFF not (JavaScript's \s, the encoding
    // peer's, does the opposite; the corpus comparison leaves these two out). Pieces are made
    // visible by a merge of Ġ with the next byte's character.
    json file = bpe_file(vocab_of({"a", "\xC4\xA0", "\xC3\x82", "\xC4\xA7", "b", "\xC4\xA0\xC3\x82", "\xC3\xAF",
                                   "\xC2\xBB", "\xC2\xBF", "\xC4\xA0\xC3\xAF"}),
                         {"\xC4\xA0 \xC3\x82", "\xC4\xA0 \xC3\xAF"});
    file["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    const auto tokenizer = load(file);
    // "a \u0085b": the space and U+0085 (bytes C2 85 -> Â ħ) are whitespace: " " alone, then U+0085
    CHECK(tokenizer.encode("a \xC2\x85"
                           "b") == ids{0, 1, 2, 3, 4});
    // "a \uFEFFb": U+FEFF (EF BB BF -> ï » ¿) is not: " \uFEFF" is one piece, so Ġ and ï merge
    CHECK(tokenizer.encode("a \xEF\xBB\xBF"
                           "b") == ids{0, 9, 7, 8, 4});
}

TEST_CASE("the regular expressions' word class has marks and connectors, as Oniguruma's", "[text]") {
    // "a_b-c\u0301d" split by \w+ (Isolated): c, the combining acute and d are one word; "-" and
    // the class form [\w] agree with the plain one
    json file = bpe_file(vocab_of({"a_b", "-",
                                   "c\xCC\x81"
                                   "d",
                                   "a", "_", "b", "c", "\xCC\x81", "d"}));
    file["model"]["ignore_merges"] = true;
    for (const char* expression : {"\\w+", "[\\w]+"}) {
        file["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", expression}}}, {"behavior", "Isolated"}};
        CHECK(load(file).encode("a_b-c\xCC\x81"
                                "d") == ids{0, 1, 2});
    }
    file["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\W"}}}, {"behavior", "Removed"}};
    CHECK(load(file).encode("a_b-c\xCC\x81"
                            "d") == ids{0, 2});
}

TEST_CASE("normalizers: Prepend and Replace (SentencePiece style), NFC", "[text]") {
    const std::string bar = "\xE2\x96\x81";  // ▁
    json file = bpe_file(vocab_of({bar, "a", bar + "a"}), {bar + " a"});
    const json prepend = {{"type", "Prepend"}, {"prepend", bar}};
    const json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", bar}};
    file["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array({prepend, replace})}};
    CHECK(load(file).encode("a a") == ids{2, 2});
    CHECK(load(file).encode("") == ids{});  // nothing to prepend to

    json nfc = bpe_file(vocab_of({"\xC3\xA9", "e", "\xCC\x81"}));
    CHECK(load(nfc).encode("e\xCC\x81") == ids{1, 2});
    nfc["normalizer"] = {{"type", "NFC"}};
    CHECK(load(nfc).encode("e\xCC\x81") == ids{0});

    json regex = bpe_file(vocab_of({"a", "-"}));
    regex["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", "-"}};
    CHECK(load(regex).encode("a \t\n a") == ids{0, 1, 0});
    json strip = bpe_file(vocab_of({"a", " "}));
    strip["normalizer"] = {{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}};
    CHECK(load(strip).encode("  a a  ") == ids{0, 1, 0, 1, 1});
}

TEST_CASE("Split: every delimiter behavior, invert, regex", "[text]") {
    // ignore_merges and a vocabulary holding each possible piece make the pieces visible
    const std::vector<std::string> pieces = {"a", "b", "c", "-", "a-", "b-", "-b", "-c", "--"};
    json file = bpe_file(vocab_of(pieces));
    file["model"]["ignore_merges"] = true;
    const auto split = [&](const std::string& behavior, bool invert = false, json pattern = {{"String", "-"}}) {
        json f = file;
        f["pre_tokenizer"] = {{"type", "Split"}, {"pattern", pattern}, {"behavior", behavior}, {"invert", invert}};
        std::vector<std::string> out;
        const auto tokenizer = load(f);
        for (auto id : tokenizer.encode("a-b--c")) out.emplace_back(tokenizer.token_text(id));
        return out;
    };
    using texts = std::vector<std::string>;
    CHECK(split("Isolated") == texts{"a", "-", "b", "-", "-", "c"});
    CHECK(split("Removed") == texts{"a", "b", "c"});
    CHECK(split("MergedWithPrevious") == texts{"a-", "b-", "-", "c"});
    CHECK(split("MergedWithNext") == texts{"a", "-b", "-", "-c"});
    CHECK(split("Contiguous") == texts{"a", "-", "b", "--", "c"});
    CHECK(split("Removed", true) == texts{"-", "-", "-"});
    CHECK(split("Isolated", false, {{"Regex", "-+"}}) == texts{"a", "-", "b", "--", "c"});
}

TEST_CASE("Metaspace: replacement, prepend schemes, split", "[text]") {
    const std::string bar = "\xE2\x96\x81";
    json file = bpe_file(vocab_of({bar + "a", bar + "b", "a", "b", bar, "<s>"}));
    file["model"]["ignore_merges"] = true;
    file["added_tokens"] = {{{"id", 5}, {"content", "<s>"}, {"special", true}}};
    const auto encode = [&](const std::string& scheme, bool split, const std::string& text) {
        json f = file;
        f["pre_tokenizer"] = {
            {"type", "Metaspace"}, {"replacement", bar}, {"prepend_scheme", scheme}, {"split", split}};
        return load(f).encode(text);
    };
    CHECK(encode("always", true, "a b") == ids{0, 1});
    CHECK(encode("never", true, "a b") == ids{2, 1});
    CHECK(encode("first", true, "a b") == ids{0, 1});
    CHECK(encode("first", true, "<s>a") == ids{5, 2});  // the part after <s> does not start the input
    CHECK(encode("always", true, "<s>a") == ids{5, 0});
    CHECK(encode("never", false, "a b") == ids{2, 4, 3});  // one piece "a▁b", no merges: by character
}

TEST_CASE("Digits: individual digits or runs", "[text]") {
    json file = bpe_file(vocab_of({"a", "b", "1", "2", "3", "ab", "123", "\xD9\xA3"}));
    file["model"]["ignore_merges"] = true;
    file["pre_tokenizer"] = {{"type", "Digits"}, {"individual_digits", false}};
    CHECK(load(file).encode("ab123ab") == ids{5, 6, 5});
    file["pre_tokenizer"]["individual_digits"] = true;
    CHECK(load(file).encode("ab123\xD9\xA3") == ids{5, 2, 3, 4, 7});  // Arabic-Indic three is a digit too
}

TEST_CASE("added tokens are cut out first, with lstrip, rstrip, single_word, normalized", "[text]") {
    json file = bpe_file(vocab_of({"a", "b", " ", "x", "w", "y"}));
    file["added_tokens"] = {
        {{"id", 10}, {"content", "<x>"}, {"special", true}, {"normalized", false}},
        {{"id", 11}, {"content", "<l>"}, {"lstrip", true}, {"normalized", false}},
        {{"id", 12}, {"content", "<r>"}, {"rstrip", true}, {"normalized", false}},
        {{"id", 13}, {"content", "ww"}, {"single_word", true}, {"normalized", false}},
        {{"id", 14}, {"content", "<x>y"}, {"normalized", false}},  // longest at the same start wins
        {{"id", 15}, {"content", "ay"}, {"normalized", true}},
    };
    file["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", "b"}}}, {"content", "y"}};
    const auto tokenizer = load(file);
    CHECK(tokenizer.encode("a<x>a") == ids{0, 10, 0});  // a special token's text inside content is the token
    CHECK(tokenizer.encode("a<x>y") == ids{0, 14});
    CHECK(tokenizer.encode("a  <l>a") == ids{0, 11, 0});  // the spaces before go with <l>
    CHECK(tokenizer.encode("a<r>  a") == ids{0, 12, 0});  // the spaces after go with <r>
    CHECK(tokenizer.encode("ww xww ww") == ids{13, 2, 3, 4, 4, 2, 13});
    CHECK(tokenizer.encode("ab") == ids{15});  // normalized "ay" matches after b -> y
    CHECK(tokenizer.encode("<x") == ids{3});   // '<' is in no vocabulary: dropped (no unk)
    CHECK(tokenizer.is_special(10));
    CHECK_FALSE(tokenizer.is_special(11));
    CHECK_FALSE(tokenizer.is_special(0));
    CHECK(tokenizer.token_id("<x>") == 10);
    CHECK(tokenizer.token_id("a") == 0);
    CHECK_FALSE(tokenizer.token_id("zz").has_value());
    CHECK(tokenizer.token_text(12) == "<r>");
    CHECK(tokenizer.token_text(9).empty());
    CHECK(tokenizer.id_limit() == 16);
    CHECK(tokenizer.describe() == "BPE, 6 tokens + 6 added (1 special)");
}

TEST_CASE("TemplateProcessing adds BOS only with add_special_tokens, ByteLevel adds nothing", "[text]") {
    json file = bpe_file(vocab_of({"a", "<s>"}));
    file["added_tokens"] = {{{"id", 1}, {"content", "<s>"}, {"special", true}}};
    file["post_processor"] = json::parse(R"({"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}]})");
    const auto tokenizer = load(file);
    CHECK(tokenizer.encode("aa") == ids{0, 0});
    CHECK(tokenizer.encode("aa", true) == ids{1, 0, 0});
    ids appended{7};
    tokenizer.encode("a", appended, true);
    CHECK(appended == ids{7, 1, 0});
}

TEST_CASE("encode is thread-safe", "[text]") {
    json file = bpe_file(vocab_of({"a", "b", "ab", "\xC4\xA0",
                                   "\xC4\xA0"
                                   "ab"}),
                         {"a b", "\xC4\xA0 ab"});
    file["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    const auto tokenizer = load(file);
    std::string text;
    ids expected;
    for (int i = 0; i < 200; ++i) {
        text += " ab";
        expected.push_back(4);
    }
    std::vector<int> ok(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < ok.size(); ++t)
        threads.emplace_back([&, t] {
            for (int k = 0; k < 50; ++k) ok[t] += tokenizer.encode(text) == expected ? 1 : 0;
        });
    for (auto& thread : threads) thread.join();
    CHECK(ok == std::vector<int>(4, 50));
}
