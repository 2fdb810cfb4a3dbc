// Bad templates and refused constructs: a cirm::error naming the template, line:column and what.
#include <catch2/catch.hpp>

#include "cirm/error.hpp"
#include "cirm/text/chat_template.hpp"
#include "jinja_test_support.hpp"

using chat_test::render;

namespace {

std::string parse_error(const std::string& source) {
    try {
        cirm::chat_template t(source, "bad.jinja");
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(parsed)";
}

}  // namespace

TEST_CASE("chat errors: unterminated tags, comments and strings", "[chat]") {
    CHECK(parse_error("ab\n  {{ x") == "bad.jinja:2:3: unterminated '{{': no '}}'");
    CHECK(parse_error("{% if x") == "bad.jinja:1:1: unterminated '{%': no '%}'");
    CHECK(parse_error("x {# note") == "bad.jinja:1:3: unterminated comment: no '#}'");
    CHECK(parse_error("{{ 'abc }}") == "bad.jinja:1:4: unterminated string literal");
}

TEST_CASE("chat errors: unclosed and unexpected blocks", "[chat]") {
    CHECK(parse_error("{% if x %}a") == "bad.jinja:1:12: unexpected end of template: expected '{% endif %}'");
    CHECK(parse_error("{% for x in y %}a") == "bad.jinja:1:18: unexpected end of template: expected '{% endfor %}'");
    CHECK(parse_error("a{% endif %}") == "bad.jinja:1:2: unsupported tag 'endif'");
    CHECK(parse_error("{% break %}") == "bad.jinja:1:1: 'break' outside a for loop");
}

TEST_CASE("chat errors: unknown filters, tests and tags are named with their place", "[chat]") {
    CHECK(parse_error("\n{{ x | frobnicate }}") == "bad.jinja:2:8: unknown filter 'frobnicate'");
    CHECK(parse_error("{{ x is shiny }}") == "bad.jinja:1:9: unknown test 'shiny'");
    CHECK(parse_error("{% macro m() %}{% endmacro %}") == "bad.jinja:1:1: unsupported tag 'macro'");
    CHECK(parse_error("{% include 'x' %}") == "bad.jinja:1:1: unsupported tag 'include'");
    CHECK(parse_error("{% for x in y recursive %}{% endfor %}") ==
          "bad.jinja:1:15: recursive for loops are not supported");
}

TEST_CASE("chat errors: bad expression syntax", "[chat]") {
    CHECK(parse_error("{{ 1 + }}") == "bad.jinja:1:8: expected an expression, found '}}'");
    CHECK(parse_error("{{ (1 }}") == "bad.jinja:1:7: unexpected '}'");
    CHECK(parse_error("{{ a b }}") == "bad.jinja:1:6: expected '}}', found 'b'");
    CHECK(parse_error("{{ a $ b }}") == "bad.jinja:1:6: unexpected character '$' in a tag");
    CHECK(parse_error("{% set %}") == "bad.jinja:1:8: expected a variable name, found '%}'");
    CHECK(parse_error("{{ 0140 }}") == "bad.jinja:1:5: expected '}}', found '140'");
    CHECK(parse_error("{% set a, = 1 %}") == "bad.jinja:1:11: expected a variable name, found '='");
    CHECK(parse_error("{{ x[] }}") == "bad.jinja:1:5: empty subscript '[]'");
    CHECK(parse_error("{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}").find("nested too deeply") !=
          std::string::npos);
}

TEST_CASE("chat errors: render-time failures carry the expression's place", "[chat]") {
    CHECK_THROWS_WITH(render("{{ x.y }}"), "t:1:5: 'x' is undefined (reading its 'y')");
    CHECK_THROWS_WITH(render("\n  {{ 1 // 0 }}"), "t:2:8: integer division or modulo by zero");
    CHECK_THROWS_WITH(render("{{ foo() }}"), "t:1:4: 'foo' is undefined");
    CHECK_THROWS_WITH(render("{{ 'a' - 'b' }}"), Catch::Contains("unsupported operand type(s) for -: 'str' and 'str'"));
    CHECK_THROWS_WITH(render("{{ 9223372036854775807 + 1 }}"), Catch::Contains("integer overflow"));
    CHECK_THROWS_WITH(render("{{ '%s' % 1 }}"), Catch::Contains("string formatting with '%' is not supported"));
}

TEST_CASE("chat errors: runaway templates hit the limits instead of hanging", "[chat]") {
    const cirm::jinja::template_program loop(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", "t");
    cirm::jinja::render_limits limits;
    limits.max_steps = 100000;
    CHECK_THROWS_WITH(loop.render({}, limits), Catch::Contains("more work than the limit"));
    const cirm::jinja::template_program big("{{ 'x' * 100000000 }}", "t");
    limits.max_string_bytes = 1000;
    CHECK_THROWS_WITH(big.render({}, limits), Catch::Contains("a string exceeds the limit"));
    CHECK_THROWS_WITH(render("{{ range(100000000000) | length }}"), Catch::Contains("range() longer than the limit"));
}

TEST_CASE("chat errors: values that could make a cycle or nest without end are refused", "[chat]") {
    CHECK_THROWS_WITH(render("{% set ns = namespace() %}{% set ns.self = ns %}"),
                      Catch::Contains("a namespace inside a namespace is not supported"));
    CHECK_THROWS_WITH(
        render("{% set ns = namespace(l=[]) %}{% for i in range(600) %}{% set ns.l = [ns.l] %}{% endfor %}"),
        Catch::Contains("values nested deeper than 512 levels are not supported"));
    // 500 levels are fine
    CHECK(
        render(
            "{% set ns = namespace(l=[]) %}{% for i in range(500) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l | length }}") ==
        "1");
}
