#pragma once
/// \file
/// What templates can call, as Jinja2 and Python define it: attribute and item access
/// (`x.name`, `x[key]`, slices), the methods of str and dict that chat templates use, the
/// filters and tests, and Python's text helpers they rest on (str.strip's whitespace, split).
/// A method, filter or test that Python has and this file does not implement is refused with a
/// render_failure naming it, never answered differently.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/text/jinja/python_space.hpp"
#include "cirm/text/jinja/value.hpp"

namespace cirm::jinja {

/// Filters this interpreter implements.
inline bool is_known_filter(std::string_view name) {
    static constexpr std::string_view names[] = {
        "abs",     "capitalize", "count",  "d",          "default", "first",  "float",  "int",        "items",
        "join",    "last",       "length", "list",       "lower",   "map",    "reject", "rejectattr", "replace",
        "reverse", "safe",       "select", "selectattr", "string",  "tojson", "trim",   "upper"};
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

/// Tests this interpreter implements.
inline bool is_known_test(std::string_view name) {
    static constexpr std::string_view names[] = {
        "defined", "undefined", "none",        "boolean",  "false",    "true", "integer",  "float",       "number",
        "string",  "mapping",   "iterable",    "sequence", "callable", "odd",  "even",     "divisibleby", "eq",
        "equalto", "==",        "ne",          "!=",       "lt",       "<",    "lessthan", "le",          "<=",
        "gt",      ">",         "greaterthan", "ge",       ">=",       "in",   "sameas",   "lower",       "upper"};
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

namespace detail {

/// Python's str.strip / lstrip / rstrip (whitespace, or the code points of `chars`).
inline std::string python_strip(std::string_view text, const value* chars, bool left, bool right) {
    const std::u32string code_points = decode_utf8(text);
    std::u32string set;
    const bool whitespace = chars == nullptr || chars->is_none() || chars->is_undefined();
    if (!whitespace) {
        if (!chars->is_string()) throw render_failure("strip arg must be None or str");
        set = decode_utf8(chars->as_string());
    }
    const auto strips = [&](char32_t c) { return whitespace ? python_space(c) : set.find(c) != std::u32string::npos; };
    std::size_t begin = 0, end = code_points.size();
    if (left)
        while (begin < end && strips(code_points[begin])) ++begin;
    if (right)
        while (end > begin && strips(code_points[end - 1])) --end;
    return encode_utf8(std::u32string_view(code_points).substr(begin, end - begin));
}

/// Python's str.split(sep, maxsplit).
inline value python_split(const std::string& text, const value& separator, std::int64_t max_split) {
    value::list_type parts;
    if (separator.is_none() || separator.is_undefined()) {
        const std::u32string cps = decode_utf8(text);
        std::size_t i = 0;
        while (i < cps.size()) {
            while (i < cps.size() && python_space(cps[i])) ++i;
            if (i >= cps.size()) break;
            if (max_split >= 0 && static_cast<std::int64_t>(parts.size()) >= max_split) {
                parts.push_back(value::string(encode_utf8(std::u32string_view(cps).substr(i))));
                break;
            }
            std::size_t j = i;
            while (j < cps.size() && !python_space(cps[j])) ++j;
            parts.push_back(value::string(encode_utf8(std::u32string_view(cps).substr(i, j - i))));
            i = j;
        }
        return value::list(std::move(parts));
    }
    if (!separator.is_string()) throw render_failure("split: the separator must be a str or None");
    const std::string& sep = separator.as_string();
    if (sep.empty()) throw render_failure("split: empty separator");
    std::size_t start = 0;
    for (;;) {
        if (max_split >= 0 && static_cast<std::int64_t>(parts.size()) >= max_split) break;
        const auto found = text.find(sep, start);
        if (found == std::string::npos) break;
        parts.push_back(value::string(text.substr(start, found - start)));
        start = found + sep.size();
    }
    parts.push_back(value::string(text.substr(start)));
    return value::list(std::move(parts));
}

/// Python's int(text) for base 10: optional sign, digits with single underscores between them,
/// surrounding whitespace; nullopt where Python raises ValueError. Overflow is refused.
inline std::optional<std::int64_t> parse_python_integer(std::string_view text) {
    const std::string t = python_strip(text, nullptr, true, true);
    std::size_t i = 0;
    bool negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
    if (i == t.size()) return std::nullopt;
    const std::size_t first_digit = i;
    std::int64_t n = 0;
    for (; i < t.size(); ++i) {
        if (t[i] == '_' && i > first_digit && t[i - 1] >= '0' && t[i - 1] <= '9' && i + 1 < t.size() &&
            t[i + 1] >= '0' && t[i + 1] <= '9')
            continue;
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
        if (__builtin_mul_overflow(n, std::int64_t{10}, &n) || __builtin_add_overflow(n, std::int64_t{t[i] - '0'}, &n))
            throw render_failure("int: integer overflow");
    }
    return negative ? -n : n;
}

/// Python's float(text): decimal or exponent notation (underscores between digits), inf,
/// infinity, nan in any case, surrounding whitespace; nullopt where Python raises ValueError.
inline std::optional<double> parse_python_float(std::string_view text) {
    const std::string t = python_strip(text, nullptr, true, true);
    std::string plain;  // without underscores, for strtod
    std::size_t i = 0;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) plain += t[i++];
    std::string rest = t.substr(i);
    for (char& c : rest) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (rest == "inf" || rest == "infinity" || rest == "nan") {
        const double special = rest == "nan" ? std::nan("") : HUGE_VAL;
        return plain == "-" ? -special : special;
    }
    const auto digits = [&]() {
        std::size_t count = 0;
        while (i < t.size()) {
            if (t[i] >= '0' && t[i] <= '9') {
                plain += t[i++];
                ++count;
            } else if (t[i] == '_' && count > 0 && i + 1 < t.size() && t[i + 1] >= '0' && t[i + 1] <= '9') {
                ++i;
            } else {
                break;
            }
        }
        return count;
    };
    std::size_t mantissa = digits();
    if (i < t.size() && t[i] == '.') {
        plain += t[i++];
        mantissa += digits();
    }
    if (mantissa == 0) return std::nullopt;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        plain += t[i++];
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) plain += t[i++];
        if (digits() == 0) return std::nullopt;
    }
    if (i != t.size()) return std::nullopt;
    return std::strtod(plain.c_str(), nullptr);
}

/// The names of Python's str, dict and list methods: one of them that is not implemented here is
/// refused instead of being Undefined.
inline bool is_python_method(const value& target, std::string_view name) {
    static constexpr std::string_view str_methods[] = {
        "capitalize", "casefold",     "center",       "count",   "encode",     "endswith",    "expandtabs",
        "find",       "format",       "format_map",   "index",   "isalnum",    "isalpha",     "isascii",
        "isdecimal",  "isdigit",      "isidentifier", "islower", "isnumeric",  "isprintable", "isspace",
        "istitle",    "isupper",      "join",         "ljust",   "lower",      "lstrip",      "maketrans",
        "partition",  "removeprefix", "removesuffix", "replace", "rfind",      "rindex",      "rjust",
        "rpartition", "rsplit",       "rstrip",       "split",   "splitlines", "startswith",  "strip",
        "swapcase",   "title",        "translate",    "upper",   "zfill"};
    static constexpr std::string_view dict_methods[] = {"clear", "copy",    "fromkeys",   "get",    "items", "keys",
                                                        "pop",   "popitem", "setdefault", "update", "values"};
    static constexpr std::string_view list_methods[] = {"append", "clear", "copy",   "count",   "extend", "index",
                                                        "insert", "pop",   "remove", "reverse", "sort"};
    const auto has = [&](const auto& names) {
        return std::find(std::begin(names), std::end(names), name) != std::end(names);
    };
    if (target.is_string()) return has(str_methods);
    if (target.is_dict()) return has(dict_methods);
    if (target.is_list() && target.sequence_flavor() == value::flavor::list) return has(list_methods);
    return false;
}

/// Reads argument `index` (or the keyword `name`) of a call, or `fallback` when absent.
inline value argument(const call_arguments& args, std::size_t index, std::string_view name, value fallback = {}) {
    if (index < args.positional.size()) return args.positional[index];
    for (const auto& [key, v] : args.keywords)
        if (key == name) return v;
    return fallback;
}

/// Refuses arguments beyond the `count` named ones.
inline void check_arguments(const call_arguments& args, std::string_view function,
                            std::initializer_list<std::string_view> names) {
    if (args.positional.size() > names.size())
        throw render_failure(std::string(function) + " takes at most " + std::to_string(names.size()) + " argument(s)");
    for (const auto& [key, v] : args.keywords)
        if (std::find(names.begin(), names.end(), key) == names.end())
            throw render_failure(std::string(function) + " got an unexpected keyword argument '" + key + "'");
}

inline std::int64_t integer_argument(const value& v, std::string_view what) {
    if (!v.is_integral())
        throw render_failure(std::string(what) + " must be an integer, not " + std::string(type_name(v)));
    return v.as_integer();
}

inline const std::string& string_argument(const value& v, std::string_view what) {
    if (!v.is_string()) throw render_failure(std::string(what) + " must be a str, not " + std::string(type_name(v)));
    return v.as_string();
}

inline bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/// Python's upper()/lower(), for ASCII text only (the Unicode case tables are not here).
inline std::string ascii_case(const std::string& text, bool upper, std::string_view what) {
    if (!is_ascii(text)) throw render_failure(std::string(what) + " of non-ASCII text is not supported");
    std::string out = text;
    for (char& c : out) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// The values a for loop (or a filter) iterates: list items, dict keys, the code points of a str;
/// an iterator is used up. Undefined iterates as empty.
inline value::list_type iterate(const value& v) {
    switch (v.type()) {
        case value::kind::undefined: return {};
        case value::kind::list: {
            charge_work(v.items().size());
            value::list_type items = v.items();
            if (v.sequence_flavor() == value::flavor::iterator) v.items().clear();
            return items;
        }
        case value::kind::dict: {
            value::list_type keys;
            for (const auto& [key, item] : v.entries()) keys.push_back(key);
            return keys;
        }
        case value::kind::string: {
            value::list_type chars;
            for (char32_t c : decode_utf8(v.as_string())) {
                std::string one;
                append_utf8(one, c);
                chars.push_back(value::string(std::move(one)));
            }
            return chars;
        }
        default: throw render_failure("'" + std::string(type_name(v)) + "' object is not iterable");
    }
}

/// Python's len().
inline std::int64_t python_length(const value& v) {
    switch (v.type()) {
        case value::kind::undefined: return 0;
        case value::kind::string: return static_cast<std::int64_t>(decode_utf8(v.as_string()).size());
        case value::kind::list:
            if (v.sequence_flavor() == value::flavor::iterator)
                throw render_failure("object of type 'generator' has no len() (convert it with |list)");
            return static_cast<std::int64_t>(v.items().size());
        case value::kind::dict: return static_cast<std::int64_t>(v.entries().size());
        default: throw render_failure("object of type '" + std::string(type_name(v)) + "' has no len()");
    }
}

/// Python's `needle in haystack`.
inline bool contains(const value& haystack, const value& needle) {
    switch (haystack.type()) {
        case value::kind::undefined: return false;
        case value::kind::string:
            if (!needle.is_string())
                throw render_failure("'in <string>' requires string as left operand, not " +
                                     std::string(type_name(needle)));
            return haystack.as_string().find(needle.as_string()) != std::string::npos;
        case value::kind::list: {
            auto& items = haystack.items();
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (equal(items[i], needle)) {
                    if (haystack.sequence_flavor() == value::flavor::iterator)
                        items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i) + 1);
                    return true;
                }
            }
            if (haystack.sequence_flavor() == value::flavor::iterator) items.clear();
            return false;
        }
        case value::kind::dict: return haystack.find(needle) != nullptr;
        default: throw render_failure("argument of type '" + std::string(type_name(haystack)) + "' is not iterable");
    }
}

/// Python's index normalization: a negative index counts from the end; nullopt-like -1 when out
/// of range.
inline std::int64_t resolve_index(std::int64_t index, std::size_t size) {
    const auto n = static_cast<std::int64_t>(size);
    if (index < 0) index += n;
    return index >= 0 && index < n ? index : -1;
}

}  // namespace detail

value call_method(const value& target, const std::string& name, call_arguments& args);

/// `target.name` as Jinja2 resolves it: a Python attribute first (a method of str or dict, or a
/// namespace's member), then the item `target['name']`; Undefined when neither exists.
inline value get_attribute(const value& target, const std::string& name) {
    switch (target.type()) {
        case value::kind::undefined:
            throw render_failure(target.undefined_reason().empty()
                                     ? "cannot read '" + name + "' of an undefined value"
                                     : target.undefined_reason() + " (reading its '" + name + "')");
        case value::kind::namespace_object: {
            if (const value* member = target.find(name)) return *member;
            return value::undefined("'Namespace object' has no attribute '" + name + "'");
        }
        default: break;
    }
    if (detail::is_python_method(target, name)) {
        const value self = target;
        return value::function(std::string(type_name(target)) + "." + name,
                               [self, name](call_arguments& args) { return call_method(self, name, args); });
    }
    if (target.is_dict()) {
        if (const value* member = target.find(name)) return *member;
    }
    return value::undefined("'" + std::string(type_name(target)) + " object' has no attribute '" + name + "'");
}

/// `target[key]` as Jinja2 resolves it: the item first, then (for a str key) the attribute.
inline value get_item(const value& target, const value& key) {
    switch (target.type()) {
        case value::kind::undefined:
            throw render_failure(target.undefined_reason().empty() ? "cannot index an undefined value"
                                                                   : target.undefined_reason() + " (indexing it)");
        case value::kind::dict:
            if (const value* member = target.find(key)) return *member;
            break;
        case value::kind::list:
            if (key.is_integral()) {
                if (target.sequence_flavor() == value::flavor::iterator ||
                    target.sequence_flavor() == value::flavor::view)
                    throw render_failure("'" + std::string(type_name(target)) + "' object is not subscriptable");
                const auto at = detail::resolve_index(key.as_integer(), target.items().size());
                if (at >= 0) return target.items()[static_cast<std::size_t>(at)];
                return value::undefined("list index out of range");
            }
            break;
        case value::kind::string:
            if (key.is_integral()) {
                const std::u32string cps = decode_utf8(target.as_string());
                const auto at = detail::resolve_index(key.as_integer(), cps.size());
                if (at < 0) return value::undefined("string index out of range");
                std::string one;
                append_utf8(one, cps[static_cast<std::size_t>(at)]);
                return value::string(std::move(one));
            }
            break;
        default: break;
    }
    if (key.is_string()) return get_attribute(target, key.as_string());
    return value::undefined("'" + std::string(type_name(target)) + " object' has no item " + python_repr(key));
}

/// `target[start:stop:step]` on a list, tuple or str, with Python's rules.
inline value get_slice(const value& target, const value& start, const value& stop, const value& step) {
    const auto optional_int = [](const value& v, std::string_view what) -> std::pair<bool, std::int64_t> {
        if (v.is_none()) return {false, 0};
        if (!v.is_integral()) throw render_failure("slice indices must be integers or None");
        return {true, detail::integer_argument(v, what)};
    };
    const auto [has_step, step_value] = optional_int(step, "a slice step");
    const std::int64_t stride = has_step ? step_value : 1;
    if (stride == 0) throw render_failure("slice step cannot be zero");
    const auto slice_indices = [&](std::int64_t length) {
        const auto clamp = [&](const value& v, std::int64_t fallback) {
            const auto [present, raw] = optional_int(v, "a slice index");
            if (!present) return fallback;
            std::int64_t i = raw;
            if (i < 0) {
                i += length;
                if (i < 0) i = stride < 0 ? -1 : 0;
            } else if (i >= length) {
                i = stride < 0 ? length - 1 : length;
            }
            return i;
        };
        std::vector<std::size_t> picked;
        const std::int64_t first = clamp(start, stride < 0 ? length - 1 : 0);
        const std::int64_t last = clamp(stop, stride < 0 ? -1 : length);
        for (std::int64_t i = first; stride > 0 ? i < last : i > last;) {
            picked.push_back(static_cast<std::size_t>(i));
            detail::charge_work();
            if (stride > 0 ? i > INT64_MAX - stride : i < INT64_MIN - stride) break;
            i += stride;
        }
        return picked;
    };
    if (target.is_string()) {
        const std::u32string cps = decode_utf8(target.as_string());
        std::u32string out;
        for (auto i : slice_indices(static_cast<std::int64_t>(cps.size()))) out += cps[i];
        return value::string(encode_utf8(out));
    }
    if (target.is_list() && (target.is_plain_sequence() || target.sequence_flavor() == value::flavor::range)) {
        value::list_type out;
        for (auto i : slice_indices(static_cast<std::int64_t>(target.items().size()))) out.push_back(target.items()[i]);
        return value::list(std::move(out), target.sequence_flavor());
    }
    throw render_failure("'" + std::string(type_name(target)) + "' object cannot be sliced");
}

/// The methods of str and dict that templates call; the other Python methods are refused
/// (list methods that change the list are refused by Hugging Face's sandbox as well).
inline value call_method(const value& target, const std::string& name, call_arguments& args) {
    const std::string what = std::string(type_name(target)) + "." + name + "()";
    if (target.is_string()) {
        const std::string& text = target.as_string();
        if (name == "strip" || name == "lstrip" || name == "rstrip") {
            detail::check_arguments(args, what, {"chars"});
            const value chars = detail::argument(args, 0, "chars");
            return value::string(detail::python_strip(text, &chars, name != "rstrip", name != "lstrip"));
        }
        if (name == "split") {
            detail::check_arguments(args, what, {"sep", "maxsplit"});
            return detail::python_split(
                text, detail::argument(args, 0, "sep", value::none()),
                detail::integer_argument(detail::argument(args, 1, "maxsplit", value::integer(-1)), "maxsplit"));
        }
        if (name == "startswith" || name == "endswith") {
            detail::check_arguments(args, what, {"prefix"});
            const value affix = detail::argument(args, 0, "prefix");
            std::vector<std::string> candidates;
            if (affix.is_string()) {
                candidates.push_back(affix.as_string());
            } else if (affix.is_tuple()) {
                for (const auto& item : affix.items()) candidates.push_back(detail::string_argument(item, what));
            } else {
                throw render_failure(what + " takes a str or a tuple of str");
            }
            for (const auto& c : candidates) {
                if (c.size() > text.size()) continue;
                if (name == "startswith" ? text.compare(0, c.size(), c) == 0
                                         : text.compare(text.size() - c.size(), c.size(), c) == 0)
                    return value::boolean(true);
            }
            return value::boolean(false);
        }
        if (name == "upper" || name == "lower") {
            detail::check_arguments(args, what, {});
            return value::string(detail::ascii_case(text, name == "upper", what));
        }
        if (name == "replace") {
            detail::check_arguments(args, what, {"old", "new", "count"});
            const std::string from = detail::string_argument(detail::argument(args, 0, "old"), what);
            const std::string to = detail::string_argument(detail::argument(args, 1, "new"), what);
            std::int64_t count = detail::integer_argument(detail::argument(args, 2, "count", value::integer(-1)), what);
            if (from.empty()) throw render_failure(what + " with an empty old text is not supported");
            std::string out;
            std::size_t at = 0;
            for (;;) {
                const auto found = count == 0 ? std::string::npos : text.find(from, at);
                if (found == std::string::npos) break;
                out += text.substr(at, found - at) + to;
                at = found + from.size();
                if (count > 0) --count;
            }
            return value::string(out + text.substr(at));
        }
        if (name == "join") {
            detail::check_arguments(args, what, {"iterable"});
            std::string out;
            bool first = true;
            for (const auto& item : detail::iterate(detail::argument(args, 0, "iterable"))) {
                if (!first) out += text;
                first = false;
                out += detail::string_argument(item, what);
            }
            return value::string(out);
        }
    }
    if (target.is_dict()) {
        if (name == "items" || name == "keys" || name == "values") {
            detail::check_arguments(args, what, {});
            value::list_type out;
            for (const auto& [key, item] : target.entries()) {
                if (name == "items")
                    out.push_back(value::list({key, item}, value::flavor::tuple));
                else
                    out.push_back(name == "keys" ? key : item);
            }
            return value::list(std::move(out), value::flavor::view);
        }
        if (name == "get") {
            detail::check_arguments(args, what, {"key", "default"});
            if (const value* member = target.find(detail::argument(args, 0, "key"))) return *member;
            return detail::argument(args, 1, "default", value::none());
        }
    }
    throw render_failure("the method " + what + " is not supported");
}

}  // namespace cirm::jinja
