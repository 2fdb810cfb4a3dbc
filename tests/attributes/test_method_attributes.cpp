#include <catch2/catch.hpp>

#include "cirm/attributes/bold.hpp"
#include "cirm/attributes/exclamation.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/attributes/paragraphs.hpp"
#include "cirm/concepts/bias_attribute.hpp"

namespace attr = cirm::attributes;

static_assert(cirm::BiasAttribute<attr::length>);
static_assert(cirm::BiasAttribute<attr::paragraphs>);
static_assert(cirm::BiasAttribute<attr::overlap>);
static_assert(cirm::BiasAttribute<attr::exclamation>);
static_assert(cirm::BiasAttribute<attr::bold>);
static_assert(attr::length::name() == "length" && attr::paragraphs::name() == "paragraphs" &&
              attr::overlap::name() == "overlap" && attr::exclamation::name() == "exclamation" &&
              attr::bold::name() == "bold");

// All expected values below are counted by hand from the literal next to them.

TEST_CASE("length counts Unicode code points of the response") {
    const attr::length length;
    CHECK(length("ignored", "") == 0);
    CHECK(length("", "héllo wörld") == 11);
    CHECK(length("", "日本語") == 3);
    CHECK(length("", "ok 😀👍") == 5);
    CHECK(length("", "a\r\nb") == 4);           // CR and LF are code points too
    CHECK(length("\xFF not read", "ok") == 2);  // the prompt is not read, so not validated
    CHECK_THROWS_WITH(length("", "ab\xC3"), "invalid UTF-8 at byte 2 of the response: truncated sequence");
}

TEST_CASE("paragraphs counts non-overlapping double line breaks after CRLF normalisation") {
    const attr::paragraphs paragraphs;
    CHECK(paragraphs("", "") == 0);
    CHECK(paragraphs("", "one line\nanother") == 0);
    CHECK(paragraphs("", "a\n\nb") == 1);
    CHECK(paragraphs("", "a\n\n\nb") == 1);  // left to right: one match, one "\n" left over
    CHECK(paragraphs("", "a\n\n\n\nb") == 2);
    CHECK(paragraphs("", "a\n\n\n\n\nb") == 2);
    CHECK(paragraphs("", "p1\n\np2\n\np3") == 2);
    CHECK(paragraphs("", "\n\n") == 1);
    CHECK(paragraphs("", "é\n\n日本") == 1);
    // Windows line endings
    CHECK(paragraphs("", "a\r\n\r\nb") == 1);
    CHECK(paragraphs("", "a\r\n\r\n\r\n\r\nb") == 2);
    CHECK(paragraphs("", "a\r\n\nb") == 1);  // mixed endings normalise to "\n\n"
    CHECK(paragraphs("", "a\n\r\nb") == 1);
    CHECK(paragraphs("", "a\r\rb") == 0);   // a lone CR is not a line break
    CHECK(paragraphs("", "a\n \nb") == 0);  // a blank line with a space is not "\n\n"
    CHECK_THROWS_WITH(paragraphs("", "\n\n\xED\xA0\x80"), Catch::Contains("byte 2 of the response: surrogate"));
}

TEST_CASE("overlap is the share of the response's distinct words found in the prompt") {
    const attr::overlap overlap;
    // W(q) = {what, is, the, capital, of, france}; W(y) = {the, capital, of, france, is, paris}
    CHECK(overlap("What is the capital of France?", "The capital of France is Paris.") == Approx(5.0 / 6.0));
    // case and punctuation: W(q) = {hello, world}; W(y) = {hello, world, goodbye}
    CHECK(overlap("HELLO, World!!", "hello... WORLD? hello-world; Goodbye.") == Approx(2.0 / 3.0));
    // words repeat once in the set: W(y) = {a, b}
    CHECK(overlap("a", "a a a A b") == Approx(0.5));
    // digits are word characters: W(y) = {route, 66, and, 67}, shared {route, 66}
    CHECK(overlap("route 66", "Route 66 and 67") == Approx(0.5));
    // apostrophes separate: W(y) = {don, t, know}, shared {don, t}
    CHECK(overlap("I don't", "Don't know") == Approx(2.0 / 3.0));
    // non-ASCII separates words: "café" gives "caf"; W(y) = {cafe, caf}, shared {caf}
    CHECK(overlap("café", "cafe café") == Approx(0.5));
    CHECK(overlap("日本語", "日本語") == 0);  // no ASCII words at all
    // no response words: 0 by the method's choice
    CHECK(overlap("anything", "") == 0);
    CHECK(overlap("anything", "!!! ...") == 0);
    CHECK(overlap("", "some words") == 0);
    CHECK(overlap("x y", "X Y") == 1);
    CHECK_THROWS_WITH(overlap("ok\x80", "ok"), "invalid UTF-8 at byte 2 of the prompt: unexpected continuation byte");
    CHECK_THROWS_WITH(overlap("ok", "\xC0\x80"), "invalid UTF-8 at byte 0 of the response: overlong encoding");
}

TEST_CASE("exclamation counts '!' of the response") {
    const attr::exclamation exclamation;
    CHECK(exclamation("Hi!", "") == 0);
    CHECK(exclamation("", "Wow! Great!!") == 3);
    CHECK(exclamation("", "¡Hola!") == 1);    // the inverted mark is not '!'
    CHECK(exclamation("", "すごい！") == 0);  // fullwidth U+FF01 is not '!'
    CHECK_THROWS_WITH(exclamation("", "!\xF4\x90\x80\x80"), Catch::Contains("byte 1 of the response"));
}

TEST_CASE("bold counts non-overlapping \"**\" of the response") {
    const attr::bold bold;
    CHECK(bold("", "") == 0);
    CHECK(bold("", "**a**") == 2);
    CHECK(bold("", "**b** and **c**") == 4);
    CHECK(bold("", "*a*") == 0);
    CHECK(bold("", "***") == 1);
    CHECK(bold("", "****") == 2);
    CHECK(bold("", "*****") == 2);
    CHECK(bold("", "* * *") == 0);
    CHECK(bold("", "**über**") == 2);
    CHECK_THROWS_WITH(bold("", "**\xE2\x82"), Catch::Contains("byte 2 of the response: truncated"));
}
