// cirm::chat_template: the context transformers passes, the fixed date, raise_exception.
#include <catch2/catch.hpp>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/chat_template.hpp"

namespace {

std::string render(const std::string& source, const std::vector<cirm::chat_message>& messages,
                   const cirm::chat_render_options& options = {}) {
    return cirm::chat_template(source, "test").render(messages, options);
}

}  // namespace

TEST_CASE("chat template: messages, special tokens and add_generation_prompt reach the template", "[chat]") {
    const std::string source =
        "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m['content'] }}{{ eos_token }}{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}";
    cirm::chat_render_options options;
    options.bos_token = "<s>";
    options.eos_token = "</s>";
    CHECK(render(source, {{"user", "Hi"}, {"assistant", "Yo"}}, options) == "<s><user>Hi</s><assistant>Yo</s>");
    options.add_generation_prompt = true;
    CHECK(render(source, {{"user", "Hi"}}, options) == "<s><user>Hi</s><assistant>");
}

TEST_CASE("chat template: a token the tokenizer lacks is undefined, tools and documents are none", "[chat]") {
    const std::string source =
        "{{ bos_token is defined }} {{ eos_token is defined }} {{ tools is none }} {{ documents is none }}";
    cirm::chat_render_options options;
    options.eos_token = "<|im_end|>";
    CHECK(render(source, {}, options) == "False True True True");
}

TEST_CASE("chat template: date_string is the fixed date, strftime_now formats it", "[chat]") {
    const std::string source =
        "{{ date_string }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d, %y (%m/%d) %j %%') }}";
    CHECK(render(source, {}) == "26 Jul 2024|26 Jul 2024|Friday July 26, 24 (07/26) 208 %");
    cirm::chat_render_options options;
    options.date_string = "1 Mar 2000";
    CHECK(render(source, {}, options) == "1 Mar 2000|01 Mar 2000|Wednesday March 1, 00 (03/01) 061 %");
    options.date_string = "2024-07-26";
    CHECK_THROWS_WITH(render(source, {}, options), Catch::Contains("is not a date written as"));
    options.date_string = "30 Feb 2024";
    CHECK_THROWS_AS(render(source, {}, options), cirm::error);
    CHECK_THROWS_WITH(render("{{ strftime_now('%Z') }}", {}), Catch::Contains("the directive %Z is not supported"));
}

TEST_CASE("chat template: raise_exception is a cirm::error with the template's message", "[chat]") {
    const std::string source =
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok";
    CHECK(render(source, {{"user", "u"}}) == "ok");
    CHECK_THROWS_WITH(render(source, {{"system", "s"}, {"user", "u"}}),
                      "test:1:44: raise_exception: System role not supported");
}

TEST_CASE("chat template: Llama-3.2's date line without date_string falls back to strftime_now", "[chat]") {
    // the shape of Llama-3.2's template: date_string is passed, so strftime_now is not needed;
    // with it removed from the context (a template that sets it itself), strftime_now answers
    const std::string source =
        "{%- if not date_string is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- endif %}"
        "{{- 'Today Date: ' + date_string }}";
    CHECK(render(source, {}) == "Today Date: 26 Jul 2024");
    CHECK(render("{%- set date_string = none %}{{ strftime_now('%d %b %Y') }}", {}) == "26 Jul 2024");
}

TEST_CASE("chat template: malformed UTF-8 in a message is refused", "[chat]") {
    CHECK_THROWS_WITH(render("{{ messages[0].content }}", {{"user", "bad \xff"}}), Catch::Contains("invalid UTF-8"));
}

TEST_CASE("chat template: a template is parsed once and renders many conversations, and copies share it", "[chat]") {
    const cirm::chat_template original("{{ messages | length }}", "n");
    const cirm::chat_template copy = original;
    const std::vector<cirm::chat_message> two = {{"user", "a"}, {"assistant", "b"}};
    CHECK(copy.render(two, {}) == "2");
    CHECK(original.render(std::span(two).first(1), {}) == "1");
    CHECK(copy.name() == "n");
}
