#pragma once
/// \file
/// Walks a parsed template and writes its text, with Jinja2's semantics as Hugging Face's
/// transformers uses them: Undefined for missing names and attributes (empty when written, an
/// error when used), scopes (a `set` inside a for loop is local to one iteration, namespaces
/// carry values out), loop.* and break/continue, Python's arithmetic and comparisons, and the
/// globals range, namespace, dict and raise_exception.
///
/// A template cannot make the renderer crash or run forever: the work (expressions evaluated,
/// loop iterations), the output and every string are bounded (render_limits), and going past a
/// bound is an error, like everything else wrong at render time: a cirm::error
/// "<name>:<line>:<column>: <message>".

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/jinja/ast.hpp"
#include "cirm/text/jinja/builtins.hpp"
#include "cirm/text/jinja/filters.hpp"
#include "cirm/text/jinja/value.hpp"

namespace cirm::jinja {

/// Bounds on one rendering.
struct render_limits {
    std::size_t max_output_bytes = std::size_t{64} << 20;  // the rendered text
    std::size_t max_string_bytes = std::size_t{64} << 20;  // any string a template builds
    std::uint64_t max_steps = 50'000'000;                  // expressions evaluated + loop iterations
    std::size_t max_range = 1'000'000;                     // items of one range(...) or repeated list
};

/// Thrown by the template's own raise_exception(message).
class template_raised : public render_failure {
public:
    using render_failure::render_failure;
};

/// Renders parsed templates.
class renderer {
public:
    renderer(std::string_view name, render_limits limits) : name_(name), limits_(limits) {}

    /// Renders `body` with the variables of `context` (which shadow the globals).
    std::string render(const statement_list& body, const std::vector<std::pair<std::string, value>>& context) {
        scopes_.clear();
        scopes_.emplace_back(globals());
        for (const auto& [key, v] : context) scopes_.back()[key] = v;
        scopes_.emplace_back();
        std::string out;
        here_ = {};
        located_ = false;
        meter_ = detail::work_meter{0, limits_.max_steps};
        struct meter_scope {
            detail::work_meter* saved = detail::current_work_meter;
            explicit meter_scope(detail::work_meter* meter) { detail::current_work_meter = meter; }
            ~meter_scope() { detail::current_work_meter = saved; }
            meter_scope(const meter_scope&) = delete;
            meter_scope& operator=(const meter_scope&) = delete;
        } scope_guard(&meter_);
        try {
            render_body(body, out);
        } catch (const template_raised& e) {
            throw cirm::error(location() + "raise_exception: " + e.what());
        } catch (const render_failure& e) {
            throw cirm::error(location() + e.what());
        }
        return out;
    }

private:
    enum class flow { normal, break_loop, continue_loop };
    using scope = std::map<std::string, value, std::less<>>;

    std::string location() const {
        return std::string(name_) + ":" + std::to_string(here_.line) + ":" + std::to_string(here_.column) + ": ";
    }

    static void step() { detail::charge_work(); }

    void check_string(const std::string& text) const {
        detail::charge_work(text.size() / 256);
        if (text.size() > limits_.max_string_bytes)
            throw render_failure("a string exceeds the limit of " + std::to_string(limits_.max_string_bytes) +
                                 " bytes");
    }

    scope globals() {
        scope g;
        const std::size_t max_range = limits_.max_range;
        g["range"] = value::function("range", [max_range](call_arguments& args) {
            if (!args.keywords.empty()) throw render_failure("range() takes no keyword arguments");
            std::int64_t start = 0, stop = 0, stride = 1;
            const auto n = args.positional.size();
            if (n == 0 || n > 3) throw render_failure("range expected 1 to 3 arguments");
            const auto at = [&](std::size_t i) {
                return detail::integer_argument(args.positional[i], "a range() argument");
            };
            if (n == 1) {
                stop = at(0);
            } else {
                start = at(0);
                stop = at(1);
                if (n == 3) stride = at(2);
            }
            if (stride == 0) throw render_failure("range() arg 3 must not be zero");
            value::list_type items;
            for (std::int64_t i = start; stride > 0 ? i < stop : i > stop; i += stride) {
                if (items.size() >= max_range)
                    throw render_failure("range() longer than the limit of " + std::to_string(max_range) + " items");
                items.push_back(value::integer(i));
                if ((stride > 0 && i > INT64_MAX - stride) || (stride < 0 && i < INT64_MIN - stride)) break;
            }
            return value::list(std::move(items), value::flavor::range);
        });
        g["namespace"] = value::function("namespace", [](call_arguments& args) {
            value::dict_type members;
            for (const auto& positional : args.positional) {
                if (!positional.is_dict()) throw render_failure("namespace() takes a dict or keyword arguments");
                for (const auto& entry : positional.entries()) members.push_back(entry);
            }
            for (const auto& [key, v] : args.keywords) {
                bool replaced = false;
                for (auto& [k, old] : members)
                    if (k.is_string() && k.as_string() == key) {
                        old = v;
                        replaced = true;
                    }
                if (!replaced) members.emplace_back(value::string(key), v);
            }
            return value::namespace_object(std::move(members));
        });
        g["dict"] = value::function("dict", [](call_arguments& args) {
            if (!args.positional.empty()) throw render_failure("dict() with positional arguments is not supported");
            value::dict_type members;
            for (const auto& [key, v] : args.keywords) members.emplace_back(value::string(key), v);
            return value::dict(std::move(members));
        });
        g["raise_exception"] = value::function("raise_exception", [](call_arguments& args) -> value {
            if (args.positional.size() != 1 || !args.keywords.empty())
                throw render_failure("raise_exception takes one argument");
            throw template_raised(python_str(args.positional[0]));
        });
        return g;
    }

    value lookup(const std::string& name) const {
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
            auto found = it->find(name);
            if (found != it->end()) return found->second;
        }
        return value::undefined("'" + name + "' is undefined");
    }

    void emit(std::string& out, std::string_view text) const {
        detail::charge_work(text.size() / 256);
        out += text;
        if (out.size() > limits_.max_output_bytes)
            throw render_failure("the output exceeds the limit of " + std::to_string(limits_.max_output_bytes) +
                                 " bytes");
    }

    flow render_body(const statement_list& body, std::string& out) {
        for (const auto& node : body) {
            const flow f = render_statement(*node, out);
            if (f != flow::normal) return f;
        }
        return flow::normal;
    }

    void assign(const std::vector<std::string>& targets, const value& v) {
        if (targets.size() == 1) {
            scopes_.back()[targets[0]] = v;
            return;
        }
        if (!v.is_list() && !v.is_string() && !v.is_dict())
            throw render_failure("cannot unpack a " + std::string(type_name(v)));
        const auto items = detail::iterate(v);
        if (items.size() != targets.size())
            throw render_failure("cannot unpack " + std::to_string(items.size()) + " values into " +
                                 std::to_string(targets.size()) + " names");
        for (std::size_t i = 0; i < targets.size(); ++i) scopes_.back()[targets[i]] = items[i];
    }

    flow render_statement(const statement& node, std::string& out) {
        step();
        here_ = node.where;
        switch (node.type) {
            case statement::kind::text: emit(out, node.text); return flow::normal;
            case statement::kind::output: emit(out, python_str(evaluate(*node.value))); return flow::normal;
            case statement::kind::if_chain:
                for (const auto& [condition, body] : node.branches)
                    if (truthy(evaluate(*condition))) return render_body(body, out);
                return render_body(node.else_body, out);
            case statement::kind::for_loop: return render_for(node, out);
            case statement::kind::set: {
                value v = evaluate(*node.value);
                if (!node.namespace_name.empty()) {
                    here_ = node.where;
                    const value target = lookup(node.namespace_name);
                    if (target.type() != value::kind::namespace_object)
                        throw render_failure("cannot assign attribute on non-namespace object '" + node.namespace_name +
                                             "'");
                    value(target).set_member(node.targets[0], v);
                    return flow::normal;
                }
                assign(node.targets, v);
                return flow::normal;
            }
            case statement::kind::set_block: {
                std::string captured;
                scopes_.emplace_back();  // the block's own assignments stay inside it
                render_body(node.body, captured);
                scopes_.pop_back();
                scopes_.back()[node.targets[0]] = value::string(std::move(captured));
                return flow::normal;
            }
            case statement::kind::break_loop: return flow::break_loop;
            case statement::kind::continue_loop: return flow::continue_loop;
            case statement::kind::generation: return render_body(node.body, out);
        }
        return flow::normal;
    }

    flow render_for(const statement& node, std::string& out) {
        value::list_type items = detail::iterate(evaluate(*node.value));
        if (node.condition) {  // the filter runs before loop.* counts
            value::list_type kept;
            for (auto& item : items) {
                scopes_.emplace_back();
                assign(node.targets, item);
                const bool keep = truthy(evaluate(*node.condition));
                scopes_.pop_back();
                if (keep) kept.push_back(std::move(item));
            }
            items = std::move(kept);
        }
        // Jinja2 runs the else block unless an iteration reached the end of the body: a loop whose
        // every iteration ends in break or continue runs it too (its code clears the flag after
        // the body).
        bool body_completed = false;
        const auto length = static_cast<std::int64_t>(items.size());
        for (std::int64_t i = 0; i < length; ++i) {
            step();
            const auto at = static_cast<std::size_t>(i);
            value::dict_type loop_members = {
                {value::string("index"), value::integer(i + 1)},
                {value::string("index0"), value::integer(i)},
                {value::string("revindex"), value::integer(length - i)},
                {value::string("revindex0"), value::integer(length - i - 1)},
                {value::string("first"), value::boolean(i == 0)},
                {value::string("last"), value::boolean(i == length - 1)},
                {value::string("length"), value::integer(length)},
                {value::string("depth"), value::integer(1)},
                {value::string("depth0"), value::integer(0)},
            };
            if (i > 0) loop_members.emplace_back(value::string("previtem"), items[at - 1]);
            if (i + 1 < length) loop_members.emplace_back(value::string("nextitem"), items[at + 1]);
            loop_members.emplace_back(value::string("cycle"), value::function("loop.cycle", [i](call_arguments& args) {
                                          if (args.positional.empty())
                                              throw render_failure("no items for cycling given");
                                          return args.positional[static_cast<std::size_t>(i) % args.positional.size()];
                                      }));
            scopes_.emplace_back();
            scopes_.back()["loop"] = value::dict(std::move(loop_members));
            assign(node.targets, items[at]);
            const flow f = render_body(node.body, out);
            scopes_.pop_back();
            if (f == flow::normal) body_completed = true;
            if (f == flow::break_loop) break;
        }
        if (!body_completed) return render_body(node.else_body, out);
        return flow::normal;
    }

    [[noreturn]] static void undefined_use(const value& v) {
        throw render_failure(v.undefined_reason().empty() ? "an undefined value was used" : v.undefined_reason());
    }

    static void check_overflow(bool overflow) {
        if (overflow)
            throw render_failure("integer overflow (Python integers are unbounded; this interpreter's are 64-bit)");
    }

    value repeat(const value& sequence, std::int64_t times) const {
        if (times < 0) times = 0;
        if (sequence.is_string()) {
            const auto size = sequence.as_string().size();
            if (size != 0 && static_cast<std::uint64_t>(times) > limits_.max_string_bytes / size)
                throw render_failure("a string exceeds the limit of " + std::to_string(limits_.max_string_bytes) +
                                     " bytes");
            std::string out;
            for (std::int64_t i = 0; i < times; ++i) out += sequence.as_string();
            return value::string(std::move(out));
        }
        const auto size = sequence.items().size();
        if (size != 0 && static_cast<std::uint64_t>(times) > limits_.max_range / size)
            throw render_failure("a repeated list exceeds the limit of " + std::to_string(limits_.max_range) +
                                 " items");
        value::list_type out;
        for (std::int64_t i = 0; i < times; ++i)
            out.insert(out.end(), sequence.items().begin(), sequence.items().end());
        return value::list(std::move(out), sequence.sequence_flavor());
    }

    value arithmetic(const std::string& op, const value& a, const value& b) const {
        if (op == "~") {
            std::string text = python_str(a) + python_str(b);
            check_string(text);
            return value::string(std::move(text));
        }
        if (a.is_undefined()) undefined_use(a);
        if (b.is_undefined()) undefined_use(b);
        const auto unsupported = [&]() -> value {
            throw render_failure("unsupported operand type(s) for " + op + ": '" + std::string(type_name(a)) +
                                 "' and '" + std::string(type_name(b)) + "'");
        };
        if (a.is_number() && b.is_number()) {
            const bool integral = a.is_integral() && b.is_integral();
            const std::int64_t x = a.as_integer(), y = b.as_integer();
            const double fx = a.as_double(), fy = b.as_double();
            std::int64_t r = 0;
            if (op == "+" || op == "-" || op == "*") {
                if (!integral) return value::floating(op == "+" ? fx + fy : op == "-" ? fx - fy : fx * fy);
                check_overflow(op == "+"   ? __builtin_add_overflow(x, y, &r)
                               : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                           : __builtin_mul_overflow(x, y, &r));
                return value::integer(r);
            }
            if (op == "/") {
                if (fy == 0.0) throw render_failure("division by zero");
                return value::floating(fx / fy);
            }
            if (op == "//" || op == "%") {
                if (integral) {
                    if (y == 0) throw render_failure("integer division or modulo by zero");
                    check_overflow(x == INT64_MIN && y == -1);
                    std::int64_t q = x / y, m = x % y;
                    if (m != 0 && ((m < 0) != (y < 0))) {
                        --q;
                        m += y;
                    }
                    return value::integer(op == "//" ? q : m);
                }
                if (fy == 0.0) throw render_failure("float division or modulo by zero");
                const double m = std::fmod(fx, fy);
                const double fixed_m = (m != 0.0 && ((m < 0) != (fy < 0))) ? m + fy : m;
                if (op == "%") return value::floating(fixed_m == 0.0 ? std::copysign(0.0, fy) : fixed_m);
                return value::floating(std::floor((fx - fixed_m) / fy + 0.5 - 0.5));
            }
            if (op == "**") {
                if (integral && y >= 0) {
                    std::int64_t result = 1;
                    for (std::int64_t i = 0; i < y; ++i) {
                        check_overflow(__builtin_mul_overflow(result, x, &result));
                        if (result == 0 || result == 1) break;
                        if (result == -1) {
                            result = (y % 2 == 0) ? 1 : -1;
                            break;
                        }
                    }
                    return value::integer(result);
                }
                if (fx == 0.0 && fy < 0) throw render_failure("0.0 cannot be raised to a negative power");
                return value::floating(std::pow(fx, fy));
            }
            return unsupported();
        }
        if (op == "+") {
            if (a.is_string() && b.is_string()) {
                std::string text = a.as_string() + b.as_string();
                check_string(text);
                return value::string(std::move(text));
            }
            if (a.is_plain_sequence() && b.is_plain_sequence() && a.is_tuple() == b.is_tuple()) {
                value::list_type items = a.items();
                items.insert(items.end(), b.items().begin(), b.items().end());
                return value::list(std::move(items), a.sequence_flavor());
            }
            return unsupported();
        }
        if (op == "*") {
            if ((a.is_string() || a.is_plain_sequence()) && b.is_integral()) return repeat(a, b.as_integer());
            if (a.is_integral() && (b.is_string() || b.is_plain_sequence())) return repeat(b, a.as_integer());
            return unsupported();
        }
        if (op == "%" && a.is_string()) throw render_failure("string formatting with '%' is not supported");
        return unsupported();
    }

    bool compare(const std::string& op, const value& a, const value& b) const {
        if (op == "==") return equal(a, b);
        if (op == "!=") return !equal(a, b);
        if (op == "in") return detail::contains(b, a);
        if (op == "not in") return !detail::contains(b, a);
        if (a.is_undefined()) undefined_use(a);
        if (b.is_undefined()) undefined_use(b);
        return less_compare(a, b, op);
    }

    call_arguments evaluate_arguments(const expression& e) {
        call_arguments args;
        for (std::size_t i = 1; i < e.children.size(); ++i) args.positional.push_back(evaluate(*e.children[i]));
        for (const auto& [key, argument] : e.keywords) args.keywords.emplace_back(key, evaluate(*argument));
        return args;
    }

    value evaluate(const expression& e) {
        step();
        try {
            return evaluate_here(e);
        } catch (const render_failure&) {
            if (!located_) {
                here_ = e.where;
                located_ = true;
            }
            throw;
        }
    }

    value evaluate_here(const expression& e) {
        using k = expression::kind;
        switch (e.type) {
            case k::literal: return e.constant;
            case k::name: return lookup(e.text);
            case k::list:
            case k::tuple: {
                value::list_type items;
                for (const auto& child : e.children) items.push_back(evaluate(*child));
                return value::list(std::move(items), e.type == k::tuple ? value::flavor::tuple : value::flavor::list);
            }
            case k::dict: {
                value::dict_type entries;
                for (std::size_t i = 0; i + 1 < e.children.size(); i += 2) {
                    value key = evaluate(*e.children[i]);
                    value item = evaluate(*e.children[i + 1]);
                    if (key.is_list() || key.is_dict() || key.is_undefined() ||
                        key.type() == value::kind::namespace_object || key.type() == value::kind::function)
                        throw render_failure("unsupported dict key of type '" + std::string(type_name(key)) + "'");
                    bool replaced = false;
                    for (auto& [old_key, old_item] : entries)
                        if (equal(old_key, key)) {
                            old_item = item;
                            replaced = true;
                        }
                    if (!replaced) entries.emplace_back(std::move(key), std::move(item));
                }
                return value::dict(std::move(entries));
            }
            case k::attribute: return get_attribute(evaluate(*e.children[0]), e.text);
            case k::subscript: {
                const value target = evaluate(*e.children[0]);
                return get_item(target, evaluate(*e.children[1]));
            }
            case k::slice: {
                const value target = evaluate(*e.children[0]);
                value parts[3] = {value::none(), value::none(), value::none()};  // omitted: None
                for (int i = 0; i < 3; ++i)
                    if (e.children[static_cast<std::size_t>(i) + 1])
                        parts[i] = evaluate(*e.children[static_cast<std::size_t>(i) + 1]);
                if (target.is_undefined()) undefined_use(target);
                return get_slice(target, parts[0], parts[1], parts[2]);
            }
            case k::call: {
                const value callee = evaluate(*e.children[0]);
                call_arguments args = evaluate_arguments(e);
                if (callee.is_undefined()) undefined_use(callee);
                if (callee.type() != value::kind::function)
                    throw render_failure("'" + std::string(type_name(callee)) + "' object is not callable");
                value result = callee.function().call(args);
                if (result.is_string()) check_string(result.as_string());
                return result;
            }
            case k::filter: {
                const value operand = evaluate(*e.children[0]);
                call_arguments args = evaluate_arguments(e);
                value result = apply_filter(e.text, operand, args);
                if (result.is_string()) check_string(result.as_string());
                return result;
            }
            case k::test: {
                const value operand = evaluate(*e.children[0]);
                call_arguments args = evaluate_arguments(e);
                if (!args.keywords.empty()) throw render_failure("tests take no keyword arguments");
                return value::boolean(apply_test(e.text, operand, args.positional) != e.negated);
            }
            case k::logical_not: return value::boolean(!truthy(evaluate(*e.children[0])));
            case k::negate:
            case k::plus: {
                const value operand = evaluate(*e.children[0]);
                if (operand.is_undefined()) undefined_use(operand);
                if (operand.is_integral()) {
                    if (e.type == k::plus) return value::integer(operand.as_integer());
                    check_overflow(operand.as_integer() == INT64_MIN);
                    return value::integer(-operand.as_integer());
                }
                if (operand.type() == value::kind::floating)
                    return value::floating(e.type == k::plus ? operand.as_double() : -operand.as_double());
                throw render_failure("bad operand type for unary " + std::string(e.type == k::plus ? "+" : "-") +
                                     ": '" + std::string(type_name(operand)) + "'");
            }
            case k::binary: {
                const value left = evaluate(*e.children[0]);
                const value right = evaluate(*e.children[1]);
                return arithmetic(e.text, left, right);
            }
            case k::compare: {
                value left = evaluate(*e.children[0]);
                for (std::size_t i = 0; i < e.ops.size(); ++i) {
                    value right = evaluate(*e.children[i + 1]);
                    if (!compare(e.ops[i], left, right)) return value::boolean(false);
                    left = std::move(right);
                }
                return value::boolean(true);
            }
            case k::logical_and: {
                value left = evaluate(*e.children[0]);
                return truthy(left) ? evaluate(*e.children[1]) : left;
            }
            case k::logical_or: {
                value left = evaluate(*e.children[0]);
                return truthy(left) ? left : evaluate(*e.children[1]);
            }
            case k::conditional:
                if (truthy(evaluate(*e.children[0]))) return evaluate(*e.children[1]);
                if (e.children[2]) return evaluate(*e.children[2]);
                return value::undefined("the condition of an inline if was false and it has no else");
        }
        return {};
    }

    std::string_view name_;
    render_limits limits_;
    std::vector<scope> scopes_;
    detail::work_meter meter_;
    source_location here_;
    bool located_ = false;
};

}  // namespace cirm::jinja
