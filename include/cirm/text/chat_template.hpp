#pragma once
/// \file
/// A model's chat template (the `chat_template` of its tokenizer_config.json), rendered for a
/// conversation exactly as Hugging Face's transformers renders it in apply_chat_template
/// (Jinja2 with trim_blocks and lstrip_blocks, loop controls, `raise_exception`, `strftime_now`,
/// and transformers' `tojson`).
///
/// The context is the one transformers passes: `messages` (a list of {"role", "content"} dicts),
/// `tools` and `documents` (None), `add_generation_prompt`, the special tokens `bos_token` and
/// `eos_token` (left undefined when the tokenizer has none, as transformers leaves them out of
/// the context), and `date_string`. transformers does not pass `date_string`: templates that print
/// the date then take today's (Llama-3.2, through strftime_now) or 26 Jul 2024 (Llama-3.1, 3.3).
/// cirm passes a fixed, documented date instead (default_template_date, or the one asked for), so
/// that a text scored today is the text scored tomorrow; `strftime_now(format)` formats that same
/// date (at midnight).
///
/// A template that uses anything this interpreter does not implement is refused when parsed or
/// rendered, with the template's name and line:column; it never renders a different text.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/jinja/jinja.hpp"

namespace cirm {

/// The date templates print unless another is asked for (the default of Llama-3.1's template).
inline constexpr std::string_view default_template_date = "26 Jul 2024";

/// One message of a conversation.
struct chat_message {
    std::string role;     // "system", "user", "assistant"
    std::string content;  // UTF-8
};

/// What a rendering needs besides the messages.
struct chat_render_options {
    std::string bos_token, eos_token;  // as tokenizer_config.json gives them ("" if none)
    bool add_generation_prompt = false;
    std::string date_string{default_template_date};  // passed as `date_string`; strftime_now formats this date
};

namespace detail {

/// A calendar date read from "26 Jul 2024" (day, English month abbreviation, year).
struct template_date {
    int day = 0, month = 0, year = 0;
};

inline constexpr std::array<std::string_view, 12> month_names = {"January",   "February", "March",    "April",
                                                                 "May",       "June",     "July",     "August",
                                                                 "September", "October",  "November", "December"};
inline constexpr std::array<std::string_view, 7> weekday_names = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                                  "Friday", "Saturday", "Sunday"};

inline bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

inline int days_in_month(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/// Reads "D Mon YYYY" (e.g. "26 Jul 2024"); throws cirm::error otherwise.
inline template_date parse_template_date(std::string_view text) {
    const auto fail = [&]() -> template_date {
        throw cirm::error("the template date '" + std::string(text) +
                          "' is not a date written as \"26 Jul 2024\" (day, English month abbreviation, year)");
    };
    template_date date;
    std::size_t i = 0;
    const auto number = [&](std::size_t min_digits, std::size_t max_digits) {
        int n = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < max_digits) {
            n = n * 10 + (text[i++] - '0');
            ++digits;
        }
        if (digits < min_digits) fail();
        return n;
    };
    date.day = number(1, 2);
    if (i >= text.size() || text[i++] != ' ') fail();
    if (i + 3 > text.size()) fail();
    const std::string_view month = text.substr(i, 3);
    i += 3;
    for (std::size_t m = 0; m < month_names.size(); ++m)
        if (month_names[m].substr(0, 3) == month) date.month = static_cast<int>(m) + 1;
    if (date.month == 0) fail();
    if (i >= text.size() || text[i++] != ' ') fail();
    date.year = number(4, 4);
    if (i != text.size() || date.year < 1 || date.day < 1 || date.day > days_in_month(date.year, date.month)) fail();
    return date;
}

/// Days since 1970-01-01 of a Gregorian date.
inline std::int64_t days_from_civil(int year, int month, int day) {
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int year_of_era = y - era * 400;
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

/// Python's datetime.strftime(format) for `date` at midnight, for the directives that a fixed
/// date answers: %d %-d %e %m %-m %y %Y %b %h %B %a %A %w %u %j %-j %H %I %M %S %p %%. Any other
/// directive is refused.
inline std::string format_template_date(const template_date& date, std::string_view format) {
    const auto two = [](int n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
    const std::int64_t days = days_from_civil(date.year, date.month, date.day);
    const int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 0 = Monday (1970-01-01 was a Thursday)
    int day_of_year = date.day;
    for (int m = 1; m < date.month; ++m) day_of_year += days_in_month(date.year, m);
    if (format.find('\0') != std::string_view::npos)
        throw jinja::render_failure("strftime_now: a format with a NUL character is not supported");
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') {
            out += format[i];
            continue;
        }
        if (i + 1 >= format.size()) throw jinja::render_failure("strftime_now: the format ends with '%'");
        bool no_pad = false;
        char directive = format[++i];
        if (directive == '-' && i + 1 < format.size()) {
            no_pad = true;
            directive = format[++i];
        }
        switch (directive) {
            case 'd': out += no_pad ? std::to_string(date.day) : two(date.day); break;
            case 'e': out += (date.day < 10 ? " " : "") + std::to_string(date.day); break;
            case 'm': out += no_pad ? std::to_string(date.month) : two(date.month); break;
            case 'y': out += two(date.year % 100); break;
            case 'Y': out += std::to_string(date.year); break;
            case 'b':
            case 'h': out += month_names[static_cast<std::size_t>(date.month - 1)].substr(0, 3); break;
            case 'B': out += month_names[static_cast<std::size_t>(date.month - 1)]; break;
            case 'a': out += weekday_names[static_cast<std::size_t>(weekday)].substr(0, 3); break;
            case 'A': out += weekday_names[static_cast<std::size_t>(weekday)]; break;
            case 'w': out += std::to_string((weekday + 1) % 7); break;
            case 'u': out += std::to_string(weekday + 1); break;
            case 'j': {
                std::string n = std::to_string(day_of_year);
                out += no_pad ? n : std::string(3 - n.size(), '0') + n;
                break;
            }
            case 'H':
            case 'M':
            case 'S': out += no_pad ? "0" : "00"; break;
            case 'I': out += no_pad ? "12" : "12"; break;
            case 'p': out += "AM"; break;
            case '%': out += '%'; break;
            default:
                throw jinja::render_failure(std::string("strftime_now: the directive %") + directive +
                                            " is not supported");
        }
    }
    return out;
}

}  // namespace detail

/// A chat template, parsed once and rendered for any conversation.
class chat_template {
public:
    /// Parses `source`; throws cirm::error naming `name`, line:column and the unsupported construct.
    explicit chat_template(std::string source, std::string name = "chat_template")
        : program_(std::make_shared<const jinja::template_program>(source, std::move(name))) {}

    /// Renders `messages` (e.g. [user, assistant], optionally system first). A template's
    /// raise_exception becomes cirm::error with its message.
    std::string render(std::span<const chat_message> messages, const chat_render_options& options) const {
        return render(messages, options, jinja::render_limits{});
    }

    /// As above, within the given bounds on work and output (the fuzz target uses small ones).
    std::string render(std::span<const chat_message> messages, const chat_render_options& options,
                       const jinja::render_limits& limits) const {
        using jinja::value;
        const detail::template_date date = detail::parse_template_date(options.date_string);
        value::list_type message_values;
        for (const auto& m : messages) {
            validate_utf8(m.role, "role of a chat message");
            validate_utf8(m.content, "content of a chat message");
            message_values.push_back(value::dict({{value::string("role"), value::string(m.role)},
                                                  {value::string("content"), value::string(m.content)}}));
        }
        std::vector<std::pair<std::string, value>> context = {
            {"messages", value::list(std::move(message_values))},
            {"tools", value::none()},
            {"documents", value::none()},
            {"add_generation_prompt", value::boolean(options.add_generation_prompt)},
            {"date_string", value::string(options.date_string)},
            {"strftime_now",
             value::function(
                 "strftime_now",
                 [date](jinja::call_arguments& args) {
                     if (args.positional.size() != 1 || !args.keywords.empty() || !args.positional[0].is_string())
                         throw jinja::render_failure("strftime_now takes one format string");
                     return value::string(detail::format_template_date(date, args.positional[0].as_string()));
                 })},
        };
        if (!options.bos_token.empty()) context.emplace_back("bos_token", value::string(options.bos_token));
        if (!options.eos_token.empty()) context.emplace_back("eos_token", value::string(options.eos_token));
        return program_->render(context, limits);
    }

    /// The name errors carry.
    const std::string& name() const noexcept { return program_->name(); }

private:
    std::shared_ptr<const jinja::template_program> program_;
};

}  // namespace cirm
