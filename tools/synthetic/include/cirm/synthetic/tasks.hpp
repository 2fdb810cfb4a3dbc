#pragma once
/// \file
/// The content of the generated preference pairs: four task families, each a two-option
/// question whose answer has a property the other option lacks — which of two numbers is even,
/// which is below 50, which of two words names an animal (a fixed fact table; the other names a
/// food), which of two letters is uppercase — with several prompt and answer phrasings each, and
/// the drawing of one task with its correct and its wrong answer.
///
/// Both answers relate to the prompt in the same way (both options appear in the prompt), so
/// that the overlap attribute cannot tell them apart, and they have equal length, so that a
/// style-neutral pair has responses of equal length. Every answer phrasing ends with the answer,
/// so the value the reward model must judge sits right before the last token.
///
/// Why these families: measured on the bundled model's architecture (d = 128, 4 layers, from its
/// language-model checkpoint, light-style pairs, 32 per step), relational families (which of two
/// numbers is larger or smaller, a word's first or last letter, which letter comes earlier or
/// later in the alphabet, a country's capital, the number after or before another) were not
/// learned in the training budget. Nor were pairs of opposite questions (even and odd, below and
/// above 50, animal and food, uppercase and lowercase, in equal shares): there neither the
/// question nor the answer alone says which response is right, and the model stayed at chance
/// for 350 steps after having learned one direction of each. One direction of each, as here, was
/// learned within 200 steps (validation 0.94–1.00 per family).

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/portable_random.hpp"

namespace cirm::synthetic {

/// Every random draw of the generator goes through this engine and the portable draws of
/// cirm/portable_random.hpp, so a seed gives the same data with every standard library.
using random_engine = random_engine;

/// The task families; each is one `subset` of the datasets.
enum class task_family : std::size_t { even, below_fifty, animal, uppercase };
inline constexpr std::size_t task_family_count = 4;

/// The subset names, in task_family order.
inline constexpr std::array<std::string_view, task_family_count> subset_names{"even", "below_fifty", "animal",
                                                                              "uppercase"};

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
inline constexpr std::array<prompt_phrasing, 4> even_prompts{{
    {"Which number is even, {a} or {b}?", "You asked which number is even"},
    {"Which is the even number: {a} or {b}?", "You asked for the even number"},
    {"Of {a} and {b}, which one is even?", "You asked which one is even"},
    {"Pick the even number: {a} or {b}.", "You asked me to pick the even number"},
}};
inline constexpr std::array<prompt_phrasing, 4> below_fifty_prompts{{
    {"Which number is below 50, {a} or {b}?", "You asked which number is below 50"},
    {"Which is the number under 50: {a} or {b}?", "You asked for the number under 50"},
    {"Of {a} and {b}, which one is below 50?", "You asked which one is below 50"},
    {"Pick the number below 50: {a} or {b}.", "You asked me to pick the number below 50"},
}};
inline constexpr std::array<prompt_phrasing, 4> animal_prompts{{
    {"Which word names an animal, {a} or {b}?", "You asked which word names an animal"},
    {"Which of these is an animal: {a} or {b}?", "You asked which of these is an animal"},
    {"Of {a} and {b}, which one is an animal?", "You asked which one is an animal"},
    {"Pick the animal: {a} or {b}.", "You asked me to pick the animal"},
}};
inline constexpr std::array<prompt_phrasing, 4> uppercase_prompts{{
    {"Which letter is uppercase, {a} or {b}?", "You asked which letter is uppercase"},
    {"Which is the capital letter: {a} or {b}?", "You asked for the capital letter"},
    {"Of the letters {a} and {b}, which one is uppercase?", "You asked which one is uppercase"},
    {"Pick the uppercase letter: {a} or {b}.", "You asked me to pick the uppercase letter"},
}};

// Answer phrasings: {x} is the answer (the only placeholder left when a response is rendered).
// They end without punctuation; the renderer adds '.' or '!'.
inline constexpr std::array<std::string_view, 4> even_answers{"The even number is {x}", "The even one is {x}",
                                                              "It is {x}", "That would be {x}"};
inline constexpr std::array<std::string_view, 4> below_fifty_answers{
    "The number below 50 is {x}", "The smaller one is {x}", "It is {x}", "That would be {x}"};
inline constexpr std::array<std::string_view, 4> animal_answers{"The animal is {x}", "The animal here is {x}",
                                                                "It is {x}", "That would be {x}"};
inline constexpr std::array<std::string_view, 4> uppercase_answers{"The uppercase letter is {x}", "The capital is {x}",
                                                                   "It is {x}", "That would be {x}"};

/// The fact table of the animal family: two disjoint word lists (the wrong option is a food) with
/// words of every length from 3 to 7 letters in both, so that a pair can always offer one animal
/// and one food of the same length (style-neutral pairs need both answers equally long).
inline constexpr std::array<std::string_view, 40> animals{
    "fox",    "owl",    "cat",    "dog",    "yak",    "lion",   "bear",    "wolf",    "deer",    "goat",
    "duck",   "frog",   "seal",   "tiger",  "zebra",  "horse",  "mouse",   "eagle",   "whale",   "shark",
    "camel",  "sheep",  "goose",  "snake",  "moose",  "koala",  "panda",   "rabbit",  "turtle",  "falcon",
    "parrot", "spider", "beetle", "monkey", "donkey", "lizard", "sparrow", "dolphin", "penguin", "giraffe"};
inline constexpr std::array<std::string_view, 40> foods{
    "egg",    "jam",    "pie",    "tea",    "bun",    "rice",   "plum",    "pear",    "corn",    "milk",
    "soup",   "kiwi",   "cake",   "apple",  "bread",  "lemon",  "grape",   "melon",   "onion",   "honey",
    "pizza",  "pasta",  "salad",  "olive",  "cheese", "butter", "banana",  "cherry",  "carrot",  "potato",
    "tomato", "cookie", "muffin", "waffle", "noodle", "yogurt", "pancake", "pumpkin", "cabbage", "lettuce"};

// The numbers of the number families: two-digit numbers, so that both options of a pair have
// the same length (a style-neutral pair needs responses of equal length).
inline constexpr std::size_t smallest_compared_number = 10;
inline constexpr std::size_t largest_compared_number = 99;

/// The letters of the uppercase family: every letter but 'a' and 'i', which are
/// also words ("a", "I") of the filler sentences and would let filler raise the overlap ratio.
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
    return phrasings[uniform_index(engine, N)];
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
    return smallest + uniform_index(engine, largest - smallest + 1);
}

/// Sets prompt and restatements from a phrasing and its placeholder values.
inline void phrase(task& drawn, const prompt_phrasing& phrasing,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    drawn.prompt = fill_placeholders(phrasing.prompt, values);
    drawn.partial_restatement = fill_placeholders(phrasing.partial_restatement, values);
    drawn.full_restatement = full_restatement_of(drawn.prompt);
}

/// A task that offers one option with the asked-for property and one without, in random order.
inline task two_option_task(task_family family, const std::string& with_property, const std::string& without_property,
                            random_engine& engine, const prompt_phrasing& phrasing,
                            std::vector<std::string> answer_phrasings) {
    const bool right_first = uniform_index(engine, 2) == 0;
    task drawn;
    drawn.family = family;
    drawn.correct = with_property;
    drawn.wrong = without_property;
    phrase(drawn, phrasing,
           {{"{a}", right_first ? with_property : without_property},
            {"{b}", right_first ? without_property : with_property}});
    drawn.answer_phrasings = std::move(answer_phrasings);
    return drawn;
}

inline task draw_even(random_engine& engine) {
    using namespace task_tables;
    // One even and one odd two-digit number.
    const std::size_t per_parity = (largest_compared_number - smallest_compared_number) / 2 + 1;
    const std::size_t first_even = smallest_compared_number + smallest_compared_number % 2;
    const std::size_t first_odd = smallest_compared_number + 1 - smallest_compared_number % 2;
    const std::size_t even = first_even + 2 * uniform_index(engine, per_parity);
    const std::size_t odd = first_odd + 2 * uniform_index(engine, per_parity);
    const auto& phrasing = draw_phrasing(even_prompts, engine);
    return two_option_task(task_family::even, std::to_string(even), std::to_string(odd), engine, phrasing,
                           answers_with(even_answers, {}));
}

inline task draw_below_fifty(random_engine& engine) {
    using namespace task_tables;
    // One two-digit number below 50 and one above (50 itself is neither).
    const std::string below = std::to_string(draw_between(engine, smallest_compared_number, 49));
    const std::string above = std::to_string(draw_between(engine, 51, largest_compared_number));
    const auto& phrasing = draw_phrasing(below_fifty_prompts, engine);
    return two_option_task(task_family::below_fifty, below, above, engine, phrasing,
                           answers_with(below_fifty_answers, {}));
}

inline task draw_animal(random_engine& engine) {
    using namespace task_tables;
    const std::string_view animal = animals[uniform_index(engine, animals.size())];
    // A food of the same length as the animal (every length of the animals has foods).
    std::vector<std::string_view> same_length;
    for (std::string_view f : foods)
        if (f.size() == animal.size()) same_length.push_back(f);
    if (same_length.empty()) throw error("datagen: no food of " + std::to_string(animal.size()) + " letters");
    const std::string food(same_length[uniform_index(engine, same_length.size())]);
    const auto& phrasing = draw_phrasing(animal_prompts, engine);
    return two_option_task(task_family::animal, std::string(animal), food, engine, phrasing,
                           answers_with(animal_answers, {}));
}

inline task draw_uppercase(random_engine& engine) {
    using namespace task_tables;
    // Two different letters, one written uppercase.
    const std::size_t n = alphabet_letters.size();
    const std::size_t upper = uniform_index(engine, n);
    std::size_t lower = uniform_index(engine, n - 1);
    if (lower >= upper) ++lower;
    const std::string upper_letter(1, static_cast<char>(alphabet_letters[upper] - 'a' + 'A'));
    const std::string lower_letter(1, alphabet_letters[lower]);
    const auto& phrasing = draw_phrasing(uppercase_prompts, engine);
    return two_option_task(task_family::uppercase, upper_letter, lower_letter, engine, phrasing,
                           answers_with(uppercase_answers, {}));
}

}  // namespace task_detail

/// Draws a task of the family. Every family's wrong answer has exactly as many characters as the
/// correct one (style-neutral pairs need responses of equal length).
inline task draw_task(task_family family, random_engine& engine) {
    switch (family) {
        case task_family::even: return task_detail::draw_even(engine);
        case task_family::below_fifty: return task_detail::draw_below_fifty(engine);
        case task_family::animal: return task_detail::draw_animal(engine);
        case task_family::uppercase: return task_detail::draw_uppercase(engine);
    }
    throw error("datagen: unknown task family " + std::to_string(static_cast<std::size_t>(family)));
}

/// Every prompt phrasing of every family (for checks of the prompt vocabulary).
inline std::vector<prompt_phrasing> all_prompt_phrasings() {
    using namespace task_tables;
    std::vector<prompt_phrasing> all;
    for (const auto* table : {&even_prompts, &below_fifty_prompts, &animal_prompts, &uppercase_prompts})
        all.insert(all.end(), table->begin(), table->end());
    return all;
}

}  // namespace cirm::synthetic
