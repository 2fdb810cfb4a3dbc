// Expressions: operators and their precedence, Python's output of values, slicing, `in`, `~`.
#include <catch2/catch.hpp>

#include "jinja_test_support.hpp"

using chat_test::render;
using chat_test::strings;
using chat_test::value;

TEST_CASE("jinja: arithmetic follows Python", "[chat]") {
    CHECK(render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }}") ==
          "7 9 3 -4 2 3.5");
    CHECK(render("{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1.5 + 1 }} {{ 4 / 2 }} {{ -3 }} {{ true + 1 }}") ==
          "1024 0.5 2.5 2.0 -3 2");
    CHECK(render("{{ 'ab' * 3 }} {{ [1] + [2] }} {{ 'a' + 'b' }}") == "ababab [1, 2] ab");
    // Jinja's ** is left-associative
    CHECK(render("{{ 2 ** 3 ** 2 }}") == "64");
    CHECK(render("{{ 1_000 + 0 + 00 + 0.5 + 00.5 + 1e1 }}") == "1011.0");
}

TEST_CASE("jinja: ~ writes both sides as text, + on str and int is an error", "[chat]") {
    CHECK(render("{{ 'n=' ~ 3 ~ none ~ true }}") == "n=3NoneTrue");
    CHECK_THROWS_WITH(render("{{ 'a' + 1 }}"), Catch::Contains("unsupported operand type(s) for +: 'str' and 'int'"));
}

TEST_CASE("jinja: a filter binds tighter than + and -", "[chat]") {
    CHECK(render("{{ 'a' + ' b ' | trim + 'c' }}") == "abc");
    CHECK(render("{{ items | length - 1 }}", {{"items", strings({"x", "y", "z"})}}) == "2");
    // a unary minus binds tighter still: the filter applies to -3 (and -'x' is an error)
    CHECK(render("{{ -3 | abs }}") == "3");
    CHECK_THROWS_WITH(render("{{ -' x '|trim }}"), Catch::Contains("bad operand type for unary -: 'str'"));
}

TEST_CASE("jinja: comparisons chain, and/or return an operand, not binds loosest", "[chat]") {
    CHECK(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ [1, 2] == [1, 2] }}") ==
          "True False True True True");
    CHECK(render("{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ none or none }}") == "x b |None");
    CHECK(render("{{ not 1 == 2 }} {{ not true and false }}") == "True False");
    CHECK(render("{{ (1, 2) == [1, 2] }}") == "False");
}

TEST_CASE("jinja: in and not in on str, list and dict", "[chat]") {
    CHECK(render("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }}") ==
          "True True True True");
    CHECK(render("{{ 'tool_calls' in message }}", {{"message", chat_test::message("user", "x")}}) == "False");
    CHECK_THROWS_WITH(render("{{ 1 in 'abc' }}"), Catch::Contains("requires string as left operand"));
}

TEST_CASE("jinja: values are written as Python writes them", "[chat]") {
    CHECK(render("{{ none }} {{ true }} {{ False }} {{ 1.0 }} {{ 0.1 }} {{ 1e20 }} {{ 0.00001 }} {{ 123456789.5 }}") ==
          "None True False 1.0 0.1 1e+20 1e-05 123456789.5");
    CHECK(render("{{ ['a', \"it's\", 1, none, [true]] }}") == "['a', \"it's\", 1, None, [True]]");
    CHECK(render("{{ {'k': 'v', 'n': 2} }} {{ (1,) }} {{ () }}") == "{'k': 'v', 'n': 2} (1,) ()");
    CHECK(render("{{ ['a\\nb', 'tab\\t', '\\\\'] }}") == "['a\\nb', 'tab\\t', '\\\\']");
}

TEST_CASE("jinja: string literals take Python's escapes, adjacent literals join", "[chat]") {
    CHECK(render("{{ 'a\\tb' }}|{{ \"q\\\"q\" }}|{{ '\\x41\\u00e9\\U0001F600' }}|{{ '\\d' }}") ==
          "a\tb|q\"q|A\xc3\xa9\xf0\x9f\x98\x80|\\d");
    CHECK(render("{{ 'ab' 'cd' }}") == "abcd");
}

TEST_CASE("jinja: indexing and slicing as Python, by code point on str", "[chat]") {
    const value items = strings({"a", "b", "c", "d"});
    CHECK(render("{{ items[0] }}{{ items[-1] }}{{ items[1:3] }}{{ items[::-1] }}{{ items[::2] }}",
                 {{"items", items}}) == "ad['b', 'c']['d', 'c', 'b', 'a']['a', 'c']");
    CHECK(render("{{ items[1:] | length }} {{ items[:-1] | join }} {{ items[10:] }}", {{"items", items}}) ==
          "3 abc []");
    CHECK(render("{{ 'h\xc3\xa9llo'[1] }} {{ 'h\xc3\xa9llo'[:2] }} {{ 'abc'[-1] }}") == "\xc3\xa9 h\xc3\xa9 c");
    CHECK(render("[{{ items[7] }}]", {{"items", items}}) == "[]");
    CHECK(render("{{ {'x': 1}['x'] }}{{ {'x': {'y': 2}}.x.y }}") == "12");
}

TEST_CASE("jinja: messages are read with [] and . alike", "[chat]") {
    const value messages = value::list({chat_test::message("system", "S"), chat_test::message("user", "U")});
    CHECK(render("{{ messages[0]['role'] }}{{ messages[1].content }}{{ messages[1:] | length }}",
                 {{"messages", messages}}) == "systemU1");
}
