#pragma once
/// \file
/// The content of the generated preference pairs: small task families whose answers can be
/// checked and that a tiny byte-level transformer can learn (which of two numbers is larger or
/// smaller, a word's first or last letter, which of two numbers is even or odd, which of two
/// letters comes earlier or later in the alphabet), with several prompt and answer phrasings
/// each, and the drawing of one task with its correct and one wrong answer.
///
/// The families are built so that the correct and the wrong answer relate to the prompt in the
/// same way (both numbers, or both letters, appear in the prompt; for the letters of a word
/// neither answer is a word of the prompt), so that the overlap attribute cannot tell them apart
/// by itself.
///
/// Why these families: measured on the bundled model's architecture (d = 128, 4 layers, from its
/// language-model checkpoint, 32 plain pairs per step), "which is larger" reached 0.92 training
/// accuracy within 120 steps and "which is even" 0.86 validation accuracy within 150, while a
/// country's capital (a 32-entry fact table) stayed at 0.55 after 200 steps and the number after
/// or before a 2–3 digit number at 0.50 after 400: a reward model that cannot learn a family's
/// content in the training budget would only ever judge those pairs by style.

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
    first_letter,
    last_letter,
    even,
    odd,
    earlier_letter,
    later_letter
};
inline constexpr std::size_t task_family_count = 8;

/// The subset names, in task_family order.
inline constexpr std::array<std::string_view, task_family_count> subset_names{
    "larger", "smaller", "first_letter", "last_letter", "even", "odd", "earlier_letter", "later_letter"};

constexpr std::string_view subset_name(task_family family) noexcept {
    return subset_names[static_cast<std::size_t>(family)];
}

/// A prompt phrasing with the partial restatement of the prompt that goes with it (used by the
/// overlap style). Placeholders: {a} {b} the two options, {w} a word.
struct prompt_phrasing {
    std::string_view prompt;
    std::string_view partial_restatement;
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
inline constexpr std::array<prompt_phrasing, 4> even_prompts{{
    {"Which number is even, {a} or {b}?", "You asked which number is even"},
    {"Which is the even number: {a} or {b}?", "You asked for the even number"},
    {"Of {a} and {b}, which one is even?", "You asked which one is even"},
    {"Pick the even number: {a} or {b}.", "You asked me to pick the even number"},
}};
inline constexpr std::array<prompt_phrasing, 4> odd_prompts{{
    {"Which number is odd, {a} or {b}?", "You asked which number is odd"},
    {"Which is the odd number: {a} or {b}?", "You asked for the odd number"},
    {"Of {a} and {b}, which one is odd?", "You asked which one is odd"},
    {"Pick the odd number: {a} or {b}.", "You asked me to pick the odd number"},
}};
inline constexpr std::array<prompt_phrasing, 4> earlier_letter_prompts{{
    {"Which letter comes earlier alphabetically, {a} or {b}?", "You asked which letter comes earlier"},
    {"Which is the earlier letter of the alphabet: {a} or {b}?", "You asked for the earlier letter"},
    {"Of the letters {a} and {b}, which one is earlier alphabetically?", "You asked which letter is earlier"},
    {"Pick the letter nearer the start of the alphabet: {a} or {b}.", "You asked me to pick the earlier letter"},
}};
inline constexpr std::array<prompt_phrasing, 4> later_letter_prompts{{
    {"Which letter comes later alphabetically, {a} or {b}?", "You asked which letter comes later"},
    {"Which is the later letter of the alphabet: {a} or {b}?", "You asked for the later letter"},
    {"Of the letters {a} and {b}, which one is later alphabetically?", "You asked which letter is later"},
    {"Pick the letter nearer the end of the alphabet: {a} or {b}.", "You asked me to pick the later letter"},
}};

// Answer phrasings: {x} is the answer (the only placeholder left when a response is rendered).
// They end without punctuation; the renderer adds '.' or '!'.
inline constexpr std::array<std::string_view, 4> larger_answers{
    "The larger number is {x}", "{x} is larger", "It is {x}", "{x} is the larger one"};
inline constexpr std::array<std::string_view, 4> smaller_answers{
    "The smaller number is {x}", "{x} is smaller", "It is {x}", "{x} is the smaller one"};
inline constexpr std::array<std::string_view, 4> first_letter_answers{
    "The first letter is '{x}'", "It is '{x}'", "It starts with '{x}'", "That would be '{x}'"};
inline constexpr std::array<std::string_view, 4> last_letter_answers{
    "The last letter is '{x}'", "It is '{x}'", "It ends with '{x}'", "That would be '{x}'"};
inline constexpr std::array<std::string_view, 4> even_answers{
    "The even number is {x}", "{x} is even", "It is {x}", "{x} is the even one"};
inline constexpr std::array<std::string_view, 4> odd_answers{
    "The odd number is {x}", "{x} is odd", "It is {x}", "{x} is the odd one"};
inline constexpr std::array<std::string_view, 4> earlier_letter_answers{
    "The earlier letter is {x}", "{x} comes earlier", "It is {x}", "{x} is the earlier one"};
inline constexpr std::array<std::string_view, 4> later_letter_answers{
    "The later letter is {x}", "{x} comes later", "It is {x}", "{x} is the later one"};

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

// The numbers of the number families: two-digit numbers, so that both options of a pair have
// the same length (a style-neutral pair needs responses of equal length).
inline constexpr std::size_t smallest_compared_number = 10;
inline constexpr std::size_t largest_compared_number = 99;

/// The letters of the alphabet families: every lowercase letter but 'a' and 'i', which are also
/// words ("a", "I") of the filler sentences and would let filler raise the overlap ratio.
inline constexpr std::string_view alphabet_letters = "bcdefghjklmnopqrstuvwxyz";

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

inline task draw_parity(task_family family, random_engine& engine) {
    using namespace task_tables;
    // One even and one odd two-digit number, in random order.
    const std::size_t even_count = (largest_compared_number - smallest_compared_number) / 2 + 1;
    const std::size_t first_even = smallest_compared_number + smallest_compared_number % 2;
    const std::size_t even = first_even + 2 * search::uniform_index(engine, even_count);
    const std::size_t first_odd = smallest_compared_number + 1 - smallest_compared_number % 2;
    const std::size_t odd = first_odd + 2 * search::uniform_index(engine, even_count);
    const bool even_first = search::uniform_index(engine, 2) == 0;
    const bool want_even = family == task_family::even;
    const std::string even_text = std::to_string(even), odd_text = std::to_string(odd);
    task drawn;
    drawn.family = family;
    drawn.correct = want_even ? even_text : odd_text;
    drawn.wrong = want_even ? odd_text : even_text;
    phrase(drawn, draw_phrasing(want_even ? even_prompts : odd_prompts, engine),
           {{"{a}", even_first ? even_text : odd_text}, {"{b}", even_first ? odd_text : even_text}});
    drawn.answer_phrasings = answers_with(want_even ? even_answers : odd_answers, {});
    return drawn;
}

inline task draw_alphabet(task_family family, random_engine& engine) {
    using namespace task_tables;
    const std::size_t n = alphabet_letters.size();
    const std::size_t first = search::uniform_index(engine, n);
    std::size_t second = search::uniform_index(engine, n - 1);
    if (second >= first) ++second;
    const char a = alphabet_letters[first], b = alphabet_letters[second];
    const bool want_earlier = family == task_family::earlier_letter;
    const char right = (a < b) == want_earlier ? a : b;
    task drawn;
    drawn.family = family;
    drawn.correct = std::string(1, right);
    drawn.wrong = std::string(1, right == a ? b : a);
    phrase(drawn, draw_phrasing(want_earlier ? earlier_letter_prompts : later_letter_prompts, engine),
           {{"{a}", std::string_view(&a, 1)}, {"{b}", std::string_view(&b, 1)}});
    drawn.answer_phrasings = answers_with(want_earlier ? earlier_letter_answers : later_letter_answers, {});
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

}  // namespace task_detail

/// Draws a task of the family. Every family's wrong answer has exactly as many characters as the
/// correct one (style-neutral pairs need responses of equal length).
inline task draw_task(task_family family, random_engine& engine) {
    switch (family) {
        case task_family::larger:
        case task_family::smaller: return task_detail::draw_comparison(family, engine);
        case task_family::first_letter:
        case task_family::last_letter: return task_detail::draw_letter(family, engine);
        case task_family::even:
        case task_family::odd: return task_detail::draw_parity(family, engine);
        case task_family::earlier_letter:
        case task_family::later_letter: return task_detail::draw_alphabet(family, engine);
    }
    throw error("datagen: unknown task family " + std::to_string(static_cast<std::size_t>(family)));
}

/// Every prompt phrasing of every family (for checks of the prompt vocabulary).
inline std::vector<prompt_phrasing> all_prompt_phrasings() {
    using namespace task_tables;
    std::vector<prompt_phrasing> all;
    for (const auto* table : {&larger_prompts, &smaller_prompts, &first_letter_prompts, &last_letter_prompts,
                              &even_prompts, &odd_prompts, &earlier_letter_prompts, &later_letter_prompts})
        all.insert(all.end(), table->begin(), table->end());
    return all;
}

}  // namespace cirm::datagen
