// Whitespace control as transformers renders chat templates (Jinja2, trim_blocks, lstrip_blocks).
#include <catch2/catch.hpp>

#include "jinja_test_support.hpp"

using chat_test::render;
using chat_test::value;

TEST_CASE("jinja: text without tags is written as is, less one final newline", "[chat]") {
    CHECK(render("hello") == "hello");
    CHECK(render("a\nb\n") == "a\nb");
    CHECK(render("a\n\n") == "a\n");
    CHECK(render("") == "");
}

TEST_CASE("jinja: CR LF and CR in the source become LF and other separators stay", "[chat]") {
    CHECK(render("a\r\nb\rc") == "a\nb\nc");
    CHECK(render("a\xe2\x80\xa8"
                 "b\vc") == "a\xe2\x80\xa8"
                            "b\vc");
}

TEST_CASE("jinja: trim_blocks drops the newline after a statement or comment, not after an output", "[chat]") {
    CHECK(render("{% if true %}\nyes\n{% endif %}\nafter") == "yes\nafter");
    CHECK(render("{# note #}\nx") == "x");
    CHECK(render("{{ 'a' }}\nb") == "a\nb");
    CHECK(render("{% if true +%}\nyes{% endif %}") == "\nyes");
}

TEST_CASE("jinja: lstrip_blocks drops the indentation before a statement on its own line", "[chat]") {
    CHECK(render("x\n    {% if true %}\n    y\n    {% endif %}\nz") == "x\n    y\nz");
    // only spaces and tabs from the line start: text before the tag on the line stays
    CHECK(render("x  {% if true %}y{% endif %}") == "x  y");
    // not before an output tag, and not with {%+
    CHECK(render("  {{ 'a' }}") == "  a");
    CHECK(render("  {%+ if true %}a{% endif %}") == "  a");
    // at the very start of the template
    CHECK(render("\t {% if true %}a{% endif %}") == "a");
}

TEST_CASE("jinja: a minus strips all whitespace on its side, newlines included", "[chat]") {
    CHECK(render("a  \n\n  {{- 'b' -}}  \n\n c") == "abc");
    CHECK(render("a \n{%- if true -%}\n b \n{%- endif -%}\n c") == "abc");
    CHECK(render("a\n{#- comment -#}\nb") == "ab");
}

TEST_CASE("jinja: whitespace control strips Python's whitespace, Unicode spaces included", "[chat]") {
    CHECK(render("a\xe3\x80\x80{{- 'b' -}}\xe3\x80\x80\xc2\x85"
                 "c") == "abc");
    CHECK(render("\xe3\x80\x80{% if true %}a{% endif %}") == "a");
    CHECK(render("x\n\v {% if true %}a{% endif %}") == "x\na");
}

TEST_CASE("jinja: a template of indented statements renders as Llama-3.1's does", "[chat]") {
    const char* source =
        "{{- bos_token }}\n"
        "{%- for message in messages %}\n"
        "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
        "'<|eot_id|>' }}\n"
        "{%- endfor %}\n";
    const value messages = value::list({chat_test::message("user", "  Hi \n"), chat_test::message("assistant", "Yo")});
    CHECK(render(source, {{"bos_token", value::string("<B>")}, {"messages", messages}}) ==
          "<B><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|>");
}

TEST_CASE("jinja: text in the context that looks like a tag is never interpreted", "[chat]") {
    CHECK(render("{{ x }}", {{"x", value::string("{{ y }}{% if %}{# c #}")}}) == "{{ y }}{% if %}{# c #}");
}

TEST_CASE("jinja: braces inside an output tag balance before '}}' ends it", "[chat]") {
    CHECK(render("{{ {'a': {'b': 1}}['a']['b'] }}") == "1");
}
