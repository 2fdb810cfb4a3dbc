#pragma once
/// \file
/// The strict reader of JSON Lines that every JSONL format of cirm is read with (preference pairs,
/// single responses, candidate sets, RM-Bench items, search logs). Blank lines are skipped,
/// "\r\n" line ends are accepted, and the last line may lack its "\n". Each line must be valid
/// UTF-8 (the byte is named), valid JSON, an object, and name no key twice (a repeated key would
/// silently drop one value); every error starts with "<source>:<line>: ".
///
/// Lines are parsed by parse_strict_json (io/strict_json.hpp), like the other JSON files.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

/// One line of a JSONL text.
struct jsonl_line {
    std::string_view text;
    std::size_t number = 0;     ///< 1-based
    std::string where;          ///< "<source>:<number>", the prefix of this line's errors
    bool unterminated = false;  ///< the last line, without its "\n"

    /// The line's JSON object (strict: UTF-8, syntax, repeated keys; see the file comment).
    nlohmann::json object() const {
        try {
            validate_utf8(text, "line");
        } catch (const error& e) {
            throw error(where + ": " + e.what());
        }
        nlohmann::json value = parse_strict_json(text, where, unterminated ? " (the last line looks truncated)" : "");
        if (!value.is_object()) throw error(where + ": not a JSON object (it is " + value.type_name() + ")");
        return value;
    }

    /// A string field: missing (when required) or not a string is an error.
    std::string text_field(const nlohmann::json& object, const char* name, bool required = true) const {
        const auto it = object.find(name);
        if (it == object.end()) {
            if (required) throw error(where + ": missing field '" + name + "'");
            return {};
        }
        if (!it->is_string()) throw error(where + ": field '" + name + "' is not a string");
        return it->get<std::string>();
    }

    /// A list of strings: `count` of them (0: at least one). A missing field or another length is
    /// an error saying `expected` ("an array of 3 strings (RM-Bench format)"), a non-string item
    /// one naming it ("'chosen[1]' is not a string").
    std::vector<std::string> text_list(const nlohmann::json& object, const char* name, std::size_t count,
                                       const std::string& expected) const {
        const auto it = object.find(name);
        if (it == object.end() || !it->is_array() || (count ? it->size() != count : it->empty()))
            throw error(where + ": field '" + name + "' must be " + expected);
        std::vector<std::string> items;
        for (std::size_t i = 0; i < it->size(); ++i) {
            if (!(*it)[i].is_string())
                throw error(where + ": '" + name + "[" + std::to_string(i) + "]' is not a string");
            items.push_back((*it)[i].get<std::string>());
        }
        return items;
    }

    /// The record's id: its "id" (a non-empty string or an integer) or, without one, the line number.
    std::string id(const nlohmann::json& object) const {
        const auto id = object.find("id");
        if (id == object.end()) return std::to_string(number);
        if (id->is_string()) {
            if (id->get_ref<const std::string&>().empty()) throw error(where + ": field 'id' is empty");
            return id->get<std::string>();
        }
        if (id->is_number_unsigned()) return std::to_string(id->get<std::uint64_t>());
        if (id->is_number_integer()) return std::to_string(id->get<std::int64_t>());
        throw error(where + ": field 'id' is not a string or an integer");
    }
};

/// Calls on_line(const jsonl_line&) for every non-blank line of `text` (`source` names it in
/// errors) until it returns false.
template <class OnLine>
void for_each_jsonl_line(std::string_view text, std::string_view source, OnLine&& on_line) {
    std::size_t start = 0, number = 0;
    while (start < text.size()) {
        const std::size_t newline = text.find('\n', start);
        const bool unterminated = newline == std::string_view::npos;
        const std::string_view line = text.substr(start, unterminated ? std::string_view::npos : newline - start);
        start = unterminated ? text.size() : newline + 1;
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        if (!on_line(jsonl_line{line, number, std::string(source) + ":" + std::to_string(number), unterminated}))
            return;
    }
}

/// Ids seen so far in a JSONL text; a repeated id is an error naming both lines.
class jsonl_ids {
public:
    void add(const std::string& id, const jsonl_line& line) {
        if (auto [it, fresh] = first_line_.emplace(id, line.number); !fresh)
            throw error(line.where + ": duplicate id '" + id + "' (first on line " + std::to_string(it->second) + ")");
    }

private:
    std::map<std::string, std::size_t, std::less<>> first_line_;
};

/// The records of a JSONL text: `record(line, object)` makes one from each line's object (its
/// `id` member is checked for uniqueness); an empty text is the error "<source>: no <what> (the
/// dataset is empty)".
template <class Record, class MakeRecord>
std::vector<Record> parse_jsonl_records(std::string_view text, std::string_view source, std::string_view what,
                                        MakeRecord&& record) {
    std::vector<Record> out;
    jsonl_ids ids;
    for_each_jsonl_line(text, source, [&](const jsonl_line& line) {
        Record r = record(line, line.object());
        ids.add(r.id, line);
        out.push_back(std::move(r));
        return true;
    });
    if (out.empty()) throw error(std::string(source) + ": no " + std::string(what) + " (the dataset is empty)");
    return out;
}

}  // namespace cirm
