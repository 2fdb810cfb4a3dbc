#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cirm/io/jsonl.hpp"

namespace fs = std::filesystem;

namespace {

std::string parse_error(const std::string& text) {
    try {
        (void)cirm::parse_preference_jsonl(text, "data.jsonl");
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string good_line = R"({"prompt": "p", "chosen": "c", "rejected": "r"})";

}  // namespace

TEST_CASE("preference JSONL: fields, ids, blank lines, CRLF and a last line without newline") {
    const std::string text =
        R"({"id": 17, "prompt": "Why?", "chosen": "Because.", "rejected": "No!", "subset": "chat", "chosen_model": "x"})"
        "\r\n"
        "\n"
        "   \t\n" +
        std::string(R"({"id": "abc", "prompt": "caf\u00e9 ✓", "chosen": "line\nbreak", "rejected": ""})") + "\n" +
        R"({"prompt": "q", "chosen": "c", "rejected": "r"})";
    const auto pairs = cirm::parse_preference_jsonl(text);
    REQUIRE(pairs.size() == 3);
    CHECK(pairs[0].id == "17");
    CHECK(pairs[0].prompt == "Why?");
    CHECK(pairs[0].chosen == "Because.");
    CHECK(pairs[0].rejected == "No!");
    CHECK(pairs[0].subset == "chat");
    CHECK(pairs[1].id == "abc");
    CHECK(pairs[1].prompt == "caf\xc3\xa9 \xe2\x9c\x93");
    CHECK(pairs[1].chosen == "line\nbreak");
    CHECK(pairs[1].rejected.empty());
    CHECK(pairs[1].subset.empty());
    CHECK(pairs[2].id == "5");  // no id: the 1-based line number
}

TEST_CASE("preference JSONL: errors name the file and line") {
    // line 17 lacks "chosen"
    std::string text;
    for (int line = 1; line <= 16; ++line)
        text += R"({"id": )" + std::to_string(line) + R"(, "prompt": "p", "chosen": "c", "rejected": "r"})" + "\n";
    text += R"({"id": 17, "prompt": "p", "rejected": "r"})"
            "\n";
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "jsonl";
    fs::create_directories(dir);
    const fs::path path = dir / "data.jsonl";
    cirm::write_file_atomically(path, text);
    CHECK_THROWS_WITH(cirm::read_preference_jsonl(path), path.string() + ":17: missing field 'chosen'");
    CHECK_THROWS_WITH(cirm::read_preference_jsonl(dir / "absent.jsonl"),
                      Catch::Contains("cannot read") && Catch::Contains("absent.jsonl"));

    CHECK(parse_error(good_line + "\n{\"prompt\": 1, \"chosen\": \"c\", \"rejected\": \"r\"}\n") ==
          "data.jsonl:2: field 'prompt' is not a string");
    CHECK(parse_error(R"({"prompt": "p", "chosen": "c", "rejected": null})") ==
          "data.jsonl:1: field 'rejected' is not a string");
    CHECK(parse_error(R"({"prompt": "p", "chosen": "c", "rejected": "r", "subset": 3})") ==
          "data.jsonl:1: field 'subset' is not a string");
    CHECK(parse_error(R"({"id": 1.5, "prompt": "p", "chosen": "c", "rejected": "r"})") ==
          "data.jsonl:1: field 'id' is not a string or an integer");
    CHECK(parse_error(R"({"id": "", "prompt": "p", "chosen": "c", "rejected": "r"})") ==
          "data.jsonl:1: field 'id' is empty");
    CHECK(parse_error("[\"p\", \"c\", \"r\"]") == "data.jsonl:1: not a JSON object (it is array)");
    CHECK_THAT(parse_error(good_line + "\n{\"prompt\": \"p\" \"chosen\"}\n" + good_line),
               Catch::StartsWith("data.jsonl:2: not valid JSON: ") && !Catch::Contains("truncated"));
    CHECK(parse_error(R"({"prompt": "p", "chosen": "c", "chosen": "d", "rejected": "r"})") ==
          "data.jsonl:1: key 'chosen' appears twice");
    CHECK_THAT(parse_error(good_line + "\n" + good_line + std::string("\0\n", 2)),
               Catch::StartsWith("data.jsonl:2: not valid JSON"));
}

TEST_CASE("preference JSONL: a truncated last line is an error with its line number") {
    const std::string text = good_line + "\n" + good_line + "\n" + R"({"prompt": "p", "chosen": "c", "rej)";
    CHECK_THAT(parse_error(text), Catch::StartsWith("data.jsonl:3: not valid JSON (the last line looks truncated): "));
}

TEST_CASE("preference JSONL: duplicate ids name both lines") {
    const std::string text = good_line + "\n" + R"({"id": 7, "prompt": "p", "chosen": "c", "rejected": "r"})" + "\n\n" +
                             R"({"id": "7", "prompt": "p", "chosen": "c", "rejected": "r"})" + "\n";
    CHECK(parse_error(text) == "data.jsonl:4: duplicate id '7' (first on line 2)");
    // an explicit id may collide with the line number another line defaults to
    CHECK(parse_error(good_line + "\n" + R"({"id": "1", "prompt": "p", "chosen": "c", "rejected": "r"})") ==
          "data.jsonl:2: duplicate id '1' (first on line 1)");
}

TEST_CASE("preference JSONL: an empty dataset is an error") {
    CHECK(parse_error("") == "data.jsonl: no preference pairs (the dataset is empty)");
    CHECK(parse_error("\n  \n\r\n") == "data.jsonl: no preference pairs (the dataset is empty)");
}

TEST_CASE("preference JSONL: invalid UTF-8 is an error") {
    // 0xff never occurs in UTF-8; "\xc3(" is a lead byte without its continuation byte
    CHECK_THAT(parse_error(good_line + "\n{\"prompt\": \"\xff\", \"chosen\": \"c\", \"rejected\": \"r\"}"),
               Catch::StartsWith("data.jsonl:2: invalid UTF-8 at byte 12 of the line"));
    CHECK_THAT(parse_error("{\"prompt\": \"p\", \"chosen\": \"\xc3(\", \"rejected\": \"r\"}"),
               Catch::StartsWith("data.jsonl:1: invalid UTF-8 at byte 27 of the line"));
    // an escaped lone surrogate is invalid too (nlohmann refuses it while parsing)
    CHECK_THAT(parse_error(R"({"prompt": "\ud800", "chosen": "c", "rejected": "r"})"),
               Catch::StartsWith("data.jsonl:1: not valid JSON") && Catch::Contains("surrogate"));
}

TEST_CASE("preference JSONL: write and read back") {
    const std::vector<cirm::preference_pair> pairs = {
        {"a-1", "What is 2+2?", "4", "5!", "math"},
        {"a-2", "Say \"hi\"\n", "hi ✓", "**HI**\n\nHI", ""},
    };
    const std::string text = cirm::format_preference_jsonl(pairs);
    CHECK(
        text ==
        "{\"id\":\"a-1\",\"prompt\":\"What is 2+2?\",\"chosen\":\"4\",\"rejected\":\"5!\",\"subset\":\"math\"}\n"
        "{\"id\":\"a-2\",\"prompt\":\"Say \\\"hi\\\"\\n\",\"chosen\":\"hi \xe2\x9c\x93\",\"rejected\":\"**HI**\\n\\nHI\"}\n");
    const auto back = cirm::parse_preference_jsonl(text);
    REQUIRE(back.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(back[i].id == pairs[i].id);
        CHECK(back[i].prompt == pairs[i].prompt);
        CHECK(back[i].chosen == pairs[i].chosen);
        CHECK(back[i].rejected == pairs[i].rejected);
        CHECK(back[i].subset == pairs[i].subset);
    }

    const fs::path dir = fs::path(CIRM_TEST_TMP) / "jsonl";
    fs::create_directories(dir);
    cirm::write_preference_jsonl(dir / "out.jsonl", pairs);
    CHECK(cirm::read_file(dir / "out.jsonl") == text);
    CHECK(cirm::read_preference_jsonl(dir / "out.jsonl").size() == 2);

    const std::vector<cirm::preference_pair> duplicate = {{"x", "p", "c", "r", ""}, {"x", "p", "c", "r", ""}};
    CHECK_THROWS_WITH(cirm::format_preference_jsonl(duplicate),
                      Catch::Contains("pair 1 (id 'x')") && Catch::Contains("pair 0 has the same id"));
    const std::vector<cirm::preference_pair> no_id = {{"", "p", "c", "r", ""}};
    CHECK_THROWS_WITH(cirm::format_preference_jsonl(no_id), Catch::Contains("its id is empty"));
    const std::vector<cirm::preference_pair> bad_text = {{"x", "p", "c\xff", "r", ""}};
    CHECK_THROWS_WITH(cirm::format_preference_jsonl(bad_text),
                      Catch::Contains("pair 0 (id 'x')") && Catch::Contains("invalid UTF-8 at byte 1 of the chosen"));
}
