#pragma once
/// \file
/// Preference datasets as JSON Lines, in the RewardBench style: one object per line with
///
///     "prompt", "chosen", "rejected"   strings, required
///     "id"                             string or integer, optional (default: the 1-based line number)
///     "subset"                         string, optional (default: "")
///
/// Other fields (RewardBench's "chosen_model", …) are ignored. Blank lines are skipped, "\r\n"
/// line ends are accepted, and the last line may lack its "\n". Everything else that is wrong is
/// a cirm::error naming the file and the 1-based line: "data.jsonl:17: missing field 'chosen'".
/// The whole line must be valid UTF-8, ids must be unique, and a dataset must hold at least one
/// pair (an empty validation set would only fail later, with a less helpful message).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/sample.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

namespace detail::jsonl_format {

inline bool is_blank(std::string_view line) noexcept {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

/// One line's pair; `where` ("data.jsonl:17") prefixes every error.
inline preference_pair parse_line(std::string_view line, std::size_t line_number, const std::string& where,
                                  bool last_line_unterminated) {
    auto fail = [&](const std::string& problem) -> void { throw error(where + ": " + problem); };
    try {
        validate_utf8(line, "line");
    } catch (const error& e) {
        fail(e.what());
    }
    auto parsed = parse_json_rejecting_duplicates<nlohmann::json>(line);
    using outcome = decltype(parsed)::outcome;
    if (parsed.status == outcome::syntax_error)
        fail(std::string("not valid JSON") + (last_line_unterminated ? " (the last line looks truncated)" : "") + ": " +
             parsed.syntax_message);
    if (parsed.status == outcome::duplicate_key)
        fail("key '" + parsed.duplicate + "' appears twice" +
             (parsed.duplicate_path.empty() ? std::string() : " in '" + parsed.duplicate_path + "'"));
    const nlohmann::json& object = parsed.value;
    if (!object.is_object()) fail(std::string("not a JSON object (it is ") + object.type_name() + ")");

    auto text_field = [&](const char* name, bool required) -> std::string {
        auto it = object.find(name);
        if (it == object.end()) {
            if (required) fail(std::string("missing field '") + name + "'");
            return {};
        }
        if (!it->is_string()) fail(std::string("field '") + name + "' is not a string");
        return it->get<std::string>();
    };
    preference_pair pair;
    pair.prompt = text_field("prompt", true);
    pair.chosen = text_field("chosen", true);
    pair.rejected = text_field("rejected", true);
    pair.subset = text_field("subset", false);
    if (auto id = object.find("id"); id == object.end()) {
        pair.id = std::to_string(line_number);
    } else if (id->is_string()) {
        pair.id = id->get<std::string>();
        if (pair.id.empty()) fail("field 'id' is empty");
    } else if (id->is_number_unsigned()) {
        pair.id = std::to_string(id->get<std::uint64_t>());
    } else if (id->is_number_integer()) {
        pair.id = std::to_string(id->get<std::int64_t>());
    } else {
        fail("field 'id' is not a string or an integer");
    }
    return pair;
}

}  // namespace detail::jsonl_format

/// Parses preference pairs from JSONL text; `source` names the text in errors (a file name).
inline std::vector<preference_pair> parse_preference_jsonl(std::string_view text, std::string_view source = "<string>") {
    std::vector<preference_pair> pairs;
    std::map<std::string, std::size_t, std::less<>> line_of_id;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t newline = text.find('\n', start);
        const bool unterminated = newline == std::string_view::npos;
        const std::string_view line = text.substr(start, unterminated ? std::string_view::npos : newline - start);
        start = unterminated ? text.size() : newline + 1;
        ++line_number;
        if (detail::jsonl_format::is_blank(line)) continue;
        const std::string where = std::string(source) + ":" + std::to_string(line_number);
        preference_pair pair = detail::jsonl_format::parse_line(line, line_number, where, unterminated);
        if (auto [it, fresh] = line_of_id.emplace(pair.id, line_number); !fresh)
            throw error(where + ": duplicate id '" + pair.id + "' (first on line " + std::to_string(it->second) + ")");
        pairs.push_back(std::move(pair));
    }
    if (pairs.empty()) throw error(std::string(source) + ": no preference pairs (the dataset is empty)");
    return pairs;
}

/// Reads preference pairs from a JSONL file; errors name the file and line.
inline std::vector<preference_pair> read_preference_jsonl(const std::filesystem::path& path) {
    return parse_preference_jsonl(read_file(path), path.string());
}

/// JSONL text for the pairs, one object per line in the order id, prompt, chosen, rejected,
/// subset (left out when empty). Ids must be non-empty and unique and all text valid UTF-8, so
/// that the output reads back as the same pairs.
inline std::string format_preference_jsonl(std::span<const preference_pair> pairs) {
    std::string out;
    std::map<std::string_view, std::size_t> index_of_id;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const preference_pair& p = pairs[i];
        const std::string who = "preference pair " + std::to_string(i) + " (id '" + p.id + "')";
        if (p.id.empty()) throw error("cannot write preference pair " + std::to_string(i) + ": its id is empty");
        if (auto [it, fresh] = index_of_id.emplace(p.id, i); !fresh)
            throw error("cannot write " + who + ": pair " + std::to_string(it->second) + " has the same id");
        nlohmann::ordered_json object;
        const std::pair<const char*, const std::string*> fields[] = {
            {"id", &p.id}, {"prompt", &p.prompt}, {"chosen", &p.chosen}, {"rejected", &p.rejected}, {"subset", &p.subset}};
        for (const auto& [name, value] : fields) {
            if (value->empty() && std::string_view(name) == "subset") continue;
            try {
                validate_utf8(*value, name);
            } catch (const error& e) {
                throw error("cannot write " + who + ": " + e.what());
            }
            object[name] = *value;
        }
        out += object.dump();
        out += '\n';
    }
    return out;
}

/// Writes the pairs as a JSONL file, atomically.
inline void write_preference_jsonl(const std::filesystem::path& path, std::span<const preference_pair> pairs) {
    write_file_atomically(path, format_preference_jsonl(pairs));
}

}  // namespace cirm
