#pragma once
/// \file
/// Builds the syntax tree of a template from its tokens, with Jinja2's grammar and operator
/// precedence (lowest first): `x if c else y`; or; and; not; comparisons and `in` (chained);
/// + -; ~; * / // %; **; unary - +; then `.attr`, `[index]`, `[a:b:c]`, `(call)`, `|filter`,
/// `is test`. Tags: if/elif/else, for (with `if` filter and `else`), set (to a name, names, a
/// namespace attribute, or a block), break, continue, generation. Anything else — an unknown tag,
/// filter or test, macros, `recursive` loops — is a syntax error naming it, with line:column.

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/text/jinja/ast.hpp"
#include "cirm/text/jinja/builtins.hpp"
#include "cirm/text/jinja/lexer.hpp"

namespace cirm::jinja {

/// Parses the tokens of one template; throws cirm::error for every syntax error.
class parser {
public:
    parser(std::vector<token> tokens, std::string_view name) : tokens_(std::move(tokens)), name_(name) {}

    statement_list parse_template() {
        std::string end_tag;
        return parse_body({}, end_tag);
    }

private:
    static constexpr std::size_t max_depth = 200;

    const token& current() const { return tokens_[position_]; }
    const token& peek(std::size_t ahead = 1) const { return tokens_[std::min(position_ + ahead, tokens_.size() - 1)]; }
    token next() {
        token t = tokens_[position_];
        if (position_ + 1 < tokens_.size()) ++position_;
        return t;
    }
    bool at_op(std::string_view op) const { return current().type == token::kind::op && current().text == op; }
    bool at_name(std::string_view name) const { return current().type == token::kind::name && current().text == name; }
    [[noreturn]] void fail(std::string_view message) const { syntax_error(name_, current().where, message); }
    [[noreturn]] void fail_here(std::string_view message) const {
        const token& t = current();
        std::string what;
        switch (t.type) {
            case token::kind::end: what = "the end of the template"; break;
            case token::kind::statement_end: what = "'%}'"; break;
            case token::kind::output_end: what = "'}}'"; break;
            case token::kind::string: what = "a string"; break;
            default: what = "'" + t.text + "'";
        }
        fail(std::string(message) + ", found " + what);
    }
    void expect_op(std::string_view op) {
        if (!at_op(op)) fail_here("expected '" + std::string(op) + "'");
        next();
    }
    void expect_statement_end() {
        if (current().type != token::kind::statement_end) fail_here("expected '%}'");
        next();
    }
    std::string expect_name(std::string_view what) {
        if (current().type != token::kind::name) fail_here("expected " + std::string(what));
        return next().text;
    }

    /// Statements up to one of `end_tags` (whose name it consumes and stores in `end_tag`).
    statement_list parse_body(std::initializer_list<std::string_view> end_tags, std::string& end_tag) {
        statement_list body;
        for (;;) {
            const token& t = current();
            switch (t.type) {
                case token::kind::end:
                    if (end_tags.size() != 0)
                        fail("unexpected end of template: expected '{% " + std::string(*(end_tags.end() - 1)) + " %}'");
                    return body;
                case token::kind::text: {
                    auto node = std::make_unique<statement>();
                    node->type = statement::kind::text;
                    node->where = t.where;
                    node->text = t.text;
                    body.push_back(std::move(node));
                    next();
                    break;
                }
                case token::kind::output_begin: {
                    auto node = std::make_unique<statement>();
                    node->type = statement::kind::output;
                    node->where = t.where;
                    next();
                    node->value = parse_tuple(true);
                    if (current().type != token::kind::output_end) fail_here("expected '}}'");
                    next();
                    body.push_back(std::move(node));
                    break;
                }
                case token::kind::statement_begin: {
                    const source_location where = t.where;
                    next();
                    const std::string tag = expect_name("a tag name after '{%'");
                    if (std::find(end_tags.begin(), end_tags.end(), tag) != end_tags.end()) {
                        end_tag = tag;
                        return body;
                    }
                    body.push_back(parse_statement(tag, where));
                    break;
                }
                default: fail_here("unexpected token");
            }
        }
    }

    std::unique_ptr<statement> parse_statement(const std::string& tag, source_location where) {
        depth_guard guard(*this);  // blocks inside blocks: bounded like expressions
        auto node = std::make_unique<statement>();
        node->where = where;
        std::string end_tag;
        if (tag == "if") {
            node->type = statement::kind::if_chain;
            std::string current_tag = "if";
            for (;;) {
                if (current_tag == "else") {
                    expect_statement_end();
                    node->else_body = parse_body({"endif"}, end_tag);
                    expect_statement_end();
                    return node;
                }
                auto condition = parse_tuple(false);
                expect_statement_end();
                auto body = parse_body({"elif", "else", "endif"}, current_tag);
                node->branches.emplace_back(std::move(condition), std::move(body));
                if (current_tag == "endif") {
                    expect_statement_end();
                    return node;
                }
            }
        }
        if (tag == "for") {
            node->type = statement::kind::for_loop;
            node->targets = parse_targets(true);
            if (!at_name("in")) fail_here("expected 'in' in a for loop");
            next();
            node->value = parse_tuple(false);
            if (at_name("if")) {
                next();
                node->condition = parse_expression(true);
            }
            if (at_name("recursive")) fail("recursive for loops are not supported");
            expect_statement_end();
            ++loop_depth_;
            node->body = parse_body({"else", "endfor"}, end_tag);
            --loop_depth_;
            expect_statement_end();
            if (end_tag == "else") {
                node->else_body = parse_body({"endfor"}, end_tag);
                expect_statement_end();
            }
            return node;
        }
        if (tag == "set") {
            if (current().type == token::kind::name && peek().type == token::kind::op && peek().text == ".") {
                node->namespace_name = next().text;
                next();
                node->targets.push_back(expect_name("an attribute name after '.'"));
            } else {
                node->targets = parse_targets(false);
            }
            if (at_op("=")) {
                next();
                node->type = statement::kind::set;
                node->value = parse_tuple(true);
                expect_statement_end();
                return node;
            }
            if (!node->namespace_name.empty() || node->targets.size() != 1)
                fail_here("expected '=' in a set statement");
            if (at_op("|")) fail("filtered set blocks ({% set x | filter %}) are not supported");
            node->type = statement::kind::set_block;
            expect_statement_end();
            node->body = parse_body({"endset"}, end_tag);
            expect_statement_end();
            return node;
        }
        if (tag == "break" || tag == "continue") {
            if (loop_depth_ == 0) syntax_error(name_, where, "'" + tag + "' outside a for loop");
            node->type = tag == "break" ? statement::kind::break_loop : statement::kind::continue_loop;
            expect_statement_end();
            return node;
        }
        if (tag == "generation") {
            node->type = statement::kind::generation;
            expect_statement_end();
            node->body = parse_body({"endgeneration"}, end_tag);
            expect_statement_end();
            return node;
        }
        syntax_error(name_, where, "unsupported tag '" + tag + "'");
    }

    /// `a`, `a, b`, `(a, b)`: the names a for loop or set assigns (a for loop's may end with a
    /// comma before `in`, as Jinja2 allows).
    std::vector<std::string> parse_targets(bool for_loop) {
        std::vector<std::string> names;
        const bool parenthesized = at_op("(");
        if (parenthesized) next();
        for (;;) {
            names.push_back(expect_name("a variable name"));
            if (!at_op(",")) break;
            next();
            if ((parenthesized && at_op(")")) || (for_loop && at_name("in"))) break;
        }
        if (parenthesized) expect_op(")");
        for (const auto& n : names)
            if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None")
                fail("cannot assign to '" + n + "'");
        return names;
    }

    expression_ptr make(expression::kind kind, source_location where) {
        auto e = std::make_unique<expression>();
        e->type = kind;
        e->where = where;
        return e;
    }

    struct depth_guard {
        parser& owner;
        explicit depth_guard(parser& p) : owner(p) {
            if (++owner.depth_ > max_depth) owner.fail("expression nested too deeply");
        }
        ~depth_guard() { --owner.depth_; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
    };

    /// Expressions separated by commas make a tuple.
    expression_ptr parse_tuple(bool with_conditional) {
        const source_location where = current().where;
        auto first = parse_expression(with_conditional);
        if (!at_op(",")) return first;
        auto tuple = make(expression::kind::tuple, where);
        tuple->children.push_back(std::move(first));
        while (at_op(",")) {
            next();
            if (!starts_expression()) break;
            tuple->children.push_back(parse_expression(with_conditional));
        }
        return tuple;
    }

    bool starts_expression() const {
        const token& t = current();
        if (t.type == token::kind::name) return t.text != "in" && t.text != "if" && t.text != "else";
        if (t.type == token::kind::string || t.type == token::kind::integer || t.type == token::kind::floating)
            return true;
        return t.type == token::kind::op &&
               (t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+");
    }

    expression_ptr parse_expression(bool with_conditional) {
        return with_conditional ? parse_conditional() : parse_or();
    }

    expression_ptr parse_conditional() {
        depth_guard guard(*this);
        auto result = parse_or();
        while (at_name("if")) {
            const source_location where = current().where;
            next();
            auto conditional = make(expression::kind::conditional, where);
            conditional->children.push_back(parse_or());
            conditional->children.push_back(std::move(result));
            if (at_name("else")) {
                next();
                conditional->children.push_back(parse_conditional());
            } else {
                conditional->children.push_back(nullptr);
            }
            result = std::move(conditional);
        }
        return result;
    }

    expression_ptr parse_or() {
        auto left = parse_and();
        while (at_name("or")) {
            auto node = make(expression::kind::logical_or, next().where);
            node->children.push_back(std::move(left));
            node->children.push_back(parse_and());
            left = std::move(node);
        }
        return left;
    }

    expression_ptr parse_and() {
        auto left = parse_not();
        while (at_name("and")) {
            auto node = make(expression::kind::logical_and, next().where);
            node->children.push_back(std::move(left));
            node->children.push_back(parse_not());
            left = std::move(node);
        }
        return left;
    }

    expression_ptr parse_not() {
        depth_guard guard(*this);
        if (at_name("not")) {
            auto node = make(expression::kind::logical_not, next().where);
            node->children.push_back(parse_not());
            return node;
        }
        return parse_compare();
    }

    expression_ptr parse_compare() {
        const source_location where = current().where;
        auto first = parse_add();
        expression_ptr chain;
        for (;;) {
            std::string op;
            if (current().type == token::kind::op &&
                (at_op("==") || at_op("!=") || at_op("<") || at_op("<=") || at_op(">") || at_op(">="))) {
                op = next().text;
            } else if (at_name("in")) {
                next();
                op = "in";
            } else if (at_name("not") && peek().type == token::kind::name && peek().text == "in") {
                next();
                next();
                op = "not in";
            } else {
                break;
            }
            if (!chain) {
                chain = make(expression::kind::compare, where);
                chain->children.push_back(std::move(first));
            }
            chain->ops.push_back(op);
            chain->children.push_back(parse_add());
        }
        return chain ? std::move(chain) : std::move(first);
    }

    expression_ptr binary(std::string op, expression_ptr left, expression_ptr right, source_location where) {
        auto node = make(expression::kind::binary, where);
        node->text = std::move(op);
        node->children.push_back(std::move(left));
        node->children.push_back(std::move(right));
        return node;
    }

    expression_ptr parse_add() {
        auto left = parse_concat();
        while (at_op("+") || at_op("-")) {
            const token op = next();
            left = binary(op.text, std::move(left), parse_concat(), op.where);
        }
        return left;
    }

    expression_ptr parse_concat() {
        auto left = parse_multiply();
        while (at_op("~")) {
            const token op = next();
            left = binary("~", std::move(left), parse_multiply(), op.where);
        }
        return left;
    }

    expression_ptr parse_multiply() {
        auto left = parse_power();
        while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
            const token op = next();
            left = binary(op.text, std::move(left), parse_power(), op.where);
        }
        return left;
    }

    expression_ptr parse_power() {
        auto left = parse_unary(true);
        while (at_op("**")) {
            const token op = next();
            left = binary("**", std::move(left), parse_unary(true), op.where);
        }
        return left;
    }

    expression_ptr parse_unary(bool with_filters) {
        depth_guard guard(*this);
        expression_ptr node;
        if (at_op("-") || at_op("+")) {
            const token op = next();
            node = make(op.text == "-" ? expression::kind::negate : expression::kind::plus, op.where);
            node->children.push_back(parse_unary(false));
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        if (with_filters) node = parse_filters_and_tests(std::move(node));
        return node;
    }

    expression_ptr parse_primary() {
        depth_guard guard(*this);
        const token& t = current();
        const source_location where = t.where;
        if (t.type == token::kind::name) {
            const std::string name = next().text;
            auto node = make(expression::kind::literal, where);
            if (name == "true" || name == "True")
                node->constant = value::boolean(true);
            else if (name == "false" || name == "False")
                node->constant = value::boolean(false);
            else if (name == "none" || name == "None")
                node->constant = value::none();
            else {
                node->type = expression::kind::name;
                node->text = name;
            }
            return node;
        }
        if (t.type == token::kind::string) {
            std::string text;
            while (current().type == token::kind::string) text += next().text;
            auto node = make(expression::kind::literal, where);
            node->constant = value::string(std::move(text));
            return node;
        }
        if (t.type == token::kind::integer) {
            const std::string digits = next().text;
            std::int64_t n = 0;
            for (char c : digits) {
                if (__builtin_mul_overflow(n, std::int64_t{10}, &n) ||
                    __builtin_add_overflow(n, std::int64_t{c - '0'}, &n))
                    syntax_error(name_, where, "integer literal too large");
            }
            auto node = make(expression::kind::literal, where);
            node->constant = value::integer(n);
            return node;
        }
        if (t.type == token::kind::floating) {
            auto node = make(expression::kind::literal, where);
            node->constant = value::floating(std::strtod(next().text.c_str(), nullptr));
            return node;
        }
        if (at_op("(")) {
            next();
            if (at_op(")")) {
                next();
                return make(expression::kind::tuple, where);
            }
            auto inner = parse_expression(true);
            if (at_op(",")) {
                auto tuple = make(expression::kind::tuple, where);
                tuple->children.push_back(std::move(inner));
                while (at_op(",")) {
                    next();
                    if (at_op(")")) break;
                    tuple->children.push_back(parse_expression(true));
                }
                inner = std::move(tuple);
            }
            expect_op(")");
            return inner;
        }
        if (at_op("[")) {
            next();
            auto list = make(expression::kind::list, where);
            while (!at_op("]")) {
                list->children.push_back(parse_expression(true));
                if (!at_op(",")) break;
                next();
            }
            expect_op("]");
            return list;
        }
        if (at_op("{")) {
            next();
            auto dict = make(expression::kind::dict, where);
            while (!at_op("}")) {
                dict->children.push_back(parse_expression(true));
                expect_op(":");
                dict->children.push_back(parse_expression(true));
                if (!at_op(",")) break;
                next();
            }
            expect_op("}");
            return dict;
        }
        fail_here("expected an expression");
    }

    expression_ptr parse_postfix(expression_ptr node) {
        for (;;) {
            if (at_op(".") || at_op("[")) {
                node = parse_subscript(std::move(node));
            } else if (at_op("(")) {
                node = parse_call(std::move(node));
            } else {
                return node;
            }
        }
    }

    expression_ptr parse_filters_and_tests(expression_ptr node) {
        for (;;) {
            if (at_op("|")) {
                node = parse_filter(std::move(node));
            } else if (at_name("is")) {
                node = parse_test(std::move(node));
            } else if (at_op("(")) {
                node = parse_call(std::move(node));
            } else {
                return node;
            }
        }
    }

    expression_ptr parse_subscript(expression_ptr target) {
        depth_guard guard(*this);
        const token opener = next();
        if (opener.text == ".") {
            if (current().type == token::kind::name) {
                auto node = make(expression::kind::attribute, opener.where);
                node->text = next().text;
                node->children.push_back(std::move(target));
                return node;
            }
            if (current().type == token::kind::integer) {
                auto node = make(expression::kind::subscript, opener.where);
                node->children.push_back(std::move(target));
                auto index = make(expression::kind::literal, current().where);
                const std::string digits = next().text;
                if (digits.size() > 18) fail("index too large");
                index->constant = value::integer(std::stoll(digits));
                node->children.push_back(std::move(index));
                return node;
            }
            fail_here("expected an attribute name after '.'");
        }
        // [index] or [start:stop:step]
        expression_ptr parts[3];
        int part = 0;
        bool is_slice = false;
        for (;;) {
            if (at_op(":")) {
                next();
                is_slice = true;
                if (++part > 2) fail("a slice has at most three parts");
                continue;
            }
            if (at_op("]")) break;
            if (parts[part]) fail_here("expected ':' or ']'");
            parts[part] = parse_expression(true);
            if (at_op(",")) fail("subscripts with commas (tuples) are not supported");
        }
        expect_op("]");
        if (!is_slice) {
            if (!parts[0]) syntax_error(name_, opener.where, "empty subscript '[]'");
            auto node = make(expression::kind::subscript, opener.where);
            node->children.push_back(std::move(target));
            node->children.push_back(std::move(parts[0]));
            return node;
        }
        auto node = make(expression::kind::slice, opener.where);
        node->children.push_back(std::move(target));
        for (auto& p : parts) node->children.push_back(std::move(p));
        return node;
    }

    /// `( arguments )` into node->children (after the callee/operand) and node->keywords.
    void parse_arguments(expression& node) {
        expect_op("(");
        while (!at_op(")")) {
            if (at_op("*") || at_op("**")) fail("*args and **kwargs in calls are not supported");
            if (current().type == token::kind::name && peek().type == token::kind::op && peek().text == "=") {
                std::string key = next().text;
                next();
                node.keywords.emplace_back(std::move(key), parse_expression(true));
            } else {
                if (!node.keywords.empty()) fail("a positional argument follows a keyword argument");
                node.children.push_back(parse_expression(true));
            }
            if (!at_op(",")) break;
            next();
        }
        expect_op(")");
    }

    expression_ptr parse_call(expression_ptr callee) {
        depth_guard guard(*this);
        auto node = make(expression::kind::call, callee->where);
        node->children.push_back(std::move(callee));
        parse_arguments(*node);
        return node;
    }

    std::string dotted_name(std::string_view what) {
        std::string name = expect_name(what);
        while (at_op(".") && peek().type == token::kind::name) {
            next();
            name += "." + next().text;
        }
        return name;
    }

    expression_ptr parse_filter(expression_ptr operand) {
        depth_guard guard(*this);
        next();  // |
        const source_location where = current().where;
        auto node = make(expression::kind::filter, where);
        node->text = dotted_name("a filter name after '|'");
        if (!is_known_filter(node->text)) syntax_error(name_, where, "unknown filter '" + node->text + "'");
        node->children.push_back(std::move(operand));
        if (at_op("(")) parse_arguments(*node);
        return node;
    }

    expression_ptr parse_test(expression_ptr operand) {
        depth_guard guard(*this);
        next();  // is
        auto node = make(expression::kind::test, current().where);
        if (at_name("not")) {
            next();
            node->negated = true;
        }
        const source_location where = current().where;
        node->text = dotted_name("a test name after 'is'");
        if (!is_known_test(node->text)) syntax_error(name_, where, "unknown test '" + node->text + "'");
        node->children.push_back(std::move(operand));
        if (at_op("(")) {
            parse_arguments(*node);
        } else if ((current().type == token::kind::name || current().type == token::kind::string ||
                    current().type == token::kind::integer || current().type == token::kind::floating || at_op("(") ||
                    at_op("[") || at_op("{")) &&
                   !at_name("else") && !at_name("or") && !at_name("and")) {
            if (at_name("is")) fail("tests cannot be chained with 'is'");
            node->children.push_back(parse_postfix(parse_primary()));
        }
        return node;
    }

    std::vector<token> tokens_;
    std::string_view name_;
    std::size_t position_ = 0;
    std::size_t depth_ = 0;
    std::size_t loop_depth_ = 0;
};

}  // namespace cirm::jinja
