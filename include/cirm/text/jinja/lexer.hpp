#pragma once
/// \file
/// Splits a template into text and the tokens of its tags, with the whitespace rules Hugging
/// Face's transformers renders chat templates with (Jinja2 with trim_blocks and lstrip_blocks):
///   - the source's line breaks (\r\n, \r, \n) become "\n" and one final "\n" is dropped
///     (Jinja2's default);
///   - `{%-`, `{{-`, `{#-` remove all whitespace (Python's, Unicode's spaces included) before the
///     tag, `-%}`, `-}}`, `-#}` all after it;
///   - trim_blocks: the first "\n" after a `%}` or `#}` is removed (not after `+%}`);
///   - lstrip_blocks: whitespace from the start of a line up to a `{%` or `{#` is removed
///     (not before `{%+`), never before `{{`.
/// `{# comments #}` produce nothing.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/jinja/python_space.hpp"
#include "cirm/utf8.hpp"

namespace cirm::jinja {

/// A place in the template source, 1-based.
struct source_location {
    std::size_t line = 1;
    std::size_t column = 1;
};

/// One token. `text` is the text of a text token, the value of a string literal (escapes
/// resolved), a name, a number's digits or an operator.
struct token {
    enum class kind {
        text,
        output_begin,
        output_end,
        statement_begin,
        statement_end,
        name,
        string,
        integer,
        floating,
        op,
        end
    };
    kind type = kind::end;
    std::string text;
    source_location where;
};

/// A syntax error of a template: "<name>:<line>:<column>: <message>".
[[noreturn]] inline void syntax_error(std::string_view name, source_location where, std::string_view message) {
    throw cirm::error(std::string(name) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                      std::string(message));
}

namespace detail {

/// Jinja2 splits its source at "\r\n", "\r" and "\n", drops one final empty line and joins the
/// lines with "\n": every line break becomes "\n" and a single final line break disappears (other
/// separators, such as U+2028, stay as they are).
inline std::string normalize_line_breaks(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
            out += '\n';
        } else {
            out += source[i];
        }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

inline bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace detail

/// Tokenizes a template; throws cirm::error ("<name>:<line>:<column>: …") on an unterminated tag,
/// comment or string, or a character that starts no token.
class lexer {
public:
    lexer(std::string_view source, std::string_view name)
        : source_(detail::normalize_line_breaks(source)), name_(name) {}

    std::vector<token> run() {
        bool line_starting = true;  // the previous match ended a line (or this is the start)
        while (position_ < source_.size()) {
            const std::size_t tag = find_tag(position_);
            std::string text = source_.substr(position_, tag - position_);
            if (tag == source_.size()) {
                push_text(std::move(text), location_of(position_));
                position_ = tag;
                break;
            }
            const char kind = source_[tag + 1];  // '{', '%' or '#'
            const char sign = tag + 2 < source_.size() ? source_[tag + 2] : '\0';
            if (sign == '-') {
                std::size_t keep = text.size();
                while (std::size_t n = detail::python_space_before(text, keep)) keep -= n;
                text.resize(keep);
            } else if (sign != '+' && kind != '{') {
                const auto last_newline = text.rfind('\n');
                const std::size_t line_start = last_newline == std::string::npos ? 0 : last_newline + 1;
                if (line_start > 0 || line_starting) {
                    std::size_t i = line_start;
                    while (std::size_t n = detail::python_space_at(text, i)) i += n;
                    if (i > line_start && i == text.size()) text.resize(line_start);
                }
            }
            push_text(std::move(text), location_of(position_));
            const source_location tag_at = location_of(tag);
            position_ = tag + 2 + ((sign == '-' || (sign == '+' && kind != '{')) ? 1 : 0);
            if (kind == '#') {
                skip_comment(tag_at);
            } else {
                lex_tag(kind == '{', tag_at);
            }
            line_starting = position_ > 0 && source_[position_ - 1] == '\n';
        }
        tokens_.push_back(token{token::kind::end, {}, location_of(source_.size())});
        return std::move(tokens_);
    }

private:
    std::size_t find_tag(std::size_t from) const {
        for (std::size_t i = from; i + 1 < source_.size(); ++i)
            if (source_[i] == '{' && (source_[i + 1] == '{' || source_[i + 1] == '%' || source_[i + 1] == '#'))
                return i;
        return source_.size();
    }

    source_location location_of(std::size_t offset) {
        while (located_ < offset) {
            if (source_[located_] == '\n') {
                ++at_.line;
                at_.column = 1;
            } else if ((static_cast<unsigned char>(source_[located_]) & 0xC0) != 0x80) {
                ++at_.column;
            }
            ++located_;
        }
        return at_;
    }

    void push_text(std::string text, source_location where) {
        if (!text.empty()) tokens_.push_back(token{token::kind::text, std::move(text), where});
    }

    /// After an end delimiter: `-` strips all following whitespace, else trim_blocks takes one
    /// "\n" after a statement or comment (`+` keeps it).
    void after_end(char sign, bool trims_newline) {
        if (sign == '-') {
            while (std::size_t n = detail::python_space_at(source_, position_)) position_ += n;
        } else if (sign != '+' && trims_newline && position_ < source_.size() && source_[position_] == '\n') {
            ++position_;
        }
    }

    void skip_comment(source_location opened) {
        const auto close = source_.find("#}", position_);
        if (close == std::string::npos) syntax_error(name_, opened, "unterminated comment: no '#}'");
        const char sign = close > position_ ? source_[close - 1] : '\0';
        position_ = close + 2;
        after_end(sign == '-' || sign == '+' ? sign : '\0', true);
    }

    void lex_tag(bool is_output, source_location opened) {
        tokens_.push_back(token{is_output ? token::kind::output_begin : token::kind::statement_begin, {}, opened});
        std::vector<char> open_brackets;
        const char closer = is_output ? '}' : '%';
        for (;;) {
            while (std::size_t n = detail::python_space_at(source_, position_)) position_ += n;
            if (position_ >= source_.size())
                syntax_error(name_, opened, is_output ? "unterminated '{{': no '}}'" : "unterminated '{%': no '%}'");
            const source_location here = location_of(position_);
            const std::string_view rest = std::string_view(source_).substr(position_);
            if (open_brackets.empty()) {
                char sign = '\0';
                std::size_t length = 0;
                if (rest.size() >= 3 && (rest[0] == '-' || (rest[0] == '+' && !is_output)) && rest[1] == closer &&
                    rest[2] == '}') {
                    sign = rest[0];
                    length = 3;
                } else if (rest.size() >= 2 && rest[0] == closer && rest[1] == '}') {
                    length = 2;
                }
                if (length > 0) {
                    tokens_.push_back(
                        token{is_output ? token::kind::output_end : token::kind::statement_end, {}, here});
                    position_ += length;
                    after_end(sign, !is_output);
                    return;
                }
            }
            const char c = rest[0];
            if (detail::is_name_start(c)) {
                std::size_t n = 1;
                while (n < rest.size() && (detail::is_name_start(rest[n]) || detail::is_digit(rest[n]))) ++n;
                tokens_.push_back(token{token::kind::name, std::string(rest.substr(0, n)), here});
                position_ += n;
            } else if (detail::is_digit(c)) {
                lex_number(rest, here);
            } else if (c == '\'' || c == '"') {
                lex_string(rest, here);
            } else {
                static constexpr std::string_view two_char[] = {"//", "**", "==", "!=", "<=", ">="};
                std::string op;
                for (auto candidate : two_char)
                    if (rest.substr(0, 2) == candidate) op = std::string(candidate);
                if (op.empty()) {
                    if (std::string_view("+-*/%~<>=.:|,()[]{}").find(c) == std::string_view::npos)
                        syntax_error(name_, here, std::string("unexpected character '") + c + "' in a tag");
                    op = std::string(1, c);
                    if (c == '(' || c == '[' || c == '{') open_brackets.push_back(c);
                    if (c == ')' || c == ']' || c == '}') {
                        const char expected = c == ')' ? '(' : c == ']' ? '[' : '{';
                        if (open_brackets.empty() || open_brackets.back() != expected)
                            syntax_error(name_, here, std::string("unexpected '") + c + "'");
                        open_brackets.pop_back();
                    }
                }
                tokens_.push_back(token{token::kind::op, op, here});
                position_ += op.size();
            }
        }
    }

    void lex_number(std::string_view rest, source_location here) {
        const auto digits = [&](std::size_t from) {
            std::size_t n = from;
            while (n < rest.size() && (detail::is_digit(rest[n]) ||
                                       (rest[n] == '_' && n + 1 < rest.size() && detail::is_digit(rest[n + 1]))))
                ++n;
            return n;
        };
        std::size_t n = digits(0);
        bool is_float = false;
        if (n + 1 < rest.size() && rest[n] == '.' && detail::is_digit(rest[n + 1])) {
            is_float = true;
            n = digits(n + 1);
        }
        if (n < rest.size() && (rest[n] == 'e' || rest[n] == 'E')) {
            std::size_t e = n + 1;
            if (e < rest.size() && (rest[e] == '+' || rest[e] == '-')) ++e;
            if (e < rest.size() && detail::is_digit(rest[e])) {
                is_float = true;
                n = digits(e);
            }
        }
        if (!is_float && rest[0] == '0') {
            // Jinja2's integers have no leading zero: "0140" is the integer 0, then the integer 140
            n = 1;
            while (n < rest.size() && (rest[n] == '0' || (rest[n] == '_' && n + 1 < rest.size() && rest[n + 1] == '0')))
                ++n;
        }
        std::string text;
        for (char ch : rest.substr(0, n))
            if (ch != '_') text += ch;
        tokens_.push_back(token{is_float ? token::kind::floating : token::kind::integer, text, here});
        position_ += n;
    }

    /// A string literal; its escapes are Python's (\n \t \r \\ \' \" \a \b \f \v \0-\7 octal
    /// \xhh \uXXXX \UXXXXXXXX); an unknown escape such as \d stays as written.
    void lex_string(std::string_view rest, source_location here) {
        const char quote = rest[0];
        std::string out;
        std::size_t i = 1;
        const auto hex = [&](std::size_t count) -> char32_t {
            if (i + count > rest.size()) syntax_error(name_, here, "truncated \\x, \\u or \\U escape in a string");
            char32_t code = 0;
            for (std::size_t k = 0; k < count; ++k) {
                const char h = rest[i + k];
                code <<= 4;
                if (h >= '0' && h <= '9')
                    code |= static_cast<char32_t>(h - '0');
                else if (h >= 'a' && h <= 'f')
                    code |= static_cast<char32_t>(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                    code |= static_cast<char32_t>(h - 'A' + 10);
                else
                    syntax_error(name_, here, "bad hexadecimal escape in a string");
            }
            i += count;
            if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
                syntax_error(name_, here, "escape names no Unicode scalar value");
            return code;
        };
        for (;;) {
            if (i >= rest.size()) syntax_error(name_, here, "unterminated string literal");
            const char c = rest[i];
            if (c == quote) {
                ++i;
                break;
            }
            if (c != '\\') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 >= rest.size()) syntax_error(name_, here, "unterminated string literal");
            const char e = rest[i + 1];
            i += 2;
            switch (e) {
                case '\n': break;  // a backslash before a line break continues the line
                case '\\': out += '\\'; break;
                case '\'': out += '\''; break;
                case '"': out += '"'; break;
                case 'a': out += '\a'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'v': out += '\v'; break;
                case 'x': append_utf8(out, hex(2)); break;
                case 'u': append_utf8(out, hex(4)); break;
                case 'U': append_utf8(out, hex(8)); break;
                case 'N': syntax_error(name_, here, "\\N{...} escapes are not supported");
                default:
                    if (e >= '0' && e <= '7') {
                        char32_t code = static_cast<char32_t>(e - '0');
                        for (int k = 0; k < 2 && i < rest.size() && rest[i] >= '0' && rest[i] <= '7'; ++k, ++i)
                            code = code * 8 + static_cast<char32_t>(rest[i] - '0');
                        append_utf8(out, code);
                    } else {
                        out += '\\';
                        out += e;
                    }
            }
        }
        tokens_.push_back(token{token::kind::string, std::move(out), here});
        position_ += i;
    }

    std::string source_;
    std::string_view name_;
    std::size_t position_ = 0;
    std::size_t located_ = 0;
    source_location at_;
    std::vector<token> tokens_;
};

}  // namespace cirm::jinja
