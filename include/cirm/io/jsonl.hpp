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
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl_lines.hpp"
#include "cirm/sample.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

/// Parses preference pairs from JSONL text; `source` names the text in errors (a file name).
inline std::vector<preference_pair> parse_preference_jsonl(std::string_view text,
                                                           std::string_view source = "<string>") {
    return parse_jsonl_records<preference_pair>(text, source, "preference pairs",
                                                [](const jsonl_line& line, const nlohmann::json& object) {
                                                    preference_pair pair;
                                                    pair.prompt = line.text_field(object, "prompt");
                                                    pair.chosen = line.text_field(object, "chosen");
                                                    pair.rejected = line.text_field(object, "rejected");
                                                    pair.subset = line.text_field(object, "subset", false);
                                                    pair.id = line.id(object);
                                                    return pair;
                                                });
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
        const std::pair<const char*, const std::string*> fields[] = {{"id", &p.id},
                                                                     {"prompt", &p.prompt},
                                                                     {"chosen", &p.chosen},
                                                                     {"rejected", &p.rejected},
                                                                     {"subset", &p.subset}};
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
