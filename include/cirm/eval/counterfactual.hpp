#pragma once
/// \file
/// Counterfactual style edits for the style flip rate (docs/method.md §8): inject one style feature
/// of a method attribute into a response, changing as little else as possible, so that a reward
/// model's reaction to the feature alone can be measured.
///
/// Each edit raises its own attribute (as measured by cirm::attributes) and is designed to leave
/// the other method attributes alone; what each one guarantees is listed on inject_style. The
/// edits are textual, deterministic and linear in the length of the text.

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cirm/ascii.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/error.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

namespace counterfactual_detail {

/// Appended by the length edit: content-free, no '!', no '*', no line break, and words that a
/// prompt rarely contains.
inline constexpr std::string_view neutral_sentence = "Hopefully, everything above proves useful.";

inline std::string inject_length(std::string_view response) {
    std::string edited(response);
    if (!edited.empty() && !is_ascii_space(as_code_unit(edited.back()))) edited += ' ';
    edited += neutral_sentence;
    return edited;
}

inline std::optional<std::string> inject_paragraph_break(std::string_view response) {
    for (std::size_t i = 0; i + 1 < response.size(); ++i) {
        const char c = response[i];
        if ((c != '.' && c != '!' && c != '?') || response[i + 1] != ' ') continue;
        std::size_t next = i + 1;
        while (next < response.size() && response[next] == ' ') ++next;
        if (next == response.size() || is_ascii_space(as_code_unit(response[next]))) continue;
        std::string edited(response.substr(0, i + 1));
        edited += "\n\n";
        edited += response.substr(next);
        return edited;
    }
    return std::nullopt;
}

inline std::optional<std::string> inject_exclamation(std::string_view response) {
    for (std::size_t i = response.size(); i-- > 0;) {
        if (response[i] != '.') continue;
        if (i + 1 < response.size() && !is_ascii_space(as_code_unit(response[i + 1]))) continue;
        std::string edited(response);
        edited[i] = '!';
        return edited;
    }
    return std::nullopt;
}

inline std::optional<std::string> inject_bold(std::string_view response) {
    // A word here also takes in non-ASCII characters, so that "straße" is not cut into "stra".
    const auto in_word = [](char c) {
        const char32_t unit = as_code_unit(c);
        return is_ascii_alnum(unit) || unit >= 0x80;
    };
    std::size_t i = 0;
    while (i < response.size()) {
        if (!in_word(response[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        bool letters_only = true;
        for (; i < response.size() && in_word(response[i]); ++i)
            letters_only = letters_only && is_ascii_letter(as_code_unit(response[i]));
        if (letters_only && i - start >= 4) {
            std::string edited(response.substr(0, start));
            edited += "**";
            edited += response.substr(start, i - start);
            edited += "**";
            edited += response.substr(i);
            return edited;
        }
    }
    return std::nullopt;
}

/// The prompt flattened to one line that cannot touch the other method attributes: whitespace
/// runs become one space, '!' becomes '.', '*' becomes a space, ends trimmed. Its words are the
/// prompt's words (all three replaced characters separate words anyway).
inline std::string flattened_prompt(std::string_view prompt) {
    std::string flat;
    flat.reserve(prompt.size());
    bool pending_space = false;
    for (char c : prompt) {
        if (c == '*' || is_ascii_space(as_code_unit(c))) {
            pending_space = !flat.empty();
            continue;
        }
        if (pending_space) flat += ' ';
        pending_space = false;
        flat += (c == '!') ? '.' : c;
    }
    return flat;
}

inline std::optional<std::string> inject_overlap(std::string_view prompt, std::string_view response) {
    std::string edited = flattened_prompt(prompt);
    // A response that starts on a new line is already separated; adding "\n" there would lengthen
    // its leading newline run and could add a paragraph break.
    if (response.empty() || (response.front() != '\n' && response.front() != '\r')) edited += '\n';
    edited += response;
    const attributes::overlap measure;
    if (measure(prompt, edited) <= measure(prompt, response)) return std::nullopt;
    return edited;
}

}  // namespace counterfactual_detail

/// The method attributes that have a style edit: length, paragraphs, overlap, exclamation, bold.
inline constexpr std::array<std::string_view, 5> injectable_attributes{"length", "paragraphs", "overlap", "exclamation",
                                                                       "bold"};

/// Whether inject_style has an edit for `attribute`.
inline bool has_style_edit(std::string_view attribute) noexcept {
    return std::find(injectable_attributes.begin(), injectable_attributes.end(), attribute) !=
           injectable_attributes.end();
}

/// "length, paragraphs, overlap, exclamation, bold": the attributes with an edit, for messages.
inline std::string style_edit_names() {
    std::string known;
    for (std::string_view n : injectable_attributes) {
        if (!known.empty()) known += ", ";
        known += n;
    }
    return known;
}

/// The response with the style feature of `attribute` injected, or nothing when the edit does not
/// apply to this response. Inputs must be valid UTF-8 (cirm::error otherwise); an attribute
/// without an edit is a cirm::error. The edits, with what they guarantee about the method
/// attributes:
///
/// - `length`: appends "Hopefully, everything above proves useful." (after a space unless the
///   response is empty or ends in whitespace). Always applies. Length rises by 42 or 43;
///   paragraphs, exclamation, bold unchanged; overlap usually falls (new words not in the prompt).
/// - `paragraphs`: the first sentence break — '.', '!' or '?', then one or more spaces, then a
///   character that is not whitespace — has its spaces replaced by "\n\n". Abbreviations ("e.g.
///   this") count as breaks. Nothing if there is no such break. Paragraphs +1 exactly;
///   exclamation, bold, overlap unchanged; length changes by 2 − (number of spaces replaced).
/// - `exclamation`: the last '.' that ends a sentence (followed by whitespace or the end, so not
///   the dot of "3.5" or of a URL) becomes '!'. Nothing if there is no such '.'. Exclamation +1
///   exactly; length, paragraphs, bold, overlap unchanged.
/// - `bold`: the first word made only of ASCII letters, at least 4 of them, is wrapped in "**"; a
///   word is a maximal run of ASCII letters, digits and non-ASCII characters, so "straße" and
///   "x1y2" are not candidates and no word is cut. Nothing if there is no such word. Bold +2
///   exactly (both markers, also next to existing '*'); length +4; paragraphs, exclamation,
///   overlap unchanged.
/// - `overlap`: restates the prompt before the response: the prompt flattened to one line
///   (runs of whitespace and '*' → one space, '!' → '.') followed by "\n" (no "\n" when the
///   response already starts with a line break). No framing words ("You asked:") are added, since
///   words outside the prompt would dilute the overlap. Nothing when this would not raise the
///   overlap (every prompt word is already in the response and the response has other words, or
///   the overlap is already 1, or the prompt has no word). Overlap rises strictly; paragraphs,
///   exclamation, bold unchanged.
inline std::optional<std::string> inject_style(std::string_view attribute, std::string_view prompt,
                                               std::string_view response) {
    if (!has_style_edit(attribute))
        throw error("no style edit for bias attribute '" + std::string(attribute) + "' (edits exist for " +
                    style_edit_names() + ")");
    validate_utf8(response, "response");
    if (attribute == "length") return counterfactual_detail::inject_length(response);
    if (attribute == "paragraphs") return counterfactual_detail::inject_paragraph_break(response);
    if (attribute == "exclamation") return counterfactual_detail::inject_exclamation(response);
    if (attribute == "bold") return counterfactual_detail::inject_bold(response);
    validate_utf8(prompt, "prompt");
    return counterfactual_detail::inject_overlap(prompt, response);
}

}  // namespace cirm
