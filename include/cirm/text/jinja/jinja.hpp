#pragma once
/// \file
/// A small Jinja interpreter for chat templates (namespace cirm::jinja): what Hugging Face's
/// transformers renders with Jinja2 (trim_blocks, lstrip_blocks, loop controls), rendered to the
/// same text, and anything it does not implement refused with the template's name and
/// line:column. cirm/text/chat_template.hpp builds the context transformers passes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/text/jinja/lexer.hpp"
#include "cirm/text/jinja/parser.hpp"
#include "cirm/text/jinja/renderer.hpp"
#include "cirm/text/jinja/value.hpp"

namespace cirm::jinja {

/// A parsed template.
class template_program {
public:
    /// Parses `source`; throws cirm::error "<name>:<line>:<column>: <what is wrong>".
    template_program(std::string_view source, std::string name) : name_(std::move(name)) {
        parser p(lexer(source, name_).run(), name_);
        body_ = p.parse_template();
    }

    /// Renders with `context` (variables by name); throws cirm::error for every failure, a
    /// raise_exception of the template included.
    std::string render(const std::vector<std::pair<std::string, value>>& context, render_limits limits = {}) const {
        renderer r(name_, limits);
        return r.render(body_, context);
    }

    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
    statement_list body_;
};

}  // namespace cirm::jinja
