#pragma once
// Shared by the chat tests: render a template source with a small context.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/text/jinja/jinja.hpp"

namespace chat_test {

using cirm::jinja::value;

/// Renders `source` (named "t") with the given variables.
inline std::string render(std::string_view source, const std::vector<std::pair<std::string, value>>& context = {}) {
    const cirm::jinja::template_program program(source, "t");
    return program.render(context);
}

/// A list of str values.
inline value strings(std::vector<std::string> items) {
    value::list_type out;
    for (auto& s : items) out.push_back(value::string(std::move(s)));
    return value::list(std::move(out));
}

/// A chat message as the context holds it.
inline value message(std::string role, std::string content) {
    return value::dict({{value::string("role"), value::string(std::move(role))},
                        {value::string("content"), value::string(std::move(content))}});
}

}  // namespace chat_test
