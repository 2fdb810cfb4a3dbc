#pragma once
/// \file
/// JSON parsing that rejects repeated object keys. nlohmann::json silently keeps one of two
/// values with the same key, which would let a file name a tensor (or a field) twice and have
/// one copy ignored; the file formats of cirm treat that as an error instead.

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"

namespace cirm::detail {

/// The result of parse_json_rejecting_duplicates: the value, or why there is none.
template <class Json>
struct strict_json_result {
    enum class outcome { ok, syntax_error, duplicate_key };
    outcome status = outcome::ok;
    Json value;
    std::string syntax_message;  ///< for syntax_error: nlohmann's description, without its "[json.exception…]" tag
    std::string duplicate;       ///< for duplicate_key: the repeated key
    std::string
        duplicate_path;  ///< for duplicate_key: where the object is, "" for the top level, else e.g. "sites[2].neurons[5]"
};

namespace strict_json_internal {

struct duplicate_found {
    std::string key;
    std::string path;
};

/// One open container while parsing, with how it is reached from its parent.
struct frame {
    bool is_array = false;
    std::string label;           ///< "" for the root, "name" or "[3]"
    std::size_t next_index = 0;  ///< arrays: index of the next element
    std::string current_key;     ///< objects: the key whose value is being parsed
    std::set<std::string, std::less<>> keys;
};

inline std::string path_of(const std::vector<frame>& stack) {
    std::string path;
    for (const auto& f : stack) {
        if (f.label.empty()) continue;
        if (f.label.front() != '[' && !path.empty()) path += '.';
        path += f.label;
    }
    return path;
}

/// The label a new element of the innermost container gets; advances array indices.
inline std::string label_for_next_element(std::vector<frame>& stack) {
    if (stack.empty()) return {};
    frame& parent = stack.back();
    if (parent.is_array) return "[" + std::to_string(parent.next_index++) + "]";
    return parent.current_key;
}

inline std::string strip_exception_tag(std::string message) {
    // nlohmann's messages start with "[json.exception.parse_error.101] "; the tag helps no reader.
    if (!message.empty() && message.front() == '[') {
        if (auto close = message.find("] "); close != std::string::npos) message.erase(0, close + 2);
    }
    return message;
}

}  // namespace strict_json_internal

/// Parses `text` as one JSON value (surrounding whitespace allowed), reporting a syntax error (a NUL
/// byte anywhere included) or
/// the first object key that appears twice in the same object, with the path of that object.
/// Never throws nlohmann exceptions.
template <class Json = nlohmann::json>
strict_json_result<Json> parse_json_rejecting_duplicates(std::string_view text) {
    using namespace strict_json_internal;
    using event = typename Json::parse_event_t;
    strict_json_result<Json> result;
    // nlohmann stops at a NUL byte as if the input ended there, so "{}\0garbage" would parse; a NUL
    // can never be part of JSON text (in strings it must be escaped), so refuse it up front.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        result.status = strict_json_result<Json>::outcome::syntax_error;
        result.syntax_message = "NUL byte at offset ";
        result.syntax_message += std::to_string(nul);
        result.syntax_message += " (JSON text cannot contain one)";
        return result;
    }
    std::vector<frame> stack;
    auto watch_keys = [&stack](int /*depth*/, event kind, Json& parsed) -> bool {
        switch (kind) {
            case event::object_start:
            case event::array_start: {
                frame f;
                f.label = label_for_next_element(stack);
                f.is_array = kind == event::array_start;
                stack.push_back(std::move(f));
                break;
            }
            case event::object_end:
            case event::array_end:
                if (!stack.empty()) stack.pop_back();
                break;
            case event::key: {
                frame& object = stack.back();
                const auto& key = parsed.template get_ref<const typename Json::string_t&>();
                if (!object.keys.insert(key).second) throw duplicate_found{key, path_of(stack)};
                object.current_key = key;
                break;
            }
            case event::value:
                if (!stack.empty() && stack.back().is_array) ++stack.back().next_index;
                break;
        }
        return true;
    };
    try {
        result.value = Json::parse(text.begin(), text.end(), watch_keys);
    } catch (const duplicate_found& found) {
        result.status = strict_json_result<Json>::outcome::duplicate_key;
        result.duplicate = found.key;
        result.duplicate_path = found.path;
    } catch (const nlohmann::json::exception& e) {
        result.status = strict_json_result<Json>::outcome::syntax_error;
        result.syntax_message = strip_exception_tag(e.what());
    }
    return result;
}

}  // namespace cirm::detail

namespace cirm {

/// `text` parsed as one JSON value, rejecting repeated keys: the one place where the strict
/// parser's failures become errors. They read "<where>: not valid JSON<hint>: <why>" or
/// "<where>: <key_noun> '<k>' appears twice[ in '<path>']" (a config file calls its keys fields).
template <class Json = nlohmann::json>
Json parse_strict_json(std::string_view text, const std::string& where, std::string_view syntax_hint = {},
                       std::string_view key_noun = "key") {
    auto parsed = detail::parse_json_rejecting_duplicates<Json>(text);
    using outcome = typename decltype(parsed)::outcome;
    if (parsed.status == outcome::syntax_error)
        throw error(where + ": not valid JSON" + std::string(syntax_hint) + ": " + parsed.syntax_message);
    if (parsed.status == outcome::duplicate_key)
        throw error(where + ": " + std::string(key_noun) + " '" + parsed.duplicate + "' appears twice" +
                    (parsed.duplicate_path.empty() ? std::string() : " in '" + parsed.duplicate_path + "'"));
    return std::move(parsed.value);
}

}  // namespace cirm
