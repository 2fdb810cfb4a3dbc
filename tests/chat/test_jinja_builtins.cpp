// Filters, tests and the str/dict methods that chat templates call, with Python's semantics.
#include <catch2/catch.hpp>

#include "jinja_test_support.hpp"

using chat_test::render;
using chat_test::strings;
using chat_test::value;

TEST_CASE("jinja: trim strips Python's whitespace", "[chat]") {
    CHECK(render("[{{ ' \\t\\n a b \\r\\n' | trim }}]") == "[a b]");
    // U+3000 and U+00A0 are whitespace to Python; U+001F is too (JavaScript disagrees); U+FEFF is not
    CHECK(render("[{{ x | trim }}]", {{"x", value::string("\xe3\x80\x80\xc2\xa0"
                                                          "a\x1f")}}) == "[a]");
    CHECK(render("[{{ x | trim }}]", {{"x", value::string("\xef\xbb\xbf"
                                                          "a")}}) == "[\xef\xbb\xbf"
                                                                     "a]");
    CHECK(render("[{{ 'xxaxx' | trim('x') }}]") == "[a]");
}

TEST_CASE("jinja: strip, lstrip and rstrip with an argument strip only those characters", "[chat]") {
    // Qwen3's template: .rstrip('\n') and .lstrip('\n') keep spaces and tabs
    CHECK(render("[{{ ' a \\n\\n'.rstrip('\\n') }}]") == "[ a ]");
    CHECK(render("[{{ '\\n\\n \\na'.lstrip('\\n') }}]") == "[ \na]");
    CHECK(render("[{{ '\\n x \\n'.strip('\\n') }}]") == "[ x ]");
    CHECK(render("[{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}]") == "[x|x  |  x]");
}

TEST_CASE("jinja: split, startswith, endswith, replace, upper, lower", "[chat]") {
    CHECK(render("{{ 'a</think>b</think>c'.split('</think>') }}") == "['a', 'b', 'c']");
    CHECK(render("{{ 'a</think>b'.split('</think>')[-1] }}{{ 'x'.split('</think>')[0] }}") == "bx");
    CHECK(render("{{ '  a  b '.split() }} {{ 'a,b,c'.split(',', 1) }}") == "['a', 'b'] ['a', 'b,c']");
    CHECK(
        render(
            "{{ '<tool_response>x'.startswith('<tool_response>') }}{{ 'ab'.endswith('b') }}{{ 'ab'.endswith(('x', 'b')) }}") ==
        "TrueTrueTrue");
    CHECK(
        render(
            "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ 'aB'.upper() }}{{ 'aB'.lower() }}") ==
        "a+b+c ab-c ABab");
    CHECK_THROWS_WITH(render("{{ '\xc3\xa9'.upper() }}"), Catch::Contains("non-ASCII"));
}

TEST_CASE("jinja: a Python method that is not implemented is refused, an unknown name is Undefined", "[chat]") {
    CHECK_THROWS_WITH(render("{{ 'a'.zfill(3) }}"), Catch::Contains("str.zfill() is not supported"));
    CHECK_THROWS_WITH(render("{{ [1].append(2) }}"), Catch::Contains("list.append() is not supported"));
    CHECK(render("{{ 'a'.nonsense is defined }}") == "False");
}

TEST_CASE("jinja: dict methods items, keys, values, get", "[chat]") {
    CHECK(render("{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('b') }}{{ {'a': 1}.get('b', 7) }}") == "1None7");
    CHECK(render("{{ {'a': 1, 'b': 2}.keys() | list }}{{ {'a': 1}.values() | list }}") == "['a', 'b'][1]");
    CHECK_THROWS_WITH(render("{{ {'a': 1}.items() }}"), Catch::Contains("cannot write a dict view"));
}

TEST_CASE("jinja: join, length, list, first, last, reverse, default, string, int, abs", "[chat]") {
    const value items = strings({"x", "y", "z"});
    CHECK(
        render(
            "{{ items | join(', ') }}|{{ items | length }}|{{ items | first }}{{ items | last }}|{{ items | reverse | join }}",
            {{"items", items}}) == "x, y, z|3|xz|zyx");
    CHECK(render("{{ 'abc' | reverse }} {{ 'héllo' | length }} {{ 'ab' | list }}") == "cba 5 ['a', 'b']");
    CHECK(render("{{ missing | default('d') }}{{ '' | default('e') }}{{ '' | default('f', true) }}") == "df");
    CHECK(render("{{ 12 | string ~ 'x' }} {{ '42' | int + 1 }} {{ (-3) | abs }} {{ 3.7 | int }}") == "12x 43 3 3");
}

TEST_CASE("jinja: select, reject, selectattr, rejectattr and map give one-pass generators", "[chat]") {
    const value messages = value::list(
        {chat_test::message("user", "a"), chat_test::message("assistant", "b"), chat_test::message("user", "c")});
    CHECK(render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}",
                 {{"messages", messages}}) == "ac");
    CHECK(render("{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}", {{"messages", messages}}) ==
          "1");
    CHECK(
        render(
            "{{ [1, 2, 3, 4] | select('odd') | list }}{{ [0, 1, ''] | select | list }}{{ ['a', 'b'] | reject('equalto', 'a') | list }}") ==
        "[1, 3][1]['b']");
    CHECK(render("{{ ['a', 'b'] | map('upper') | join }}") == "AB");
    // Jinja's generators have no length and cannot be written; a second pass finds them empty
    CHECK_THROWS_WITH(render("{{ [1, 2] | select | length }}"), Catch::Contains("has no len()"));
    CHECK_THROWS_WITH(render("{{ [1, 2] | select }}"), Catch::Contains("cannot write a generator"));
    CHECK(render("{% set g = [1, 2] | select %}{{ g | list }}{{ g | list }}") == "[1, 2][]");
}

TEST_CASE("jinja: tests", "[chat]") {
    CHECK(
        render(
            "{{ none is none }}{{ 1 is none }}{{ 'a' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is mapping }}") ==
        "TrueFalseTrueFalseTrueFalse");
    CHECK(
        render(
            "{{ 'a' is iterable }}{{ [] is iterable }}{{ 1 is iterable }}{{ 1 is number }}{{ 1.5 is integer }}{{ true is boolean }}") ==
        "TrueTrueFalseTrueFalseTrue");
    CHECK(render("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 'a' is equalto 'a' }}{{ 2 is in [1, 2] }}") ==
          "TrueFalseTrueTrueTrue");
    CHECK(render("{{ false is false }}{{ 0 is false }}{{ x is not defined }}{{ not x is defined }}") ==
          "TrueFalseTrueTrue");
}

TEST_CASE("jinja: tojson writes Python's json.dumps with ensure_ascii off", "[chat]") {
    CHECK(render("{{ {'a': [1, 2.5, none, true], 'b': 'x\"\\\\\\n\xc3\xa9'} | tojson }}") ==
          "{\"a\": [1, 2.5, null, true], \"b\": \"x\\\"\\\\\\n\xc3\xa9\"}");
    CHECK(render("{{ {'a': [1], 'b': {}} | tojson(indent=2) }}") == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
    CHECK(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true, separators=(',', ':')) }}") == "{\"a\":2,\"b\":1}");
    CHECK(render("{{ '<&>' | tojson }}{{ '\\x01' | tojson }}") == "\"<&>\"\"\\u0001\"");
    CHECK(render("{{ 'é' | tojson(ensure_ascii=true) }}") == "\"\\u00e9\"");
    CHECK_THROWS_WITH(render("{{ missing | tojson }}"), Catch::Contains("not JSON serializable"));
}

TEST_CASE("jinja: globals range, namespace, dict", "[chat]") {
    CHECK(render("{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ range(3, 0, -1) | list }}") ==
          "[0, 1, 2][1, 3, 5][3, 2, 1]");
    CHECK(render("{{ dict(a=1)['a'] }}{{ namespace(x=4).x }}") == "14");
}

TEST_CASE("jinja: int and float read text as Python does and fall back to the default", "[chat]") {
    CHECK(
        render(
            "{{ ' 42 ' | int }} {{ '1_000' | int }} {{ '3.7' | int }} {{ 'abc' | int }} {{ 'abc' | int(7) }} {{ none | int }}") ==
        "42 1000 3 0 7 0");
    CHECK(render(
              "{{ '2.5' | float }} {{ '1e3' | float }} {{ 'x' | float }} {{ none | float(1.5) }} {{ true | float }}") ==
          "2.5 1000.0 0.0 1.5 1.0");
    CHECK(render("{{ '-inf' | float }} {{ 'inf' | int }}") == "-inf 0");
    CHECK_THROWS_WITH(render("{{ 1e30 | int }}"), Catch::Contains("integer overflow"));
}

TEST_CASE("jinja: select and map of a false value give nothing, as Jinja2's `if value:`", "[chat]") {
    CHECK(render("{{ none | select | list }}{{ '' | map('upper') | list }}{{ 0 | rejectattr('x') | list }}") ==
          "[][][]");
    CHECK_THROWS_WITH(render("{{ 5 | select | list }}"), Catch::Contains("'int' object is not iterable"));
}

TEST_CASE("jinja: the lower and upper tests read any value as text, odd and even take floats", "[chat]") {
    CHECK(
        render("{{ none is lower }}{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'AB1' is upper }}{{ '12' is upper }}") ==
        "FalseTrueFalseTrueFalse");
    CHECK(render("{{ 3.0 is odd }}{{ 2.5 is odd }}{{ -4.0 is even }}") == "TrueFalseTrue");
}

TEST_CASE("jinja: a for loop's else runs unless an iteration reached the end of its body", "[chat]") {
    CHECK(render("{% for x in [1, 2] %}{{ x }}{% else %}e{% endfor %}") == "12");
    CHECK(render("{% for x in [1, 2] %}{{ x }}{% continue %}{% else %}e{% endfor %}") == "12e");
    CHECK(render("{% for x in [1, 2] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% else %}e{% endfor %}") == "1");
    CHECK(render("{% for x in [1, 2] %}{% break %}{% else %}e{% endfor %}") == "e");
}
