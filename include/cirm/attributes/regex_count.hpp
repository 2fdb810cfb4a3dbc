#pragma once
/// \file
/// A bias attribute defined without C++: the number of matches of a regular expression in the
/// response, named by the user. Its textual form is `NAME=regex:PATTERN` (for command lines and
/// configuration files); attributes/builtin.hpp's make_attribute accepts it beside the built-in
/// names.
///
/// The pattern is a std::regex in the ECMAScript grammar, matched over the UTF-8 bytes of the
/// response: `.` and character classes match one byte, not one character, so a non-ASCII
/// character is written literally (`é` matches the two bytes of U+00E9) and `[éè]` does not mean
/// what it seems. Matches do not overlap and an empty match is not counted (`x*` counts the runs
/// of x). The response must be valid UTF-8, as for every built-in attribute.

#include <cstddef>
#include <regex>
#include <string>
#include <string_view>

#include "cirm/error.hpp"
#include "cirm/utf8.hpp"

namespace cirm::attributes {

/// Number of non-empty, non-overlapping matches of `pattern` in the response.
class regex_count {
public:
    /// An attribute called `name` counting matches of `pattern` (ECMAScript). An empty name or
    /// pattern, or a pattern std::regex rejects, is a cirm::error naming the attribute.
    regex_count(std::string name, std::string pattern) : name_(std::move(name)), pattern_(std::move(pattern)) {
        if (name_.empty()) throw error("regex attribute: the name is empty");
        if (pattern_.empty()) throw error("regex attribute '" + name_ + "': the pattern is empty");
        try {
            regex_ = std::regex(pattern_, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            throw error("regex attribute '" + name_ + "': bad regular expression '" + pattern_ + "': " + e.what());
        }
    }

    std::string_view name() const noexcept { return name_; }
    /// The pattern as given.
    const std::string& pattern() const noexcept { return pattern_; }

    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        validate_utf8(response, "response");
        std::size_t count = 0;
        using iterator = std::regex_iterator<std::string_view::const_iterator>;
        for (iterator it(response.begin(), response.end(), regex_), end; it != end; ++it)
            if (it->length(0) > 0) ++count;
        return static_cast<double>(count);
    }

private:
    std::string name_;
    std::string pattern_;
    std::regex regex_;
};

}  // namespace cirm::attributes

namespace cirm {

/// The prefix of a regex attribute's pattern in its textual form `NAME=regex:PATTERN`.
inline constexpr std::string_view regex_attribute_kind = "regex:";

/// Whether `item` is a custom attribute in textual form (it has a '='), rather than a name.
constexpr bool is_custom_attribute_item(std::string_view item) noexcept {
    return item.find('=') != std::string_view::npos;
}

/// The name of a custom attribute in textual form: what comes before the first '='. A name is
/// letters, digits, '_', '-' and '.', and is not empty; anything else is a cirm::error.
inline std::string custom_attribute_name(std::string_view item) {
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
        throw error("custom attribute '" + std::string(item) + "': expected NAME=regex:PATTERN");
    const std::string_view name = item.substr(0, eq);
    if (name.empty()) throw error("custom attribute '" + std::string(item) + "': the name before '=' is empty");
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-' || c == '.';
        if (!ok)
            throw error("custom attribute name '" + std::string(name) +
                        "' may hold only letters, digits, '_', '-' and '.'");
    }
    return std::string(name);
}

/// The attribute that `NAME=regex:PATTERN` describes (PATTERN is everything after "regex:", '='
/// and ':' included). Another kind than regex, or a bad pattern, is a cirm::error naming it.
inline attributes::regex_count parse_regex_attribute(std::string_view item) {
    std::string name = custom_attribute_name(item);
    const std::string_view definition = item.substr(item.find('=') + 1);
    if (!definition.starts_with(regex_attribute_kind))
        throw error("custom attribute '" + name + "': expected '" + name + "=regex:PATTERN', got '" +
                    std::string(item) + "' (regex is the only kind)");
    return attributes::regex_count(std::move(name), std::string(definition.substr(regex_attribute_kind.size())));
}

}  // namespace cirm
