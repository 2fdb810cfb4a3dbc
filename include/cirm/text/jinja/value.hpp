#pragma once
/// \file
/// The values a chat template computes with, and how Python (which Hugging Face's transformers
/// renders templates with, through Jinja2) writes them: `str()` for output, `repr()` inside lists
/// and dicts, `==`, truthiness, and `json.dumps` for the `tojson` filter.
///
/// Lists and dicts are shared (a `set ns.x = …` changes the namespace every name of it sees, as
/// in Python). Integers are 64-bit: an overflow is a refusal, never a wrapped number.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cirm/utf8.hpp"

namespace cirm::jinja {

/// A failure while rendering (an operation Python would refuse, or one this interpreter does not
/// implement). The renderer adds the template's name and the line:column of the expression.
class render_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {

/// The work a rendering may still do, shared by the renderer and the traversals of values
/// (comparison, repr, tojson, copies), so that no template runs unbounded. Only the thread that
/// renders sees it; outside a rendering nothing is counted.
struct work_meter {
    std::uint64_t used = 0;
    std::uint64_t limit = 0;
};
inline thread_local work_meter* current_work_meter = nullptr;

/// Counts `units` of work; throws render_failure past the limit.
inline void charge_work(std::uint64_t units = 1) {
    work_meter* meter = current_work_meter;
    if (meter == nullptr) return;
    meter->used += units;
    if (meter->used > meter->limit)
        throw render_failure("the template does more work than the limit of " + std::to_string(meter->limit) +
                             " steps");
}

/// Lists, dicts and namespaces nest at most this deep (deeper ones are refused when built).
inline constexpr std::uint32_t max_value_nesting = 512;

}  // namespace detail

class value;

/// Positional and keyword arguments of a call.
struct call_arguments {
    std::vector<value> positional;
    std::vector<std::pair<std::string, value>> keywords;
};

/// A function a template can call (a global such as `range`, or a bound method such as
/// `text.strip`).
struct function_object {
    std::string name;
    std::function<value(call_arguments&)> call;
};

/// One value: Jinja's Undefined, Python's None, bool, int, float, str, list or tuple, dict,
/// a `namespace()`, or a function.
class value {
public:
    enum class kind { undefined, none, boolean, integer, floating, string, list, dict, namespace_object, function };
    using list_type = std::vector<value>;
    using dict_type = std::vector<std::pair<value, value>>;  // insertion order, as Python's dict

    value() = default;  // undefined

    static value undefined(std::string why = {}) {
        value v;
        v.text_ = std::move(why);
        return v;
    }
    static value none() { return with_kind(kind::none); }
    static value boolean(bool b) {
        value v = with_kind(kind::boolean);
        v.integer_ = b ? 1 : 0;
        return v;
    }
    static value integer(std::int64_t i) {
        value v = with_kind(kind::integer);
        v.integer_ = i;
        return v;
    }
    static value floating(double f) {
        value v = with_kind(kind::floating);
        v.floating_ = f;
        return v;
    }
    static value string(std::string s) {
        value v = with_kind(kind::string);
        v.text_ = std::move(s);
        return v;
    }
    /// What Python object a sequence is: it decides how it prints, whether it has a length,
    /// whether it can be indexed, and whether iterating it uses it up.
    enum class flavor {
        list,      // list
        tuple,     // tuple
        iterator,  // a generator or iterator (select, map, reverse, items filters): one pass, no len
        view,      // dict.items()/keys()/values()
        range,     // range(…)
    };
    static value list(list_type items = {}, flavor f = flavor::list) {
        value v = with_kind(kind::list);
        detail::charge_work(items.size());
        for (const auto& item : items) v.nest_over(item);
        v.list_ = std::make_shared<list_type>(std::move(items));
        v.flavor_ = f;
        return v;
    }
    static value dict(dict_type entries = {}) {
        value v = with_kind(kind::dict);
        detail::charge_work(entries.size());
        for (const auto& [key, item] : entries) {
            v.nest_over(key);
            v.nest_over(item);
        }
        v.dict_ = std::make_shared<dict_type>(std::move(entries));
        return v;
    }
    static value namespace_object(dict_type entries = {}) {
        value v = with_kind(kind::namespace_object);
        for (const auto& [key, item] : entries) {
            if (item.holds_namespace()) throw render_failure("a namespace inside a namespace is not supported");
            v.nest_over(item);
        }
        v.dict_ = std::make_shared<dict_type>(std::move(entries));
        return v;
    }
    static value function(std::string name, std::function<value(call_arguments&)> call) {
        value v = with_kind(kind::function);
        v.function_ = std::make_shared<const function_object>(function_object{std::move(name), std::move(call)});
        return v;
    }

    kind type() const noexcept { return kind_; }
    bool is_undefined() const noexcept { return kind_ == kind::undefined; }
    bool is_none() const noexcept { return kind_ == kind::none; }
    bool is_string() const noexcept { return kind_ == kind::string; }
    bool is_list() const noexcept { return kind_ == kind::list; }
    bool is_tuple() const noexcept { return kind_ == kind::list && flavor_ == flavor::tuple; }
    flavor sequence_flavor() const noexcept { return flavor_; }
    /// A list or tuple (printable, indexable, with a length).
    bool is_plain_sequence() const noexcept {
        return kind_ == kind::list && (flavor_ == flavor::list || flavor_ == flavor::tuple);
    }
    bool is_dict() const noexcept { return kind_ == kind::dict; }
    /// bool, int or float (a Python bool is an int).
    bool is_number() const noexcept {
        return kind_ == kind::boolean || kind_ == kind::integer || kind_ == kind::floating;
    }
    bool is_integral() const noexcept { return kind_ == kind::boolean || kind_ == kind::integer; }

    bool as_bool() const noexcept { return integer_ != 0; }
    std::int64_t as_integer() const noexcept { return integer_; }
    double as_double() const noexcept { return kind_ == kind::floating ? floating_ : static_cast<double>(integer_); }
    const std::string& as_string() const noexcept { return text_; }
    /// Why a value is undefined ("'dict object' has no attribute 'x'"), for error messages.
    const std::string& undefined_reason() const noexcept { return text_; }
    list_type& items() const noexcept { return *list_; }
    dict_type& entries() const noexcept { return *dict_; }
    const function_object& function() const noexcept { return *function_; }
    const void* identity() const noexcept {
        if (list_) return list_.get();
        if (dict_) return dict_.get();
        return function_.get();
    }

    /// How deeply lists, dicts and namespaces nest in this value (0 for a scalar).
    std::uint32_t depth() const noexcept { return depth_; }
    /// Whether this value is or contains a namespace (a namespace stored in one could make a cycle).
    bool holds_namespace() const {
        if (kind_ == kind::namespace_object) return true;
        if (list_)
            for (const auto& item : *list_)
                if (item.holds_namespace()) return true;
        if (dict_)
            for (const auto& [key, item] : *dict_)
                if (item.holds_namespace()) return true;
        return false;
    }
    /// Sets a namespace's member (this must be a namespace).
    void set_member(const std::string& name, const value& member) {
        if (member.holds_namespace()) throw render_failure("a namespace inside a namespace is not supported");
        nest_over(member);
        for (auto& [key, old] : *dict_)
            if (key.kind_ == kind::string && key.text_ == name) {
                old = member;
                return;
            }
        dict_->emplace_back(value::string(name), member);
    }

    /// The entry of a dict or namespace with this key, or nullptr.
    value* find(const value& key) const;
    value* find(std::string_view key) const { return find(value::string(std::string(key))); }

private:
    void nest_over(const value& child) {
        if (child.depth_ + 1 > depth_) depth_ = child.depth_ + 1;
        if (depth_ > detail::max_value_nesting)
            throw render_failure("values nested deeper than " + std::to_string(detail::max_value_nesting) +
                                 " levels are not supported");
    }
    static value with_kind(kind k) {
        value v;
        v.kind_ = k;
        return v;
    }
    kind kind_ = kind::undefined;
    flavor flavor_ = flavor::list;
    std::uint32_t depth_ = 0;
    std::int64_t integer_ = 0;
    double floating_ = 0.0;
    std::string text_;
    std::shared_ptr<list_type> list_;
    std::shared_ptr<dict_type> dict_;
    std::shared_ptr<const function_object> function_;
};

/// Python's name of a value's type, for error messages ("str", "dict", "NoneType", …).
inline std::string_view type_name(const value& v) {
    switch (v.type()) {
        case value::kind::undefined: return "Undefined";
        case value::kind::none: return "NoneType";
        case value::kind::boolean: return "bool";
        case value::kind::integer: return "int";
        case value::kind::floating: return "float";
        case value::kind::string: return "str";
        case value::kind::list:
            switch (v.sequence_flavor()) {
                case value::flavor::list: return "list";
                case value::flavor::tuple: return "tuple";
                case value::flavor::iterator: return "generator";
                case value::flavor::view: return "dict view";
                case value::flavor::range: return "range";
            }
            return "list";
        case value::kind::dict: return "dict";
        case value::kind::namespace_object: return "Namespace";
        case value::kind::function: return "function";
    }
    return "?";
}

/// Python's `==`: numbers by value (True == 1), str by text, list/tuple and dict element-wise
/// (a tuple never equals a list), Undefined equals only Undefined, the rest by identity.
inline bool equal(const value& a, const value& b) {
    using k = value::kind;
    detail::charge_work();
    if (a.is_number() && b.is_number()) {
        if (a.is_integral() && b.is_integral()) return a.as_integer() == b.as_integer();
        return a.as_double() == b.as_double();
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case k::undefined:
        case k::none: return true;
        case k::string: detail::charge_work(a.as_string().size() / 256); return a.as_string() == b.as_string();
        case k::list: {
            if (a.sequence_flavor() != b.sequence_flavor()) return false;
            if (a.sequence_flavor() == value::flavor::iterator || a.identity() == b.identity())
                return a.identity() == b.identity();
            if (a.items().size() != b.items().size()) return false;
            for (std::size_t i = 0; i < a.items().size(); ++i)
                if (!equal(a.items()[i], b.items()[i])) return false;
            return true;
        }
        case k::dict: {
            if (a.identity() == b.identity()) return true;
            if (a.entries().size() != b.entries().size()) return false;
            for (const auto& [key, item] : a.entries()) {
                const value* other = b.find(key);
                if (other == nullptr || !equal(item, *other)) return false;
            }
            return true;
        }
        default: return a.identity() == b.identity();
    }
}

inline value* value::find(const value& key) const {
    if (!dict_) return nullptr;
    for (auto& [k, v] : *dict_)
        if (equal(k, key)) return &v;
    return nullptr;
}

/// Python's truth value: empty str/list/dict, 0, None and Undefined are false.
inline bool truthy(const value& v) {
    switch (v.type()) {
        case value::kind::undefined:
        case value::kind::none: return false;
        case value::kind::boolean:
        case value::kind::integer: return v.as_integer() != 0;
        case value::kind::floating: return v.as_double() != 0.0;
        case value::kind::string: return !v.as_string().empty();
        case value::kind::list: return v.sequence_flavor() == value::flavor::iterator || !v.items().empty();
        case value::kind::dict: return !v.entries().empty();
        default: return true;
    }
}

/// The code points of a UTF-8 text (throws render_failure on malformed text).
inline std::u32string decode_utf8(std::string_view text) {
    detail::charge_work(text.size() / 256);
    std::u32string out;
    try {
        utf8_decoder decoder(text, "template string");
        while (!decoder.done()) out += decoder.next();
    } catch (const cirm::error& e) {
        throw render_failure(e.what());
    }
    return out;
}

inline std::string encode_utf8(std::u32string_view text) {
    std::string out;
    for (char32_t c : text) append_utf8(out, c);
    return out;
}

/// Python's float repr: the shortest text that reads back as the same double, in positional
/// notation for exponents -4..15 ("0.0001", "1e+16", "1.0").
inline std::string python_float_repr(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, f, std::chars_format::scientific);
    (void)ec;
    const std::string scientific(buffer, end);  // "-d.ddde+XX"
    const auto e_at = scientific.find('e');
    std::string mantissa = scientific.substr(0, e_at);
    const int exponent = std::stoi(scientific.substr(e_at + 1));
    const bool negative = !mantissa.empty() && mantissa[0] == '-';
    if (negative) mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.') digits += c;
    std::string out = negative ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
        if (exponent < 0) {
            out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
        } else {
            const auto point = static_cast<std::size_t>(exponent) + 1;
            if (digits.size() <= point) {
                out += digits + std::string(point - digits.size(), '0') + ".0";
            } else {
                out += digits.substr(0, point) + "." + digits.substr(point);
            }
        }
        return out;
    }
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exponent_text[16];
    std::snprintf(exponent_text, sizeof exponent_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exponent_text;
}

namespace detail {

/// Code points Python's str.isprintable() is false for, outside ASCII, as far as this
/// interpreter knows them (controls, format characters, separators, surrogates, private use,
/// non-characters). Unassigned code points are not known here.
inline bool python_unprintable_non_ascii(char32_t c) {
    return (c >= 0x80 && c <= 0xA0) || c == 0xAD || (c >= 0x600 && c <= 0x605) || c == 0x61C || c == 0x6DD ||
           c == 0x70F || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
           (c >= 0x205F && c <= 0x206F) || c == 0x3000 || (c >= 0xD800 && c <= 0xF8FF) || c == 0xFEFF ||
           (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0xFFFE && c <= 0xFFFF) || (c >= 0xE0000 && c <= 0xE0FFF) ||
           c >= 0xF0000;
}

inline void append_hex(std::string& out, char32_t c, int width) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%0*x", width, static_cast<unsigned>(c));
    out += buffer;
}

}  // namespace detail

/// Python's repr() of a str: single quotes unless the text has ' and no ".
inline std::string python_string_repr(std::string_view text) {
    const bool has_single = text.find('\'') != std::string_view::npos;
    const bool has_double = text.find('"') != std::string_view::npos;
    const char quote = has_single && !has_double ? '"' : '\'';
    std::string out(1, quote);
    for (char32_t c : decode_utf8(text)) {
        if (c == static_cast<char32_t>(quote) || c == U'\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == U'\n') {
            out += "\\n";
        } else if (c == U'\r') {
            out += "\\r";
        } else if (c == U'\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xFF && detail::python_unprintable_non_ascii(c))) {
            out += "\\x";
            detail::append_hex(out, c, 2);
        } else if (c > 0xFF && detail::python_unprintable_non_ascii(c)) {
            out += c <= 0xFFFF ? "\\u" : "\\U";
            detail::append_hex(out, c, c <= 0xFFFF ? 4 : 8);
        } else {
            append_utf8(out, c);
        }
    }
    out += quote;
    return out;
}

std::string python_repr(const value& v);

/// Python's str() of a value, which is what `{{ x }}`, `~`, `|string` and `|join` write.
/// Undefined writes nothing; a function cannot be written.
inline std::string python_str(const value& v) {
    switch (v.type()) {
        case value::kind::undefined: return "";
        case value::kind::string: return v.as_string();
        case value::kind::function:
            throw render_failure("cannot write the function '" + v.function().name + "' as text");
        default: return python_repr(v);
    }
}

/// Python's repr() of a value (how lists and dicts write their items).
inline std::string python_repr(const value& v) {
    detail::charge_work();
    switch (v.type()) {
        case value::kind::undefined: return "Undefined";
        case value::kind::none: return "None";
        case value::kind::boolean: return v.as_bool() ? "True" : "False";
        case value::kind::integer: return std::to_string(v.as_integer());
        case value::kind::floating: return python_float_repr(v.as_double());
        case value::kind::string: return python_string_repr(v.as_string());
        case value::kind::list: {
            if (!v.is_plain_sequence())
                throw render_failure("cannot write a " + std::string(type_name(v)) +
                                     " as text (Python writes an object address or a view; convert it with |list)");
            std::string out = v.is_tuple() ? "(" : "[";
            for (std::size_t i = 0; i < v.items().size(); ++i) {
                if (i > 0) out += ", ";
                out += python_repr(v.items()[i]);
            }
            if (v.is_tuple() && v.items().size() == 1) out += ",";
            return out + (v.is_tuple() ? ")" : "]");
        }
        case value::kind::dict:
        case value::kind::namespace_object: {
            std::string out = v.is_dict() ? "{" : "<Namespace {";
            bool first = true;
            for (const auto& [key, item] : v.entries()) {
                if (!first) out += ", ";
                first = false;
                out += python_repr(key) + ": " + python_repr(item);
            }
            return out + (v.is_dict() ? "}" : "}>");
        }
        case value::kind::function:
            throw render_failure("cannot write the function '" + v.function().name + "' as text");
    }
    return {};
}

/// How `tojson` lays out its text (Python's json.dumps arguments as transformers passes them).
struct json_layout {
    bool ensure_ascii = false;
    bool has_indent = false;
    std::string indent;          // the text of one level
    std::string item_separator;  // ", " without indent, "," with it, unless given
    std::string key_separator = ": ";
    bool sort_keys = false;
};

namespace detail {

inline void json_string(std::string& out, std::string_view text, bool ensure_ascii) {
    out += '"';
    for (char32_t c : decode_utf8(text)) {
        switch (c) {
            case U'"': out += "\\\""; break;
            case U'\\': out += "\\\\"; break;
            case U'\n': out += "\\n"; break;
            case U'\r': out += "\\r"; break;
            case U'\t': out += "\\t"; break;
            case U'\b': out += "\\b"; break;
            case U'\f': out += "\\f"; break;
            default:
                if (c < 0x20 || (ensure_ascii && c >= 0x7F && c != 0x7F)) {
                    if (c > 0xFFFF) {  // a surrogate pair, as Python writes it
                        const char32_t v = c - 0x10000;
                        out += "\\u";
                        append_hex(out, 0xD800 + (v >> 10), 4);
                        out += "\\u";
                        append_hex(out, 0xDC00 + (v & 0x3FF), 4);
                    } else {
                        out += "\\u";
                        append_hex(out, c, 4);
                    }
                } else {
                    append_utf8(out, c);
                }
        }
    }
    out += '"';
}

inline std::string json_key(const value& key) {
    switch (key.type()) {
        case value::kind::string: return key.as_string();
        case value::kind::boolean: return key.as_bool() ? "true" : "false";
        case value::kind::integer: return std::to_string(key.as_integer());
        case value::kind::floating: return python_float_repr(key.as_double());
        case value::kind::none: return "null";
        default:
            throw render_failure(std::string("tojson: keys must be str, int, float, bool or None, not ") +
                                 std::string(type_name(key)));
    }
}

inline void json_value(std::string& out, const value& v, const json_layout& layout, std::size_t depth) {
    charge_work(1 + (layout.has_indent ? depth * layout.indent.size() / 64 : 0));
    const auto newline = [&](std::size_t level) {
        if (!layout.has_indent) return;
        out += '\n';
        for (std::size_t i = 0; i < level; ++i) out += layout.indent;
    };
    switch (v.type()) {
        case value::kind::none: out += "null"; return;
        case value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
        case value::kind::integer: out += std::to_string(v.as_integer()); return;
        case value::kind::floating: {
            const double f = v.as_double();
            if (std::isnan(f))
                out += "NaN";
            else if (std::isinf(f))
                out += f > 0 ? "Infinity" : "-Infinity";
            else
                out += python_float_repr(f);
            return;
        }
        case value::kind::string: json_string(out, v.as_string(), layout.ensure_ascii); return;
        case value::kind::list: {
            if (!v.is_plain_sequence())
                throw render_failure(std::string("tojson: Object of type ") + std::string(type_name(v)) +
                                     " is not JSON serializable");
            if (v.items().empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (std::size_t i = 0; i < v.items().size(); ++i) {
                if (i > 0) out += layout.item_separator;
                newline(depth + 1);
                json_value(out, v.items()[i], layout, depth + 1);
            }
            newline(depth);
            out += ']';
            return;
        }
        case value::kind::dict: {
            if (v.entries().empty()) {
                out += "{}";
                return;
            }
            std::vector<std::pair<std::string, const value*>> members;
            for (const auto& [key, item] : v.entries()) members.emplace_back(json_key(key), &item);
            if (layout.sort_keys) {
                for (const auto& [key, item] : v.entries())
                    if (!key.is_string()) throw render_failure("tojson: sort_keys needs str keys");
                std::stable_sort(members.begin(), members.end(),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
            }
            out += '{';
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (i > 0) out += layout.item_separator;
                newline(depth + 1);
                json_string(out, members[i].first, layout.ensure_ascii);
                out += layout.key_separator;
                json_value(out, *members[i].second, layout, depth + 1);
            }
            newline(depth);
            out += '}';
            return;
        }
        default:
            throw render_failure(std::string("tojson: Object of type ") + std::string(type_name(v)) +
                                 " is not JSON serializable");
    }
}

}  // namespace detail

/// Python's json.dumps(v, ...) with the given layout.
inline std::string to_json(const value& v, const json_layout& layout) {
    std::string out;
    detail::json_value(out, v, layout, 0);
    return out;
}

}  // namespace cirm::jinja
