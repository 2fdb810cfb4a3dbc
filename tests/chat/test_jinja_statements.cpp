// Statements: if/elif/else, for with loop.* and break/continue, set, namespace(), scopes.
#include <catch2/catch.hpp>

#include "jinja_test_support.hpp"

using chat_test::render;
using chat_test::strings;
using chat_test::value;

TEST_CASE("jinja: if, elif and else pick the first true branch", "[chat]") {
    const char* source = "{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% endif %}";
    CHECK(render(source, {{"n", value::integer(1)}}) == "one");
    CHECK(render(source, {{"n", value::integer(3)}}) == "three");
    CHECK(render(source, {{"n", value::integer(9)}}) == "many");
    CHECK(render("{% if missing %}a{% endif %}b") == "b");
}

TEST_CASE("jinja: for loops count with loop.index, index0, revindex, first, last, length", "[chat]") {
    const value items = strings({"a", "b", "c"});
    CHECK(
        render(
            "{% for x in items %}{{ loop.index }}{{ x }}{{ loop.revindex0 }}{% if not loop.last %},{% endif %}{% endfor %}",
            {{"items", items}}) == "1a2,2b1,3c0");
    CHECK(render("{% for x in items %}{{ loop.first }}/{{ loop.length }} {% endfor %}", {{"items", items}}) ==
          "True/3 False/3 False/3 ");
    CHECK(render("{% for x in items %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", {{"items", items}}) ==
          "-b;a-c;b-;");
    CHECK(render("{% for x in items %}{{ loop.cycle('o', 'e') }}{% endfor %}", {{"items", items}}) == "oeo");
}

TEST_CASE("jinja: a loop's filter runs before the loop counts, else runs for no items", "[chat]") {
    CHECK(render("{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}:{{ x }} {% endfor %}") == "1:2 2:4 ");
    CHECK(render("{% for x in [] %}x{% else %}empty{% endfor %}") == "empty");
    CHECK(render("{% for x in [1] %}x{% else %}empty{% endfor %}") == "x");
}

TEST_CASE("jinja: break and continue", "[chat]") {
    CHECK(render("{% for x in range(10) %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}") == "0123");
    CHECK(render("{% for x in range(5) %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}") == "024");
}

TEST_CASE("jinja: loops over dicts give keys, items() gives pairs, unpacking", "[chat]") {
    CHECK(render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}") == "ab");
    CHECK(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}") == "a=1;b=2;");
    CHECK(render("{% for k, v in {'a': 1} | items %}{{ k }}{{ v }}{% endfor %}") == "a1");
    CHECK(render("{% for (a, b) in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}") == "37");
}

TEST_CASE("jinja: a set inside a loop lasts one iteration, a namespace carries values out", "[chat]") {
    CHECK(render("{% set n = 0 %}{% for x in [1, 2, 3] %}{% set n = n + x %}{{ n }}{% endfor %}|{{ n }}") == "123|0");
    CHECK(render(
              "{% set ns = namespace(n=0) %}{% for x in [1, 2, 3] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}") ==
          "6");
    CHECK(render("{% set ns = namespace() %}{% set ns.found = true %}{{ ns.found }}") == "True");
    // an if does not open a scope
    CHECK(render("{% if true %}{% set x = 'in' %}{% endif %}{{ x }}") == "in");
}

TEST_CASE("jinja: set assigns tuples, blocks capture their text", "[chat]") {
    CHECK(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}") == "21");
    CHECK(render("{% set t = 1, 2 %}{{ t }}") == "(1, 2)");
    CHECK(render("{% set block %}x{{ 1 + 1 }}y{% endset %}[{{ block }}]") == "[x2y]");
}

TEST_CASE("jinja: the generation tag of transformers writes its body", "[chat]") {
    CHECK(render("a{% generation %}b{% endgeneration %}c") == "abc");
}

TEST_CASE("jinja: Undefined writes nothing, is false and has length 0", "[chat]") {
    CHECK(render("[{{ nothing }}]") == "[]");
    CHECK(render("{{ nothing is defined }}{{ nothing is undefined }}{{ nothing | length }}") == "FalseTrue0");
    CHECK(render("{{ {'a': 1}.b is defined }}") == "False");
    CHECK(render("{% for x in nothing %}x{% endfor %}done") == "done");
    CHECK(render("{{ 'yes' if nothing else 'no' }}") == "no");
    CHECK(render("[{{ 'yes' if false }}]") == "[]");
}
