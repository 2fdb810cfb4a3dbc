#pragma once
/// \file
/// Jinja2's filters (`x | name(args)`) and tests (`x is name args`) as Hugging Face's transformers
/// gets them: Jinja2's own, with transformers' `tojson` (Python's json.dumps with
/// ensure_ascii=False, indent, separators, sort_keys; no HTML escaping). The filters that return
/// a generator in Jinja2 (select, reject, selectattr, rejectattr, map, reverse, items) return an
/// iterator here too: one pass, no length, not printable.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cirm/text/jinja/builtins.hpp"
#include "cirm/text/jinja/value.hpp"

namespace cirm::jinja {

namespace detail {

inline bool number_compare(const value& a, const value& b, std::string_view op) {
    if (a.is_number() && b.is_number()) {
        if (a.is_integral() && b.is_integral()) {
            const auto x = a.as_integer(), y = b.as_integer();
            return op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y;
        }
        const double x = a.as_double(), y = b.as_double();
        return op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y;
    }
    if (a.is_string() && b.is_string()) {
        const int c = a.as_string().compare(b.as_string());  // UTF-8 byte order is code point order
        return op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    }
    if (a.is_plain_sequence() && b.is_plain_sequence() && a.is_tuple() == b.is_tuple()) {
        const auto& x = a.items();
        const auto& y = b.items();
        for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
            if (!equal(x[i], y[i])) return number_compare(x[i], y[i], op);
        const auto n = x.size(), m = y.size();
        return op == "<" ? n < m : op == "<=" ? n <= m : op == ">" ? n > m : n >= m;
    }
    throw render_failure("'" + std::string(op) + "' not supported between instances of '" + std::string(type_name(a)) +
                         "' and '" + std::string(type_name(b)) + "'");
}

}  // namespace detail

/// Python's `<`, `<=`, `>`, `>=`.
inline bool less_compare(const value& a, const value& b, std::string_view op) {
    return detail::number_compare(a, b, op);
}

/// Applies the test `name` to `v` with `args` (the parser has checked the name).
inline bool apply_test(const std::string& name, const value& v, const std::vector<value>& args) {
    const auto arg = [&](std::size_t i) -> const value& {
        if (i >= args.size()) throw render_failure("the test '" + name + "' needs an argument");
        return args[i];
    };
    using k = value::kind;
    static constexpr std::string_view one_argument[] = {
        "divisibleby", "eq", "equalto", "==", "ne",          "!=", "lt", "<",  "lessthan",
        "le",          "<=", "gt",      ">",  "greaterthan", "ge", ">=", "in", "sameas"};
    const bool takes_one = std::find(std::begin(one_argument), std::end(one_argument), name) != std::end(one_argument);
    if (args.size() != (takes_one ? 1u : 0u))
        throw render_failure("the test '" + name + "' takes " + (takes_one ? "one argument" : "no argument") +
                             ", not " + std::to_string(args.size()));
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "boolean") return v.type() == k::boolean;
    if (name == "true") return v.type() == k::boolean && v.as_bool();
    if (name == "false") return v.type() == k::boolean && !v.as_bool();
    if (name == "integer") return v.type() == k::integer;
    if (name == "float") return v.type() == k::floating;
    if (name == "number") return v.is_number();
    if (name == "string") return v.is_string();
    if (name == "mapping") return v.is_dict();
    if (name == "iterable") return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
    if (name == "sequence")
        return v.is_undefined() || v.is_string() || v.is_dict() ||
               (v.is_list() && v.sequence_flavor() != value::flavor::iterator &&
                v.sequence_flavor() != value::flavor::view);
    if (name == "callable") return v.type() == k::function;
    if (name == "odd" || name == "even") {  // value % 2 == 1 / value % 2 == 0
        if (v.type() == k::floating) {
            double m = std::fmod(v.as_double(), 2.0);
            if (m < 0) m += 2.0;
            return name == "odd" ? m == 1.0 : m == 0.0;
        }
        const std::int64_t n = detail::integer_argument(v, "the operand of '" + name + "'");
        return (n % 2 != 0) == (name == "odd");
    }
    if (name == "divisibleby") {
        const std::int64_t n = detail::integer_argument(v, "the operand of 'divisibleby'");
        const std::int64_t d = detail::integer_argument(arg(0), "the argument of 'divisibleby'");
        if (d == 0) throw render_failure("divisibleby: integer division or modulo by zero");
        return d == -1 || n % d == 0;
    }
    if (name == "eq" || name == "equalto" || name == "==") return equal(v, arg(0));
    if (name == "ne" || name == "!=") return !equal(v, arg(0));
    if (name == "lt" || name == "<" || name == "lessthan") return less_compare(v, arg(0), "<");
    if (name == "le" || name == "<=") return less_compare(v, arg(0), "<=");
    if (name == "gt" || name == ">" || name == "greaterthan") return less_compare(v, arg(0), ">");
    if (name == "ge" || name == ">=") return less_compare(v, arg(0), ">=");
    if (name == "in") return detail::contains(arg(0), v);
    if (name == "sameas") {
        const value& other = arg(0);
        if (v.type() != other.type()) return false;
        if (v.is_none() || v.is_undefined()) return true;
        if (v.type() == k::boolean) return v.as_bool() == other.as_bool();
        if (v.is_list() || v.is_dict() || v.type() == k::namespace_object || v.type() == k::function)
            return v.identity() == other.identity();
        throw render_failure("'sameas' on a " + std::string(type_name(v)) + " depends on Python's object identity");
    }
    if (name == "lower" || name == "upper") {  // str(value).islower() / isupper()
        const std::string text = python_str(v);
        if (!detail::is_ascii(text)) throw render_failure("the test '" + name + "' on non-ASCII text is not supported");
        return detail::ascii_case(text, name == "upper", name) == text &&
               std::any_of(text.begin(), text.end(),
                           [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
    }
    throw render_failure("unknown test '" + name + "'");
}

/// Jinja2's item-or-attribute lookup of `attribute="a.b.0"` (in map, selectattr, join).
inline value lookup_path(const value& item, const value& path) {
    if (path.is_integral()) return get_item(item, path);
    const std::string& text = detail::string_argument(path, "attribute");
    value current = item;
    std::size_t start = 0;
    for (;;) {
        const auto dot = text.find('.', start);
        const std::string part = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const bool numeric =
            !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        current = numeric && part.size() <= 18 ? get_item(current, value::integer(std::stoll(part)))
                                               : get_item(current, value::string(part));
        if (dot == std::string::npos) return current;
        start = dot + 1;
    }
}

value apply_filter(const std::string& name, const value& v, call_arguments& args);

namespace detail {

/// select / reject / selectattr / rejectattr.
inline value select_items(const value& v, call_arguments& args, bool by_attribute, bool keep_when) {
    std::size_t next_arg = 0;
    value attribute;
    if (by_attribute) {
        if (args.positional.empty()) throw render_failure("selectattr/rejectattr need an attribute name");
        attribute = args.positional[next_arg++];
    }
    std::string test;
    std::vector<value> test_args;
    if (next_arg < args.positional.size()) {
        test = string_argument(args.positional[next_arg++], "a test name");
        if (!is_known_test(test)) throw render_failure("unknown test '" + test + "'");
        test_args.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next_arg), args.positional.end());
    }
    if (!args.keywords.empty()) throw render_failure("keyword arguments to select filters are not supported");
    value::list_type out;
    if (!truthy(v)) return value::list(std::move(out), value::flavor::iterator);  // Jinja2: `if value:`
    for (auto& item : iterate(v)) {
        const value subject = by_attribute ? lookup_path(item, attribute) : item;
        const bool passes = test.empty() ? truthy(subject) : apply_test(test, subject, test_args);
        if (passes == keep_when) out.push_back(item);
    }
    return value::list(std::move(out), value::flavor::iterator);
}

}  // namespace detail

/// Applies the filter `name` to `v` (the parser has checked the name).
inline value apply_filter(const std::string& name, const value& v, call_arguments& args) {
    using detail::argument;
    using detail::check_arguments;
    const std::string what = "the filter '" + name + "'";
    if (name == "trim") {
        check_arguments(args, what, {"chars"});
        const value chars = argument(args, 0, "chars");
        return value::string(detail::python_strip(python_str(v), &chars, true, true));
    }
    if (name == "length" || name == "count") {
        check_arguments(args, what, {});
        return value::integer(detail::python_length(v));
    }
    if (name == "string" || name == "safe") {
        check_arguments(args, what, {});
        return v.is_string() ? v : value::string(python_str(v));
    }
    if (name == "list") {
        check_arguments(args, what, {});
        return value::list(detail::iterate(v));
    }
    if (name == "items") {
        check_arguments(args, what, {});
        if (v.is_undefined()) return value::list({}, value::flavor::iterator);
        if (!v.is_dict()) throw render_failure("Can only get item pairs from a mapping.");
        value::list_type out;
        for (const auto& [key, item] : v.entries()) out.push_back(value::list({key, item}, value::flavor::tuple));
        return value::list(std::move(out), value::flavor::iterator);
    }
    if (name == "join") {
        check_arguments(args, what, {"d", "attribute"});
        const value separator = argument(args, 0, "d", value::string(""));
        const value attribute = argument(args, 1, "attribute", value::none());
        std::string out;
        bool first = true;
        for (const auto& item : detail::iterate(v)) {
            if (!first) out += python_str(separator);
            first = false;
            out += python_str(attribute.is_none() ? item : lookup_path(item, attribute));
        }
        return value::string(out);
    }
    if (name == "tojson") {
        check_arguments(args, what, {"ensure_ascii", "indent", "separators", "sort_keys"});
        json_layout layout;
        layout.ensure_ascii = truthy(argument(args, 0, "ensure_ascii", value::boolean(false)));
        const value indent = argument(args, 1, "indent", value::none());
        if (indent.is_integral()) {
            layout.has_indent = true;
            if (indent.as_integer() > 64) throw render_failure("tojson: an indent above 64 is not supported");
            layout.indent = std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, indent.as_integer())), ' ');
        } else if (indent.is_string()) {
            layout.has_indent = true;
            if (indent.as_string().size() > 64)
                throw render_failure("tojson: an indent above 64 characters is not supported");
            layout.indent = indent.as_string();
        } else if (!indent.is_none()) {
            throw render_failure("tojson: indent must be an int, a str or None");
        }
        layout.item_separator = layout.has_indent ? "," : ", ";
        const value separators = argument(args, 2, "separators", value::none());
        if (!separators.is_none()) {
            if (!separators.is_plain_sequence() || separators.items().size() != 2)
                throw render_failure("tojson: separators must be a pair of str");
            layout.item_separator = detail::string_argument(separators.items()[0], "a separator");
            layout.key_separator = detail::string_argument(separators.items()[1], "a separator");
        }
        layout.sort_keys = truthy(argument(args, 3, "sort_keys", value::boolean(false)));
        return value::string(to_json(v, layout));
    }
    if (name == "default" || name == "d") {
        check_arguments(args, what, {"default_value", "boolean"});
        const value fallback = argument(args, 0, "default_value", value::string(""));
        const bool boolean = truthy(argument(args, 1, "boolean", value::boolean(false)));
        if (v.is_undefined() || (boolean && !truthy(v))) return fallback;
        return v;
    }
    if (name == "first") {
        check_arguments(args, what, {});
        if (v.is_list() && v.sequence_flavor() == value::flavor::iterator) {
            if (v.items().empty()) return value::undefined("No first item, sequence was empty.");
            value item = v.items().front();
            v.items().erase(v.items().begin());
            return item;
        }
        auto items = detail::iterate(v);
        if (items.empty()) return value::undefined("No first item, sequence was empty.");
        return items.front();
    }
    if (name == "last") {
        check_arguments(args, what, {});
        if (v.is_list() && v.sequence_flavor() == value::flavor::iterator)
            throw render_failure("'generator' object is not reversible (convert it with |list)");
        auto items = detail::iterate(v);
        if (items.empty()) return value::undefined("No last item, sequence was empty.");
        return items.back();
    }
    if (name == "reverse") {
        check_arguments(args, what, {});
        if (v.is_string()) {
            std::u32string cps = decode_utf8(v.as_string());
            std::reverse(cps.begin(), cps.end());
            return value::string(encode_utf8(cps));
        }
        if (v.is_list() && v.sequence_flavor() == value::flavor::iterator)
            throw render_failure("'generator' object is not reversible (convert it with |list)");
        auto items = detail::iterate(v);
        std::reverse(items.begin(), items.end());
        return value::list(std::move(items), value::flavor::iterator);
    }
    if (name == "select" || name == "reject") return detail::select_items(v, args, false, name == "select");
    if (name == "selectattr" || name == "rejectattr") return detail::select_items(v, args, true, name == "selectattr");
    if (name == "map") {
        value::list_type out;
        if (!truthy(v)) return value::list(std::move(out), value::flavor::iterator);  // Jinja2: `if value:`
        const value attribute = argument(args, 99, "attribute");
        if (!attribute.is_undefined()) {
            check_arguments(args, what, {"attribute", "default"});
            if (!args.positional.empty()) throw render_failure("map: give either attribute= or a filter name");
            const value fallback = argument(args, 99, "default");
            for (const auto& item : detail::iterate(v)) {
                value got = lookup_path(item, attribute);
                out.push_back(got.is_undefined() && !fallback.is_undefined() ? fallback : got);
            }
        } else {
            if (args.positional.empty()) throw render_failure("map needs a filter name or attribute=");
            const std::string filter = detail::string_argument(args.positional[0], "a filter name");
            if (!is_known_filter(filter)) throw render_failure("unknown filter '" + filter + "'");
            for (const auto& item : detail::iterate(v)) {
                call_arguments rest;
                rest.positional.assign(args.positional.begin() + 1, args.positional.end());
                rest.keywords = args.keywords;
                out.push_back(apply_filter(filter, item, rest));
            }
        }
        return value::list(std::move(out), value::flavor::iterator);
    }
    if (name == "upper" || name == "lower") {
        check_arguments(args, what, {});
        return value::string(detail::ascii_case(python_str(v), name == "upper", what));
    }
    if (name == "capitalize") {
        check_arguments(args, what, {});
        std::string text = detail::ascii_case(python_str(v), false, what);
        if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
        return value::string(text);
    }
    if (name == "replace") {
        check_arguments(args, what, {"old", "new", "count"});
        call_arguments method_args;
        method_args.positional = {argument(args, 0, "old"), argument(args, 1, "new")};
        const value count = argument(args, 2, "count", value::none());
        if (!count.is_none()) method_args.positional.push_back(count);
        return call_method(value::string(python_str(v)), "replace", method_args);
    }
    if (name == "abs") {
        check_arguments(args, what, {});
        if (v.is_integral()) {
            if (v.as_integer() == INT64_MIN) throw render_failure("abs: integer overflow");
            return value::integer(v.as_integer() < 0 ? -v.as_integer() : v.as_integer());
        }
        if (v.type() == value::kind::floating) return value::floating(std::fabs(v.as_double()));
        throw render_failure("bad operand type for abs(): '" + std::string(type_name(v)) + "'");
    }
    if (name == "int") {
        check_arguments(args, what, {"default", "base"});
        const value fallback = argument(args, 0, "default", value::integer(0));
        if (!argument(args, 1, "base").is_undefined()) throw render_failure("int: base= is not supported");
        const auto from_double = [&](double f, bool infinity_is_error) {
            if (std::isnan(f)) return fallback;
            if (std::isinf(f)) {
                if (infinity_is_error) throw render_failure("int: cannot convert float infinity to integer");
                return fallback;
            }
            if (std::fabs(f) >= 9.2e18) throw render_failure("int: integer overflow");
            return value::integer(static_cast<std::int64_t>(f));
        };
        if (v.is_integral()) return value::integer(v.as_integer());
        if (v.type() == value::kind::floating) return from_double(v.as_double(), true);
        if (v.is_string()) {
            if (const auto n = detail::parse_python_integer(v.as_string())) return value::integer(*n);
            if (const auto f = detail::parse_python_float(v.as_string())) return from_double(*f, false);
        }
        return fallback;  // int() and int(float()) both refuse the value: Jinja2 gives the default
    }
    if (name == "float") {
        check_arguments(args, what, {"default"});
        const value fallback = argument(args, 0, "default", value::floating(0.0));
        if (v.is_number()) return value::floating(v.as_double());
        if (v.is_string())
            if (const auto f = detail::parse_python_float(v.as_string())) return value::floating(*f);
        return fallback;
    }
    throw render_failure("unknown filter '" + name + "'");
}

}  // namespace cirm::jinja
