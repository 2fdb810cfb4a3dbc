#pragma once
/// \file
/// One line of the `cirm` tool's own JSONL inputs (single responses, candidate sets, RM-Bench
/// items) read as strictly as the library reads preference pairs (io/jsonl.hpp): the line must
/// be valid UTF-8 (the byte is named), valid JSON (nlohmann's reason is given), an object, and
/// name no key twice (a repeated key would silently drop one value).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cirm/detail/utf8.hpp"
#include "cirm/error.hpp"
#include "cirm/io/strict_json.hpp"

namespace cirm::cli {

/// The JSON object of a line; errors start with `where` ("data.jsonl:3").
inline nlohmann::json parse_line_object(std::string_view line, const std::string& where) {
    try {
        detail::validate_utf8(line, "line");
    } catch (const error& e) {
        throw error(where + ": " + e.what());
    }
    auto parsed = detail::parse_json_rejecting_duplicates<nlohmann::json>(line);
    using outcome = decltype(parsed)::outcome;
    if (parsed.status == outcome::syntax_error) throw error(where + ": not valid JSON: " + parsed.syntax_message);
    if (parsed.status == outcome::duplicate_key)
        throw error(where + ": key '" + parsed.duplicate + "' appears twice" +
                    (parsed.duplicate_path.empty() ? std::string() : " in '" + parsed.duplicate_path + "'"));
    if (!parsed.value.is_object()) throw error(where + ": not a JSON object");
    return std::move(parsed.value);
}

/// The id of a line: its "id" (a non-empty string or an integer) or, without one, the line number.
inline std::string line_id(const nlohmann::json& line, std::size_t number, const std::string& where) {
    const auto id = line.find("id");
    if (id == line.end()) return std::to_string(number);
    if (id->is_string() && !id->get_ref<const std::string&>().empty()) return id->get<std::string>();
    if (id->is_number_unsigned()) return std::to_string(id->get<std::uint64_t>());
    if (id->is_number_integer()) return std::to_string(id->get<std::int64_t>());
    throw error(where + ": field 'id' is not a non-empty string or an integer");
}

}  // namespace cirm::cli
