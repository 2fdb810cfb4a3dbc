#pragma once
/// \file
/// The content of the generated preference pairs: small task families whose answers can be
/// checked and that a tiny byte-level transformer can learn (which of two numbers is larger or
/// smaller, a country's capital out of two cities, a word's first or last letter, the number
/// after or before another), with several prompt and answer phrasings each, and the drawing of
/// one task with its correct and one wrong answer.
///
/// The families are built so that the correct and the wrong answer relate to the prompt in the
/// same way (both numbers, or both cities, appear in the prompt; neither letter nor either
/// neighbouring number does), so that the overlap attribute cannot tell them apart by itself.

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/search/portable_random.hpp"

namespace cirm::datagen {

/// Every random draw of the generator goes through this engine and the portable draws of
/// cirm/search/portable_random.hpp, so a seed gives the same data with every standard library.
using random_engine = search::random_engine;

/// The task families; each is one `subset` of the datasets.
enum class task_family : std::size_t {
    larger,
    smaller,
    capital,
    first_letter,
    last_letter,
    next_number,
    previous_number
};
inline constexpr std::size_t task_family_count = 7;

/// The subset names, in task_family order.
inline constexpr std::array<std::string_view, task_family_count> subset_names{
    "larger", "smaller", "capital", "first_letter", "last_letter", "next_number", "previous_number"};

constexpr std::string_view subset_name(task_family family) noexcept {
    return subset_names[static_cast<std::size_t>(family)];
}

/// A prompt phrasing with the partial restatement of the prompt that goes with it (used by the
/// overlap style). Placeholders: {a} {b} the two options, {c} a country, {w} a word, {n} a number.
struct prompt_phrasing {
    std::string_view prompt;
    std::string_view partial_restatement;
};

/// A country and its capital (single-word ASCII names).
struct country_capital {
    std::string_view country;
    std::string_view capital;
};

namespace task_tables {

// Prompt phrasings. Their words must never occur in a filler sentence (see style.hpp), so that
// filler can only lower the overlap ratio.
inline constexpr std::array<prompt_phrasing, 4> larger_prompts{{
    {"Which number is larger, {a} or {b}?", "You asked which number is larger"},
    {"Which is the larger number: {a} or {b}?", "You asked for the larger number"},
    {"Of {a} and {b}, which one is larger?", "You asked which one is larger"},
    {"Pick the larger number: {a} or {b}.", "You asked me to pick the larger number"},
}};
inline constexpr std::array<prompt_phrasing, 4> smaller_prompts{{
    {"Which number is smaller, {a} or {b}?", "You asked which number is smaller"},
    {"Which is the smaller number: {a} or {b}?", "You asked for the smaller number"},
    {"Of {a} and {b}, which one is smaller?", "You asked which one is smaller"},
    {"Pick the smaller number: {a} or {b}.", "You asked me to pick the smaller number"},
}};
inline constexpr std::array<prompt_phrasing, 4> capital_prompts{{
    {"Which city is the capital of {c}: {a} or {b}?", "You asked which city is the capital of {c}"},
    {"What is the capital of {c}, {a} or {b}?", "You asked about the capital of {c}"},
    {"Is the capital of {c} {a} or {b}?", "You asked whether {a} or {b} is the capital"},
    {"Name the capital of {c}: {a} or {b}.", "You asked me to name the capital of {c}"},
}};
inline constexpr std::array<prompt_phrasing, 4> first_letter_prompts{{
    {"What is the first letter of the word '{w}'?", "You asked for the first letter of '{w}'"},
    {"Which letter does '{w}' start with?", "You asked which letter '{w}' starts with"},
    {"Name the first letter of '{w}'.", "You asked me to name the first letter of '{w}'"},
    {"What letter begins the word '{w}'?", "You asked what letter begins '{w}'"},
}};
inline constexpr std::array<prompt_phrasing, 4> last_letter_prompts{{
    {"What is the last letter of the word '{w}'?", "You asked for the last letter of '{w}'"},
    {"Which letter does '{w}' end with?", "You asked which letter '{w}' ends with"},
    {"Name the last letter of '{w}'.", "You asked me to name the last letter of '{w}'"},
    {"What letter ends the word '{w}'?", "You asked what letter ends '{w}'"},
}};
inline constexpr std::array<prompt_phrasing, 4> next_number_prompts{{
    {"What number comes after {n}?", "You asked what comes after {n}"},
    {"Which number follows {n}?", "You asked which number follows {n}"},
    {"What is the next number after {n}?", "You asked for the number after {n}"},
    {"Name the number right after {n}.", "You asked me to name the number after {n}"},
}};
inline constexpr std::array<prompt_phrasing, 4> previous_number_prompts{{
    {"What number comes before {n}?", "You asked what comes before {n}"},
    {"Which number precedes {n}?", "You asked which number precedes {n}"},
    {"What is the number just before {n}?", "You asked for the number before {n}"},
    {"Name the number right before {n}.", "You asked me to name the number before {n}"},
}};

// Answer phrasings: {x} is the answer (the only placeholder left when a response is rendered).
// They end without punctuation; the renderer adds '.' or '!'.
inline constexpr std::array<std::string_view, 4> larger_answers{
    "The larger number is {x}", "{x} is larger", "It is {x}", "{x} is the larger one"};
inline constexpr std::array<std::string_view, 4> smaller_answers{
    "The smaller number is {x}", "{x} is smaller", "It is {x}", "{x} is the smaller one"};
inline constexpr std::array<std::string_view, 4> capital_answers{
    "The capital of {c} is {x}", "{x} is the capital of {c}", "It is {x}", "The capital is {x}"};
inline constexpr std::array<std::string_view, 4> first_letter_answers{
    "The first letter is '{x}'", "It is '{x}'", "It starts with '{x}'", "That would be '{x}'"};
inline constexpr std::array<std::string_view, 4> last_letter_answers{
    "The last letter is '{x}'", "It is '{x}'", "It ends with '{x}'", "That would be '{x}'"};
inline constexpr std::array<std::string_view, 4> next_number_answers{
    "The next number is {x}", "It is {x}", "{x} comes next", "That would be {x}"};
inline constexpr std::array<std::string_view, 4> previous_number_answers{
    "The previous number is {x}", "It is {x}", "{x} comes just before", "That would be {x}"};

/// Capitals grouped so that every name length (4 to 8 letters) has several members: a
/// style-neutral pair needs a wrong city with exactly as many letters as the right one.
inline constexpr std::array<country_capital, 32> countries{{
    {"Italy", "Rome"},        {"Peru", "Lima"},          {"Norway", "Oslo"},       {"Latvia", "Riga"},
    {"Qatar", "Doha"},        {"France", "Paris"},       {"Japan", "Tokyo"},       {"Egypt", "Cairo"},
    {"Ecuador", "Quito"},     {"Senegal", "Dakar"},      {"Ghana", "Accra"},       {"Morocco", "Rabat"},
    {"Germany", "Berlin"},    {"Spain", "Madrid"},       {"Canada", "Ottawa"},     {"Ireland", "Dublin"},
    {"Austria", "Vienna"},    {"Greece", "Athens"},      {"Poland", "Warsaw"},     {"Portugal", "Lisbon"},
    {"Russia", "Moscow"},     {"Cuba", "Havana"},        {"China", "Beijing"},     {"Kenya", "Nairobi"},
    {"Thailand", "Bangkok"},  {"Iraq", "Baghdad"},       {"Indonesia", "Jakarta"}, {"Venezuela", "Caracas"},
    {"Australia", "Canberra"}, {"Brazil", "Brasilia"},   {"Chile", "Santiago"},    {"Finland", "Helsinki"},
}};

/// Common lowercase English words for the letter tasks. None of them is a word of a filler
/// sentence (tests/datagen checks it).
inline constexpr std::array<std::string_view, 200> words{
    "garden",  "house",    "water",   "apple",   "river",   "mountain", "window",  "table",   "chair",   "pencil",
    "paper",   "bread",    "cheese",  "butter",  "orange",  "banana",   "lemon",   "grape",   "cherry",  "melon",
    "carrot",  "potato",   "tomato",  "onion",   "pepper",  "sugar",    "honey",   "coffee",  "milk",    "juice",
    "tiger",   "lion",     "zebra",   "horse",   "mouse",   "rabbit",   "turtle",  "eagle",   "falcon",  "parrot",
    "sparrow", "dolphin",  "whale",   "shark",   "salmon",  "spider",   "beetle",  "monkey",  "donkey",  "camel",
    "goat",    "sheep",    "duck",    "goose",   "frog",    "snake",    "lizard",  "bear",    "wolf",    "fox",
    "deer",    "moose",    "owl",     "kitchen", "bedroom", "door",     "floor",   "wall",    "roof",    "ladder",
    "hammer",  "nail",     "brush",   "bucket",  "basket",  "bottle",   "cup",     "plate",   "spoon",   "fork",
    "knife",   "bowl",     "kettle",  "oven",    "sofa",    "lamp",     "mirror",  "clock",   "candle",  "blanket",
    "pillow",  "carpet",   "curtain", "shelf",   "drawer",  "forest",   "desert",  "island",  "ocean",   "valley",
    "meadow",  "canyon",   "glacier", "volcano", "beach",   "cliff",    "pebble",  "stone",   "sand",    "cloud",
    "rain",    "snow",     "storm",   "thunder", "rainbow", "sunset",   "moon",    "star",    "planet",  "comet",
    "street",  "bridge",   "tower",   "castle",  "church",  "market",   "station", "airport", "harbor",  "village",
    "farm",    "barn",     "fence",   "bicycle", "wagon",   "train",    "truck",   "rocket",  "boat",    "canoe",
    "yacht",   "tractor",  "guitar",  "piano",   "violin",  "drum",     "trumpet", "flute",   "harp",    "jacket",
    "shirt",   "sweater",  "scarf",   "glove",   "boot",    "sock",     "hat",     "helmet",  "notebook", "eraser",
    "ruler",   "crayon",   "marker",  "folder",  "puzzle",  "kite",     "balloon", "anchor",  "compass", "lantern",
    "magnet",  "needle",   "thread",  "button",  "zipper",  "wallet",   "ticket",  "pizza",   "pasta",   "salad",
    "soup",    "cookie",   "muffin",  "pancake", "waffle",  "noodle",   "cereal",  "yogurt",  "peanut",  "almond",
    "walnut",  "olive",    "pumpkin", "cabbage", "lettuce", "spinach",  "garlic",  "penguin", "koala",   "panda",
};

// The numbers of the number families: two-digit numbers for "larger"/"smaller", and 10–999
// for "next"/"previous" so that those families have enough distinct prompts for held-out splits.
inline constexpr std::size_t smallest_compared_number = 10;
inline constexpr std::size_t largest_compared_number = 99;
inline constexpr std::size_t smallest_sequence_answer = 10;
inline constexpr std::size_t largest_sequence_answer = 999;

}  // namespace task_tables

/// One drawn task: a prompt with its correct and one wrong answer value, the restatements of the
/// prompt (without final punctuation) and the answer phrasings, each with a {x} for the value.
struct task {
    task_family family{};
    std::string prompt;
    std::string correct;
    std::string wrong;
    std::string partial_restatement;
    std::string full_restatement;
    std::vector<std::string> answer_phrasings;
};

/// `pattern` with every {key} in `values` replaced; other braces stay as they are.
inline std::string fill_placeholders(std::string_view pattern,
                                     std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    std::string out;
    out.reserve(pattern.size() + 16);
    std::size_t i = 0;
    while (i < pattern.size()) {
        bool replaced = false;
        if (pattern[i] == '{') {
            for (const auto& [key, value] : values) {
                if (pattern.substr(i).starts_with(key)) {
                    out += value;
                    i += key.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) out += pattern[i++];
    }
    return out;
}

namespace task_detail {

/// "You asked: " and the prompt with a lowercase first letter and without its final '?' or '.'.
inline std::string full_restatement_of(std::string_view prompt) {
    if (!prompt.empty() && (prompt.back() == '?' || prompt.back() == '.')) prompt.remove_suffix(1);
    std::string restated = "You asked: ";
    restated += prompt;
    const std::size_t first = std::string_view("You asked: ").size();
    if (restated.size() > first && restated[first] >= 'A' && restated[first] <= 'Z')
        restated[first] = static_cast<char>(restated[first] - 'A' + 'a');
    return restated;
}

template <std::size_t N>
const prompt_phrasing& draw_phrasing(const std::array<prompt_phrasing, N>& phrasings, random_engine& engine) {
    return phrasings[search::uniform_index(engine, N)];
}

template <std::size_t N>
std::vector<std::string> answers_with(const std::array<std::string_view, N>& phrasings,
                                      std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    std::vector<std::string> filled;
    filled.reserve(N);
    for (std::string_view phrasing : phrasings) filled.push_back(fill_placeholders(phrasing, values));
    return filled;
}

inline std::size_t draw_between(random_engine& engine, std::size_t smallest, std::size_t largest) {
    return smallest + search::uniform_index(engine, largest - smallest + 1);
}

/// Sets prompt and restatements from a phrasing and its placeholder values.
inline void phrase(task& drawn, const prompt_phrasing& phrasing,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    drawn.prompt = fill_placeholders(phrasing.prompt, values);
    drawn.partial_restatement = fill_placeholders(phrasing.partial_restatement, values);
    drawn.full_restatement = full_restatement_of(drawn.prompt);
}

inline task draw_comparison(task_family family, random_engine& engine) {
    using namespace task_tables;
    const std::size_t first = draw_between(engine, smallest_compared_number, largest_compared_number);
    std::size_t second = first;
    while (second == first) second = draw_between(engine, smallest_compared_number, largest_compared_number);
    const bool want_larger = family == task_family::larger;
    const std::string a = std::to_string(first), b = std::to_string(second);
    task drawn;
    drawn.family = family;
    drawn.correct = (first > second) == want_larger ? a : b;
    drawn.wrong = drawn.correct == a ? b : a;
    phrase(drawn, draw_phrasing(want_larger ? larger_prompts : smaller_prompts, engine), {{"{a}", a}, {"{b}", b}});
    drawn.answer_phrasings = answers_with(want_larger ? larger_answers : smaller_answers, {});
    return drawn;
}

inline task draw_capital(random_engine& engine, bool wrong_of_equal_length) {
    using namespace task_tables;
    const country_capital& right = countries[search::uniform_index(engine, countries.size())];
    std::vector<std::string_view> others;
    for (const country_capital& entry : countries)
        if (entry.capital != right.capital && (!wrong_of_equal_length || entry.capital.size() == right.capital.size()))
            others.push_back(entry.capital);
    if (others.empty())
        throw error("datagen: the capital table has no other city with as many letters as '" +
                    std::string(right.capital) + "'");
    const std::string_view wrong = others[search::uniform_index(engine, others.size())];
    const bool correct_first = search::uniform_index(engine, 2) == 0;
    task drawn;
    drawn.family = task_family::capital;
    drawn.correct = std::string(right.capital);
    drawn.wrong = std::string(wrong);
    phrase(drawn, draw_phrasing(capital_prompts, engine),
           {{"{c}", right.country}, {"{a}", correct_first ? right.capital : wrong},
            {"{b}", correct_first ? wrong : right.capital}});
    drawn.answer_phrasings = answers_with(capital_answers, {{"{c}", right.country}});
    return drawn;
}

inline task draw_letter(task_family family, random_engine& engine) {
    using namespace task_tables;
    const std::string_view word = words[search::uniform_index(engine, words.size())];
    const bool first = family == task_family::first_letter;
    const char right = first ? word.front() : word.back();
    // Half of the wrong letters come from the word itself (the plausible mistake of reading the
    // wrong position), the others from the whole alphabet.
    std::string pool;
    if (search::uniform_index(engine, 2) == 0)
        for (char c : word)
            if (c != right && pool.find(c) == std::string::npos) pool += c;
    if (pool.empty())
        for (char c = 'a'; c <= 'z'; ++c)
            if (c != right) pool += c;
    task drawn;
    drawn.family = family;
    drawn.correct = std::string(1, right);
    drawn.wrong = std::string(1, pool[search::uniform_index(engine, pool.size())]);
    phrase(drawn, draw_phrasing(first ? first_letter_prompts : last_letter_prompts, engine), {{"{w}", word}});
    drawn.answer_phrasings = answers_with(first ? first_letter_answers : last_letter_answers, {});
    return drawn;
}

inline task draw_sequence(task_family family, random_engine& engine, bool wrong_of_equal_length) {
    using namespace task_tables;
    const bool next = family == task_family::next_number;
    const std::size_t answer = draw_between(engine, smallest_sequence_answer, largest_sequence_answer);
    const std::size_t asked = next ? answer - 1 : answer + 1;
    // Plausible mistakes: a step the wrong way, two steps, or a step in the tens digit.
    const std::size_t candidates[] = {next ? asked - 1 : asked + 1, next ? asked + 2 : asked - 2, asked + 10,
                                      asked >= 10 ? asked - 10 : asked + 20};
    const std::string right = std::to_string(answer);
    std::vector<std::string> wrongs;
    for (std::size_t candidate : candidates) {
        const std::string text = std::to_string(candidate);
        if (candidate != answer && (!wrong_of_equal_length || text.size() == right.size())) wrongs.push_back(text);
    }
    if (wrongs.empty())  // cannot happen for answers in 10–999, kept so that a table change fails loudly
        throw error("datagen: no wrong answer of " + std::to_string(right.size()) + " digits for " +
                    std::string(subset_name(family)) + " " + std::to_string(asked));
    const std::string n = std::to_string(asked);
    task drawn;
    drawn.family = family;
    drawn.correct = right;
    drawn.wrong = wrongs[search::uniform_index(engine, wrongs.size())];
    phrase(drawn, draw_phrasing(next ? next_number_prompts : previous_number_prompts, engine), {{"{n}", n}});
    drawn.answer_phrasings = answers_with(next ? next_number_answers : previous_number_answers, {});
    return drawn;
}

}  // namespace task_detail

/// Draws a task of the family. With `wrong_of_equal_length` the wrong answer has exactly as many
/// characters as the correct one (needed by style-neutral pairs, whose lengths must be equal).
inline task draw_task(task_family family, random_engine& engine, bool wrong_of_equal_length) {
    switch (family) {
        case task_family::larger:
        case task_family::smaller: return task_detail::draw_comparison(family, engine);
        case task_family::capital: return task_detail::draw_capital(engine, wrong_of_equal_length);
        case task_family::first_letter:
        case task_family::last_letter: return task_detail::draw_letter(family, engine);
        case task_family::next_number:
        case task_family::previous_number: return task_detail::draw_sequence(family, engine, wrong_of_equal_length);
    }
    throw error("datagen: unknown task family " + std::to_string(static_cast<std::size_t>(family)));
}

/// Every prompt phrasing of every family (for checks of the prompt vocabulary).
inline std::vector<prompt_phrasing> all_prompt_phrasings() {
    using namespace task_tables;
    std::vector<prompt_phrasing> all;
    for (const auto* table : {&larger_prompts, &smaller_prompts, &capital_prompts, &first_letter_prompts,
                              &last_letter_prompts, &next_number_prompts, &previous_number_prompts})
        all.insert(all.end(), table->begin(), table->end());
    return all;
}

}  // namespace cirm::datagen
