#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

#include "cirm/utf8.hpp"

using cirm::count_code_points;

// Expected counts are derived by hand from the encodings (RFC 3629): 1 byte for U+0000–U+007F,
// 2 for U+0080–U+07FF, 3 for U+0800–U+FFFF, 4 above.
TEST_CASE("count_code_points counts code points, not bytes") {
    CHECK(count_code_points("") == 0);
    CHECK(count_code_points("hello") == 5);
    CHECK(count_code_points("héllo wörld") == 11);  // 13 bytes: é and ö take 2 each
    CHECK(count_code_points("日本語です") == 5);    // 15 bytes: 3 each
    CHECK(count_code_points("hi 😀") == 4);          // 7 bytes: the emoji takes 4
    CHECK(count_code_points("a\r\nb") == 4);
}

TEST_CASE("utf8_decoder decodes the boundaries of every sequence length") {
    // Each literal is the encoding of the code point next to it (derived by hand from the bit layout).
    const std::vector<std::pair<std::string_view, char32_t>> cases{
        {"\x7F", 0x7F},
        {"\xC2\x80", 0x80},
        {"\xDF\xBF", 0x7FF},
        {"\xE0\xA0\x80", 0x800},
        {"\xED\x9F\xBF", 0xD7FF},
        {"\xEE\x80\x80", 0xE000},
        {"\xEF\xBF\xBF", 0xFFFF},
        {"\xF0\x90\x80\x80", 0x10000},
        {"\xF4\x8F\xBF\xBF", 0x10FFFF},
    };
    for (const auto& [bytes, expected] : cases) {
        cirm::utf8_decoder decoder(bytes);
        REQUIRE_FALSE(decoder.done());
        CHECK(decoder.next() == expected);
        CHECK(decoder.done());
        CHECK(decoder.position() == bytes.size());
    }
}

TEST_CASE("utf8_decoder reports the byte offset of each code point") {
    cirm::utf8_decoder decoder("aé😀b");
    std::vector<std::size_t> offsets;
    std::vector<char32_t> code_points;
    while (!decoder.done()) {
        offsets.push_back(decoder.position());
        code_points.push_back(decoder.next());
    }
    CHECK(offsets == std::vector<std::size_t>{0, 1, 3, 7});
    CHECK(code_points == std::vector<char32_t>{U'a', 0xE9, 0x1F600, U'b'});
}

TEST_CASE("every class of malformed UTF-8 is an error naming the byte and the reason") {
    // stray continuation bytes
    CHECK_THROWS_WITH(count_code_points("ab\x80"
                                        "c"),
                      "invalid UTF-8 at byte 2: unexpected continuation byte");
    CHECK_THROWS_WITH(count_code_points("\xBF"), "invalid UTF-8 at byte 0: unexpected continuation byte");
    // overlong encodings: "/" as C0 AF, E0 80 AF, F0 80 80 AF; C1 BF (U+007F in 2 bytes)
    CHECK_THROWS_WITH(count_code_points("\xC0\xAF"), "invalid UTF-8 at byte 0: overlong encoding");
    CHECK_THROWS_WITH(count_code_points("\xC1\xBF"), "invalid UTF-8 at byte 0: overlong encoding");
    CHECK_THROWS_WITH(count_code_points("x\xE0\x80\xAF"), "invalid UTF-8 at byte 1: overlong encoding");
    CHECK_THROWS_WITH(count_code_points("xy\xF0\x80\x80\xAF"), "invalid UTF-8 at byte 2: overlong encoding");
    // UTF-16 surrogates U+D800 and U+DFFF
    CHECK_THROWS_WITH(count_code_points("\xED\xA0\x80"), "invalid UTF-8 at byte 0: surrogate code point");
    CHECK_THROWS_WITH(count_code_points("é\xED\xBF\xBF"), "invalid UTF-8 at byte 2: surrogate code point");
    // above U+10FFFF: U+110000 = F4 90 80 80, and lead bytes F5–F7
    CHECK_THROWS_WITH(count_code_points("\xF4\x90\x80\x80"), "invalid UTF-8 at byte 0: code point above U+10FFFF");
    CHECK_THROWS_WITH(count_code_points("\xF5\x80\x80\x80"), "invalid UTF-8 at byte 0: code point above U+10FFFF");
    CHECK_THROWS_WITH(count_code_points("\xFF"), Catch::Contains("at byte 0") && Catch::Contains("never occurs"));
    CHECK_THROWS_WITH(count_code_points("\xF8\x88\x80\x80\x80"), Catch::Contains("never occurs"));
    // truncated: cut by the end of the text, or by a byte that is not a continuation byte
    CHECK_THROWS_WITH(count_code_points("abc\xE2\x82"), "invalid UTF-8 at byte 3: truncated sequence");
    CHECK_THROWS_WITH(count_code_points("\xC3"), "invalid UTF-8 at byte 0: truncated sequence");
    CHECK_THROWS_WITH(count_code_points("\xF0\x9F\x98"), "invalid UTF-8 at byte 0: truncated sequence");
    CHECK_THROWS_WITH(count_code_points("\xE2\x82x"), "invalid UTF-8 at byte 0: truncated sequence");
    CHECK_THROWS_WITH(count_code_points("\xF0\x9F x"), "invalid UTF-8 at byte 0: truncated sequence");
}

TEST_CASE("the error message names the text when given") {
    CHECK_THROWS_WITH(count_code_points("a\x80", "response"),
                      "invalid UTF-8 at byte 1 of the response: unexpected continuation byte");
    CHECK_THROWS_AS(cirm::validate_utf8("\xC3", "prompt"), cirm::error);
    CHECK_NOTHROW(cirm::validate_utf8("plain ✓ text", "prompt"));
}
