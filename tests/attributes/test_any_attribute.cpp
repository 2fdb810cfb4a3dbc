#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/error.hpp"

namespace {

// A user-defined attribute with a static name.
struct question_marks {
    static constexpr std::string_view name() noexcept { return "question_marks"; }
    double operator()(std::string_view, std::string_view response) const {
        double count = 0;
        for (char c : response) count += (c == '?');
        return count;
    }
};

// A user-defined attribute whose name depends on its state, and which reads the prompt.
struct keyword_in_both {
    std::string keyword;
    std::string_view name() const { return keyword; }
    double operator()(std::string_view prompt, std::string_view response) const {
        return (prompt.find(keyword) != std::string_view::npos && response.find(keyword) != std::string_view::npos)
                   ? 1.0
                   : 0.0;
    }
};

struct unnamed {
    std::string_view name() const { return ""; }
    double operator()(std::string_view, std::string_view) const { return 0; }
};

struct always_throws {
    std::string_view name() const { return "always_throws"; }
    double operator()(std::string_view, std::string_view) const { throw cirm::error("cannot measure this"); }
};

struct not_an_attribute {
    int operator()(int) const { return 0; }
};

}  // namespace

static_assert(cirm::BiasAttribute<cirm::any_attribute>);
static_assert(std::is_copy_constructible_v<cirm::any_attribute>);
static_assert(!cirm::BiasAttribute<not_an_attribute>);
// Wrapping not_an_attribute, e.g. `cirm::any_attribute{not_an_attribute{}}`, stops compilation at
// the static_assert in any_attribute's constructor, whose message says what to write. A negative
// compile test cannot live in this runtime suite; the assert is checked by hand.

TEST_CASE("any_attribute wraps a user-defined attribute") {
    const cirm::any_attribute wrapped{question_marks{}};
    CHECK(wrapped.name() == "question_marks");
    CHECK(wrapped("", "Why? How??") == 3);
    CHECK(wrapped("", "") == 0);
}

TEST_CASE("any_attribute keeps its own copy of a stateful attribute's name") {
    std::vector<cirm::any_attribute> attributes;
    {
        keyword_in_both rust{"rust"};
        attributes.emplace_back(rust);
        rust.keyword = "changed";  // the wrapped copy and its name are unaffected
    }
    attributes.emplace_back(keyword_in_both{"go"});
    CHECK(attributes[0].name() == "rust");
    CHECK(attributes[0]("I like rust", "rust is fine") == 1);
    CHECK(attributes[0]("I like go", "rust is fine") == 0);
    CHECK(attributes[1].name() == "go");
    CHECK(attributes[1]("go?", "go!") == 1);
}

TEST_CASE("copies of any_attribute measure the same") {
    const cirm::any_attribute original = cirm::make_attribute("exclamation");
    cirm::any_attribute copy = original;
    CHECK(copy.name() == "exclamation");
    CHECK(copy("", "a!b!") == 2);
    copy = cirm::any_attribute{question_marks{}};
    CHECK(copy.name() == "question_marks");
    CHECK(original.name() == "exclamation");
    CHECK(original("", "!!!") == 3);
}

TEST_CASE("any_attribute rejects an empty name and passes errors through") {
    CHECK_THROWS_WITH(cirm::any_attribute{unnamed{}}, "bias attribute has an empty name");
    const cirm::any_attribute thrower{always_throws{}};
    CHECK_THROWS_WITH(thrower("", ""), "cannot measure this");
    const cirm::any_attribute length = cirm::make_attribute("length");
    CHECK_THROWS_WITH(length("", "\xC3"), "invalid UTF-8 at byte 0 of the response: truncated sequence");
}

TEST_CASE("the built-in attribute names, in the order of the method's attribute table") {
    const auto method = cirm::method_attribute_names();
    CHECK(std::vector<std::string_view>(method.begin(), method.end()) ==
          std::vector<std::string_view>{"length", "paragraphs", "overlap", "exclamation", "bold"});
    const auto all = cirm::builtin_attribute_names();
    CHECK(std::vector<std::string_view>(all.begin(), all.end()) ==
          std::vector<std::string_view>{"length", "paragraphs", "overlap", "exclamation", "bold", "list_items",
                                        "headers", "emoji", "links", "code_blocks", "affirmative"});
}

TEST_CASE("make_attribute builds every built-in attribute by name") {
    for (std::string_view name : cirm::builtin_attribute_names()) CHECK(cirm::make_attribute(name).name() == name);
    // one value per attribute, counted by hand, to check each name maps to the right attribute
    const std::string_view response = "Sure! **Yes**\n\n- https://a.b\n# H\n```\n```\n😀";
    // 6 + 7 + 2 + 13 + 1 + 3 + 1 + 3 + 1 + 3 + 1 + 1 (the emoji) code points
    CHECK(cirm::make_attribute("length")("", response) == 42);
    CHECK(cirm::make_attribute("paragraphs")("", response) == 1);
    CHECK(cirm::make_attribute("overlap")("sure yes", response) == Approx(2.0 / 6.0));  // {sure,yes,https,a,b,h}
    CHECK(cirm::make_attribute("exclamation")("", response) == 1);
    CHECK(cirm::make_attribute("bold")("", response) == 2);
    CHECK(cirm::make_attribute("list_items")("", response) == 1);
    CHECK(cirm::make_attribute("headers")("", response) == 1);
    CHECK(cirm::make_attribute("emoji")("", response) == 1);
    CHECK(cirm::make_attribute("links")("", response) == 1);
    CHECK(cirm::make_attribute("code_blocks")("", response) == 1);
    CHECK(cirm::make_attribute("affirmative")("", response) == 1);
}

TEST_CASE("make_attribute rejects an unknown name, listing the known ones") {
    CHECK_THROWS_WITH(cirm::make_attribute("lenght"),
                      "unknown bias attribute 'lenght' (known: length, paragraphs, overlap, exclamation, bold, "
                      "list_items, headers, emoji, links, code_blocks, affirmative)");
    CHECK_THROWS_WITH(cirm::make_attribute(""), Catch::Contains("unknown bias attribute ''"));
}

TEST_CASE("make_attributes keeps the order and rejects repeated names") {
    const std::vector<std::string> names{"overlap", "length", "bold"};
    const auto made = cirm::make_attributes(names);
    REQUIRE(made.size() == 3);
    CHECK(made[0].name() == "overlap");
    CHECK(made[1].name() == "length");
    CHECK(made[2].name() == "bold");
    CHECK(cirm::make_attributes(std::vector<std::string>{}).empty());
    CHECK_THROWS_WITH(cirm::make_attributes(std::vector<std::string>{"length", "bold", "length"}),
                      "bias attribute 'length' is listed twice");
    CHECK_THROWS_WITH(cirm::make_attributes(std::vector<std::string>{"length", "italic"}),
                      Catch::Contains("unknown bias attribute 'italic'"));
}
