// The regex-count attribute and its textual form NAME=regex:PATTERN (attributes/regex_count.hpp,
// attributes/builtin.hpp). Every expected count is counted by hand from the literal next to it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/attributes/regex_count.hpp"
#include "cirm/concepts/bias_attribute.hpp"

static_assert(cirm::BiasAttribute<cirm::attributes::regex_count>);

TEST_CASE("regex_count counts non-overlapping, non-empty matches in the response") {
    const cirm::attributes::regex_count please("please", "[Pp]lease");
    CHECK(please.name() == "please");
    CHECK(please.pattern() == "[Pp]lease");
    CHECK(please("Please help", "Sure, please wait. PLEASE no. please!") ==
          2);  // "please" twice; not "PLEASE"; the prompt is not read
    CHECK(please("", "") == 0);

    const cirm::attributes::regex_count aa("aa", "aa");
    CHECK(aa("", "aaaaa") == 2);  // "aa|aa|a": matches do not overlap

    const cirm::attributes::regex_count runs("x_runs", "x*");
    CHECK(runs("", "xx-x--xxx") == 3);  // "xx", "x", "xxx"; the empty matches between them are not counted

    const cirm::attributes::regex_count sentences("sentence_ends", R"([.!?](\s|$))");
    CHECK(sentences("", "One. Two! Three? v1.2 is not an end.") == 4);  // ". ", "! ", "? ", final "."
}

TEST_CASE("regex_count matches UTF-8 bytes: a literal non-ASCII character matches, '.' is one byte") {
    const cirm::attributes::regex_count cafe("cafe", "caf\xc3\xa9");  // "café"
    CHECK(cafe("", "caf\xc3\xa9 and caf\xc3\xa9s, not cafe") == 2);
    const cirm::attributes::regex_count dot("three_any", "^...$");
    CHECK(dot("", "\xc3\xa9x") == 1);  // "éx" is three bytes
    CHECK_THROWS_WITH(dot("", "\xc3("), Catch::Contains("UTF-8"));
}

TEST_CASE("regex_count refuses an empty name or pattern and a bad regular expression, naming it") {
    CHECK_THROWS_WITH(cirm::attributes::regex_count("", "x"), "regex attribute: the name is empty");
    CHECK_THROWS_WITH(cirm::attributes::regex_count("n", ""), "regex attribute 'n': the pattern is empty");
    CHECK_THROWS_WITH(cirm::attributes::regex_count("broken", "(ab"),
                      Catch::StartsWith("regex attribute 'broken': bad regular expression '(ab': "));
}

TEST_CASE("NAME=regex:PATTERN makes a custom attribute beside the built-in names") {
    const std::vector<std::string> items{"length", "hedges=regex:\\b(maybe|perhaps)\\b", "eq=regex:a=b:c"};
    const auto made = cirm::make_attributes(items);
    REQUIRE(made.size() == 3);
    CHECK(made[0].name() == "length");
    CHECK(made[1].name() == "hedges");
    CHECK(made[1]("", "Maybe not; perhaps, maybe later") == 2);  // "perhaps", "maybe"; not "Maybe"
    CHECK(made[2].name() == "eq");
    CHECK(made[2]("", "a=b:c, a=b:c") == 2);  // the pattern is everything after "regex:"
    CHECK(cirm::make_attribute("bangs=regex:!+")("", "Wow!!! ok! no") == 2);
}

TEST_CASE("custom attribute items are checked: kind, name, shadowing, repeats, bad regex") {
    CHECK_THROWS_WITH(cirm::make_attribute("x=glob:*.md"),
                      "custom attribute 'x': expected 'x=regex:PATTERN', got 'x=glob:*.md' (regex is the only kind)");
    CHECK_THROWS_WITH(cirm::make_attribute("=regex:a"), Catch::Contains("the name before '=' is empty"));
    CHECK_THROWS_WITH(cirm::make_attribute("my name=regex:a"),
                      "custom attribute name 'my name' may hold only letters, digits, '_', '-' and '.'");
    CHECK_THROWS_WITH(
        cirm::make_attribute("length=regex:\\w+"),
        "custom attribute 'length' would shadow the built-in attribute of that name; choose another name");
    CHECK_THROWS_WITH(cirm::make_attribute("bad=regex:[a-"),
                      Catch::StartsWith("regex attribute 'bad': bad regular expression '[a-': "));
    CHECK_THROWS_WITH(cirm::make_attribute("empty=regex:"), "regex attribute 'empty': the pattern is empty");
    CHECK_THROWS_WITH(cirm::make_attributes(std::vector<std::string>{"q=regex:\\?", "bold", "q=regex:!"}),
                      "bias attribute 'q' is listed twice");
}
