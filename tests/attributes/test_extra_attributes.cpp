#include <catch2/catch.hpp>

#include "cirm/attributes/affirmative.hpp"
#include "cirm/attributes/code_blocks.hpp"
#include "cirm/attributes/emoji.hpp"
#include "cirm/attributes/headers.hpp"
#include "cirm/attributes/links.hpp"
#include "cirm/attributes/list_items.hpp"
#include "cirm/concepts/bias_attribute.hpp"

namespace attr = cirm::attributes;

static_assert(cirm::BiasAttribute<attr::list_items>);
static_assert(cirm::BiasAttribute<attr::headers>);
static_assert(cirm::BiasAttribute<attr::emoji>);
static_assert(cirm::BiasAttribute<attr::links>);
static_assert(cirm::BiasAttribute<attr::code_blocks>);
static_assert(cirm::BiasAttribute<attr::affirmative>);

// All expected values below are counted by hand from the literal next to them.

TEST_CASE("list_items counts lines that start a list item") {
    const attr::list_items list_items;
    // counted: "- a", "* b", "+ c", "1. d", "10. e", "  - nested", "\t2. tab" (7);
    // not: "-f", "1.5 g", "1) no", ". x", "**bold** start", the empty last line
    CHECK(list_items("", "- a\n* b\n+ c\n1. d\n10. e\n-f\n1.5 g\n  - nested\n\t2. tab\n1) no\n. x\n**bold** start\n") ==
          7);
    CHECK(list_items("", "") == 0);
    CHECK(list_items("", "- a\r\n- b\r\n") == 2);  // Windows line endings
    CHECK(list_items("", "- only line") == 1);
    CHECK(list_items("", "text - not at start\n") == 0);
    // lines inside a fenced code block are code: "- a" and "- b" count, "- code" does not
    CHECK(list_items("", "- a\n```\n- code\n```\n- b") == 2);
    CHECK(list_items("", "- a\n```\n- b") == 1);  // an unclosed fence runs to the end
    CHECK_THROWS_WITH(list_items("", "- a\n- \xC3"), Catch::Contains("byte 6 of the response"));
}

TEST_CASE("headers counts lines whose first character is '#'") {
    const attr::headers headers;
    // counted: "# T", "## S", "#tag", "### end"; not: "text # no", "  # indented", the code comment
    CHECK(headers("", "# T\n## S\ntext # no\n  # indented\n#tag\n```python\n# comment\n```\n### end") == 4);
    CHECK(headers("", "# a\r\n# b\r\n") == 2);
    CHECK(headers("", "") == 0);
    CHECK(headers("", "no headers here") == 0);
    CHECK_THROWS_WITH(headers("", "# \xFF"), Catch::Contains("byte 2 of the response"));
}

TEST_CASE("emoji counts code points in the emoji blocks") {
    const attr::emoji emoji;
    CHECK(emoji("", "") == 0);
    CHECK(emoji("", "plain text, © ® ™") == 0);
    // 😀 U+1F600, 👍 U+1F44D + 🏽 U+1F3FD, ✅ U+2705, ❤ U+2764 (+ U+FE0F, not counted),
    // 🇫 U+1F1EB + 🇷 U+1F1F7: 7
    CHECK(emoji("", "hi 😀👍🏽 ✅ ❤️ 🇫🇷 ©") == 7);
    // block edges: U+25FF no, U+2600 yes, U+27BF yes, U+27C0 no, U+1EFFF no, U+1F000 yes,
    // U+1FAFF yes, U+1FB00 no
    CHECK(emoji("", "\xE2\x97\xBF") == 0);
    CHECK(emoji("", "\xE2\x98\x80") == 1);
    CHECK(emoji("", "\xE2\x9E\xBF") == 1);
    CHECK(emoji("", "\xE2\x9F\x80") == 0);
    CHECK(emoji("", "\xF0\x9E\xBF\xBF") == 0);
    CHECK(emoji("", "\xF0\x9F\x80\x80") == 1);
    CHECK(emoji("", "\xF0\x9F\xAB\xBF") == 1);
    CHECK(emoji("", "\xF0\x9F\xAC\x80") == 0);
    CHECK(attr::emoji::is_emoji_block(0x1F680));       // 🚀
    CHECK_FALSE(attr::emoji::is_emoji_block(0x200D));  // zero-width joiner
    CHECK_THROWS_WITH(emoji("", "😀\xF0\x9F\x98"), "invalid UTF-8 at byte 4 of the response: truncated sequence");
}

TEST_CASE("links counts http:// and https:// URLs") {
    const attr::links links;
    CHECK(links("", "") == 0);
    CHECK(links("", "See https://a.b and http://c.d/e?f=g, HTTPS://X.Y.") == 3);
    CHECK(links("", "[doc](https://example.com)") == 1);
    CHECK(links("", "the prefix http:// alone") == 0);  // nothing after the scheme
    CHECK(links("", "ends with http://") == 0);
    CHECK(links("", "ftp://x httpx://a https:/x") == 0);
    CHECK(links("", "https://web.archive.org/web/1/https://x.org") == 2);
    CHECK(links("", "http://\xC3\xA9t\xC3\xA9.fr") == 1);  // non-ASCII host
    CHECK_THROWS_WITH(links("", "https://x\xC0\xAF"), Catch::Contains("byte 9 of the response: overlong"));
}

TEST_CASE("code_blocks counts pairs of ``` fence lines") {
    const attr::code_blocks code_blocks;
    CHECK(code_blocks("", "") == 0);
    CHECK(code_blocks("", "```python\nx = 1\n```\n") == 1);
    CHECK(code_blocks("", "```\na\n```\ntext\n```\nb\n```") == 2);
    CHECK(code_blocks("", "```\nunclosed") == 1);                  // 1 fence: ⌈1/2⌉
    CHECK(code_blocks("", "```\na\n```\n```\nopen") == 2);         // 3 fences: ⌈3/2⌉
    CHECK(code_blocks("", "run ```ls``` now") == 0);               // not at the start of a line
    CHECK(code_blocks("", "1. step\n   ```\n   x\n   ```") == 1);  // indented, inside a list
    CHECK(code_blocks("", "```\r\nx\r\n```\r\n") == 1);
    CHECK_THROWS_WITH(code_blocks("", "```\n\xED\xA0\x80"), Catch::Contains("byte 4 of the response: surrogate"));
}

TEST_CASE("affirmative is 1 when the response opens with an eager yes") {
    const attr::affirmative affirmative;
    CHECK(affirmative("", "Sure, here it is.") == 1);
    CHECK(affirmative("", "  \n\tCertainly!") == 1);  // leading whitespace is skipped
    CHECK(affirmative("", "\r\nOf course.") == 1);
    CHECK(affirmative("", "of course") == 1);  // case is ignored
    CHECK(affirmative("", "ABSOLUTELY") == 1);
    CHECK(affirmative("", "Absolutely") == 1);    // the whole response
    CHECK(affirmative("", "Sure—why not") == 1);  // a non-ASCII dash ends the word
    CHECK(affirmative("", "Surely not") == 0);    // not the word "Sure"
    CHECK(affirmative("", "Sure2") == 0);
    CHECK(affirmative("", "Of  course") == 0);  // exactly one space
    CHECK(affirmative("", "Of courses") == 0);
    CHECK(affirmative("", "Yes, sure") == 0);  // only the opening counts
    CHECK(affirmative("", "I'm sure") == 0);
    CHECK(affirmative("", "") == 0);
    CHECK(affirmative("", "   ") == 0);
    CHECK_THROWS_WITH(affirmative("", "Sure \xFF"), Catch::Contains("byte 5 of the response"));
}
