// libFuzzer target: a chat template (text/chat_template.hpp, the Jinja interpreter of
// text/jinja/). Arbitrary text is parsed; when it parses, a fixed conversation is rendered with
// and without a system message and a generation prompt, under small bounds on work and output.
// Parsing and rendering may fail only with a cirm::error; a rendered text stays within the bound.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cirm/text/chat_template.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<cirm::chat_template> parsed;
    cirm_fuzz::expect_parse_or_cirm_error(
        [&] { parsed.emplace(std::string(cirm_fuzz::as_text(data, size)), "fuzz.jinja"); });
    if (!parsed) return 0;
    const std::vector<cirm::chat_message> conversation = {{"system", " You are {{ helpful }}. "},
                                                          {"user", "Hi \xc3\xa9\n<think>"},
                                                          {"assistant", "</think> Hello! 'x' \"y\" \\"}};
    cirm::jinja::render_limits limits;
    limits.max_output_bytes = 1 << 20;
    limits.max_string_bytes = 1 << 20;
    limits.max_steps = 200'000;
    limits.max_range = 10'000;
    for (std::size_t first : {0, 1}) {
        cirm::chat_render_options options;
        options.bos_token = "<s>";
        options.eos_token = first == 0 ? "</s>" : "";
        options.add_generation_prompt = first == 1;
        cirm_fuzz::expect_parse_or_cirm_error([&] {
            const std::string text = parsed->render(std::span(conversation).subspan(first), options, limits);
            cirm_fuzz::require(text.size() <= limits.max_output_bytes, "a rendering exceeds the output bound");
        });
    }
    return 0;
}
