#pragma once
/// \file
/// The syntax tree of a template: expressions and the statements (text, `{{ }}`, if, for, set,
/// break, continue, generation) that the parser builds and the renderer walks.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cirm/text/jinja/lexer.hpp"
#include "cirm/text/jinja/value.hpp"

namespace cirm::jinja {

/// An expression. `children` holds the operands in the order the kind says.
struct expression {
    enum class kind {
        literal,      // constant
        name,         // text = the name
        list,         // children = items
        tuple,        // children = items
        dict,         // children = key, value, key, value, …
        attribute,    // children[0] . text
        subscript,    // children[0] [ children[1] ]
        slice,        // children[0] [ children[1] : children[2] : children[3] ] (null = omitted)
        call,         // children[0] ( children[1..], keywords )
        filter,       // children[0] | text ( children[1..], keywords )
        test,         // children[0] is [not] text ( children[1..] ); negated
        logical_not,  // not children[0]
        negate,       // - children[0]
        plus,         // + children[0]
        binary,       // children[0] text children[1], text one of + - * / // % ** ~
        compare,      // children[0] ops[0] children[1] ops[1] children[2] … (chained)
        logical_and,  // children[0] and children[1]
        logical_or,   // children[0] or children[1]
        conditional,  // children[1] if children[0] else children[2] (null = no else)
    };
    kind type = kind::literal;
    source_location where;
    value constant;
    std::string text;
    bool negated = false;
    std::vector<std::string> ops;
    std::vector<std::unique_ptr<expression>> children;
    std::vector<std::pair<std::string, std::unique_ptr<expression>>> keywords;
};

using expression_ptr = std::unique_ptr<expression>;

struct statement;
using statement_list = std::vector<std::unique_ptr<statement>>;

/// A statement of the template body.
struct statement {
    enum class kind {
        text,       // text
        output,     // {{ value }}
        if_chain,   // branches (condition, body); else_body
        for_loop,   // targets in value [if condition]: body; else_body
        set,        // targets (or namespace_name.attribute) = value
        set_block,  // {% set targets[0] %}body{% endset %}
        break_loop,
        continue_loop,
        generation,  // {% generation %}body{% endgeneration %}: the body, as written
    };
    kind type = kind::text;
    source_location where;
    std::string text;
    expression_ptr value;
    expression_ptr condition;
    std::vector<std::string> targets;
    std::string namespace_name;  // set: `ns` of `set ns.attribute = …`, else empty
    std::vector<std::pair<expression_ptr, statement_list>> branches;
    statement_list body;
    statement_list else_body;
};

}  // namespace cirm::jinja
