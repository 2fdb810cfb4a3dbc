#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "cirm/attributes/builtin.hpp"

// Every built-in attribute over a 10.8 MB response: this finishes in well under a second only if
// each is linear. The chunk's counts are derived by hand and scaled by the repetitions.
TEST_CASE("every built-in attribute handles a 10 MB response") {
    // 54 bytes, 50 code points (é has 2 bytes, the emoji 4). Per chunk: one "\n\n" (the chunk
    // ends with "Head\n\n" and the next starts with "Sure"), one '!', one "**" pair, one list item,
    // one header, one emoji, one link, no fence.
    const std::string_view chunk = "Sure! **Bold** héllo 😀 https://x.y\n- item\n# Head\n\n";
    REQUIRE(chunk.size() == 54);
    constexpr std::size_t repetitions = 200000;
    std::string response;
    response.reserve(chunk.size() * repetitions);
    for (std::size_t i = 0; i < repetitions; ++i) response += chunk;
    const std::string_view prompt = "bold item head";

    const double n = static_cast<double>(repetitions);
    const auto value = [&](std::string_view name) { return cirm::make_attribute(name)(prompt, response); };
    CHECK(value("length") == 50 * n);
    CHECK(value("paragraphs") == n);
    // W(y) = {sure, bold, h, llo, https, x, y, item, head}; shared {bold, item, head}
    CHECK(value("overlap") == Approx(3.0 / 9.0));
    CHECK(value("exclamation") == n);
    CHECK(value("bold") == 2 * n);
    CHECK(value("list_items") == n);
    CHECK(value("headers") == n);
    CHECK(value("emoji") == n);
    CHECK(value("links") == n);
    CHECK(value("code_blocks") == 0);
    CHECK(value("affirmative") == 1);
}
