// Every generated pair's chosen response gives the correct answer and its rejected response a
// wrong one. Correctness is recomputed here from the prompt text alone, with parsing written for
// this test, never with the generator's own answer code.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "candidates.hpp"
#include "generate.hpp"

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    std::string current;
    for (char c : text) {
        if (is_alnum(c)) {
            current += c;
        } else if (!current.empty()) {
            words.push_back(current);
            current.clear();
        }
    }
    if (!current.empty()) words.push_back(current);
    return words;
}

std::vector<long> numbers_in(std::string_view text) {
    std::vector<long> numbers;
    for (const std::string& word : words_of(text)) {
        bool digits = !word.empty();
        for (char c : word) digits = digits && is_digit(c);
        if (digits) numbers.push_back(std::stol(word));
    }
    return numbers;
}

/// The one-letter words of a text in either case, except "a" and "I" (words of the filler
/// sentences; the letter-case families never offer 'a' or 'i', see test_vocabulary.cpp).
std::vector<std::string> letter_words_in(std::string_view text) {
    std::vector<std::string> letters;
    for (const std::string& word : words_of(text))
        if (word.size() == 1 && word != "a" && word != "I" && !is_digit(word[0])) letters.push_back(word);
    return letters;
}

bool is_uppercase(const std::string& letter) { return letter[0] >= 'A' && letter[0] <= 'Z'; }

// This test's own fact table (written here, not taken from the generator): which words name an
// animal and which something edible.
const std::set<std::string> animal_words{
    "fox",    "owl",    "cat",    "dog",    "yak",    "lion",   "bear",    "wolf",    "deer",    "goat",
    "duck",   "frog",   "seal",   "tiger",  "zebra",  "horse",  "mouse",   "eagle",   "whale",   "shark",
    "camel",  "sheep",  "goose",  "snake",  "moose",  "koala",  "panda",   "rabbit",  "turtle",  "falcon",
    "parrot", "spider", "beetle", "monkey", "donkey", "lizard", "sparrow", "dolphin", "penguin", "giraffe"};
const std::set<std::string> food_words{
    "egg",    "jam",    "pie",    "tea",    "bun",    "rice",   "plum",    "pear",    "corn",    "milk",
    "soup",   "kiwi",   "cake",   "apple",  "bread",  "lemon",  "grape",   "melon",   "onion",   "honey",
    "pizza",  "pasta",  "salad",  "olive",  "cheese", "butter", "banana",  "cherry",  "carrot",  "potato",
    "tomato", "cookie", "muffin", "waffle", "noodle", "yogurt", "pancake", "pumpkin", "cabbage", "lettuce"};

/// The words of a text that name an animal or a food, in order.
std::vector<std::string> table_words_in(std::string_view text) {
    std::vector<std::string> found;
    for (const std::string& word : words_of(text))
        if (animal_words.contains(word) || food_words.contains(word)) found.push_back(word);
    return found;
}

bool is_fifty_subset(std::string_view subset) { return subset == "below_fifty" || subset == "above_fifty"; }

bool has_word(std::string_view text, std::string_view word) {
    for (const std::string& w : words_of(text))
        if (w == word) return true;
    return false;
}

/// The response without bold markers and without its restatement of the prompt (the sentence
/// that starts with "You asked", up to its '.' or '!'), so that only the answer's own words are left.
std::string without_restatement(std::string response) {
    for (std::size_t at = response.find("**"); at != std::string::npos; at = response.find("**")) response.erase(at, 2);
    const std::size_t start = response.find("You asked");
    if (start == std::string::npos) return response;
    const std::size_t end = response.find_first_of(".!", start);
    return response.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
}

/// The one answer the response gives, as text; "" if it gives none or several.
std::string answer_in(const std::string& response, std::string_view subset) {
    const std::string text = without_restatement(response);
    std::set<std::string> found;
    if (subset == "uppercase" || subset == "lowercase") {
        for (const std::string& letter : letter_words_in(text)) found.insert(letter);
    } else if (subset == "animal" || subset == "food") {
        for (const std::string& word : table_words_in(text)) found.insert(word);
    } else {
        // "The number below 50 is 23": the 50 of the phrasing is not an answer.
        for (long n : numbers_in(text))
            if (!(is_fifty_subset(subset) && n == 50)) found.insert(std::to_string(n));
    }
    return found.size() == 1 ? *found.begin() : "";
}

/// The correct answer, from the prompt alone, plus the subset the prompt's wording implies.
struct expectation {
    std::string subset;
    std::string answer;
    std::vector<std::string> options;  // both offered answers
};

expectation expected_from_prompt(const std::string& prompt) {
    std::vector<long> numbers = numbers_in(prompt);
    const bool below = has_word(prompt, "below") || has_word(prompt, "under");
    const bool above = has_word(prompt, "above") || has_word(prompt, "over");
    if (below || above) {
        if (below == above || std::count(numbers.begin(), numbers.end(), 50L) != 1)
            return {"(unclear below/above prompt)", "", {}};
        numbers.erase(std::find(numbers.begin(), numbers.end(), 50L));
        if (numbers.size() != 2 || (numbers[0] < 50) == (numbers[1] < 50))
            return {"(below/above prompt without one of each)", "", {}};
        const long answer = (numbers[0] < 50) == below ? numbers[0] : numbers[1];
        return {below ? "below_fifty" : "above_fifty",
                std::to_string(answer),
                {std::to_string(numbers[0]), std::to_string(numbers[1])}};
    }
    if (numbers.size() == 2) {
        const bool even = has_word(prompt, "even"), odd = has_word(prompt, "odd");
        if (even == odd) return {"(unclear two-number prompt)", "", {}};
        if (numbers[0] % 2 == numbers[1] % 2) return {"(parity prompt without one of each)", "", {}};
        const long wanted_remainder = even ? 0 : 1;
        return {even ? "even" : "odd",
                std::to_string(numbers[0] % 2 == wanted_remainder ? numbers[0] : numbers[1]),
                {std::to_string(numbers[0]), std::to_string(numbers[1])}};
    }
    const std::vector<std::string> table_words = table_words_in(prompt);
    if (table_words.size() == 2) {
        const bool animal = has_word(prompt, "animal");
        const bool food = has_word(prompt, "edible") || has_word(prompt, "food");
        if (animal == food) return {"(unclear animal/food prompt)", "", {}};
        const std::set<std::string>& wanted = animal ? animal_words : food_words;
        if (wanted.contains(table_words[0]) == wanted.contains(table_words[1]))
            return {"(animal/food prompt without one of each)", "", {}};
        return {animal ? "animal" : "food", wanted.contains(table_words[0]) ? table_words[0] : table_words[1],
                table_words};
    }
    const std::vector<std::string> letters = letter_words_in(prompt);
    if (letters.size() == 2) {
        const bool upper = has_word(prompt, "uppercase") || has_word(prompt, "capital");
        const bool lower = has_word(prompt, "lowercase") || has_word(prompt, "small");
        if (upper == lower || is_uppercase(letters[0]) == is_uppercase(letters[1]))
            return {"(unclear letter-case prompt)", "", {}};
        return {upper ? "uppercase" : "lowercase", is_uppercase(letters[0]) == upper ? letters[0] : letters[1],
                letters};
    }
    return {"(unrecognised prompt)", "", {}};
}

const cirm::datagen::generated_datasets& small_datasets() {
    static const cirm::datagen::generated_datasets datasets =
        cirm::datagen::generate_datasets({.seed = 11, .sizes = {.train = 2000, .validation = 200, .test = 600}});
    return datasets;
}

}  // namespace

TEST_CASE("datagen correctness: the checker itself reads prompts and responses as intended") {
    // Hand-made cases, so that a checker that accepts everything would fail here.
    CHECK(expected_from_prompt("Which number is even, 47 or 82?").answer == "82");
    CHECK(expected_from_prompt("Of 47 and 82, which one is odd?").answer == "47");
    CHECK(expected_from_prompt("Which number is below 50, 73 or 21?").answer == "21");
    CHECK(expected_from_prompt("Which is the number over 50: 73 or 21?").answer == "73");
    CHECK(expected_from_prompt("Which word names an animal, bread or shark?").answer == "shark");
    CHECK(expected_from_prompt("Of bread and shark, which one is food?").answer == "bread");
    CHECK(expected_from_prompt("Which letter is uppercase, q or G?").answer == "G");
    CHECK(expected_from_prompt("Which is the small letter: q or G?").answer == "q");
    CHECK(expected_from_prompt("Which number is below 50, 73 or 81?").answer.empty());
    CHECK(answer_in("You asked: which number is even, 47 or 82. **Answer:** It is **82**!", "even") == "82");
    CHECK(answer_in("You asked which number is below 50. The number below 50 is 47.", "below_fifty") == "47");
    CHECK(answer_in("Both 47 and 82.", "even").empty());  // two answers: none
    CHECK(answer_in("## Answer\nI hope this helps. Have a great day. The capital is **G**.", "uppercase") == "G");
    CHECK(answer_in("You asked: which word names an animal, bread or shark. It is shark.", "animal") == "shark");
    CHECK(answer_in("You asked which one is odd. 47 is odd!", "odd") == "47");
}

TEST_CASE(
    "datagen correctness: chosen answers are correct and rejected ones wrong, except in style-decided and style-fooled train pairs") {
    const auto& datasets = small_datasets();
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train}) {
        std::size_t checked = 0, both_correct = 0, swapped = 0;
        for (std::size_t i = 0; i < split->pairs.size(); ++i) {
            const cirm::preference_pair& pair = split->pairs[i];
            INFO(split->name << " " << pair.id << "\nprompt: " << pair.prompt << "\nchosen: " << pair.chosen
                             << "\nrejected: " << pair.rejected);
            const expectation expected = expected_from_prompt(pair.prompt);
            REQUIRE(expected.subset == pair.subset);
            REQUIRE(!expected.answer.empty());
            REQUIRE(expected.options.size() == 2);
            CHECK(expected.options[0] != expected.options[1]);
            const std::string& other =
                expected.options[0] == expected.answer ? expected.options[1] : expected.options[0];
            const std::string chosen_answer = answer_in(pair.chosen, pair.subset);
            const std::string rejected_answer = answer_in(pair.rejected, pair.subset);
            CHECK(!(split->style_decided[i] && split->fooled[i]));
            if (chosen_answer == expected.answer && rejected_answer == expected.answer) {
                // Both correct: only the pairs the generator planned as style-decided, never neutral.
                ++both_correct;
                CHECK(split->style_decided[i]);
                CHECK(!split->neutral[i]);
                CHECK(pair.chosen != pair.rejected);
            } else if (chosen_answer == other) {
                // Wrong chosen over correct: only the planned style-fooled pairs, never neutral.
                ++swapped;
                CHECK(split->fooled[i]);
                CHECK(!split->neutral[i]);
                CHECK(rejected_answer == expected.answer);
            } else {
                // Otherwise correct chosen, and the wrong answer is the other offered option.
                CHECK(chosen_answer == expected.answer);
                CHECK(!split->style_decided[i]);
                CHECK(!split->fooled[i]);
                CHECK(rejected_answer == other);
            }
            ++checked;
        }
        CHECK(checked == split->pairs.size());
        // 15 % of train (2000 pairs) is style-decided and 20 % style-fooled; the held-out splits have none.
        CHECK(both_correct == (split->name == "train" ? 300u : 0u));
        CHECK(swapped == (split->name == "train" ? 400u : 0u));
    }
}

TEST_CASE("datagen candidates: one correct response per set at its index, the others the other option, new prompts") {
    const auto& datasets = small_datasets();
    const auto sets = cirm::datagen::generate_candidates(datasets, 120, 4, 11);
    REQUIRE(sets.size() == 120);
    std::set<std::string> split_prompts, candidate_prompts;
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train})
        for (const auto& p : split->pairs) split_prompts.insert(p.prompt);
    std::map<std::string, std::size_t> subsets;
    std::vector<std::size_t> correct_at(4, 0);
    for (const auto& c : sets) {
        INFO(c.id << "\nprompt: " << c.prompt);
        CHECK(!split_prompts.contains(c.prompt));
        CHECK(candidate_prompts.insert(c.prompt).second);
        const expectation expected = expected_from_prompt(c.prompt);
        REQUIRE(expected.subset == c.subset);
        REQUIRE(expected.options.size() == 2);
        const std::string& other = expected.options[0] == expected.answer ? expected.options[1] : expected.options[0];
        REQUIRE(c.responses.size() == 4);
        REQUIRE(c.correct < 4);
        ++correct_at[c.correct];
        ++subsets[c.subset];
        for (std::size_t i = 0; i < 4; ++i) {
            INFO("response " << i << ": " << c.responses[i]);
            CHECK(answer_in(c.responses[i], c.subset) == (i == c.correct ? expected.answer : other));
            CHECK(c.responses[i].size() <= 220);  // ASCII: bytes are code points
            for (std::size_t j = 0; j < i; ++j) CHECK(c.responses[i] != c.responses[j]);
        }
    }
    // the correct one is not always in the same slot, and the four families take turns
    for (std::size_t n : correct_at) CHECK(n > 10);
    CHECK(subsets.size() >= 4);
    // same inputs, same sets; the splits themselves are untouched by drawing candidates
    const auto again = cirm::datagen::generate_candidates(datasets, 120, 4, 11);
    CHECK(again.front().responses == sets.front().responses);
    CHECK(again.back().prompt == sets.back().prompt);
    CHECK_THROWS_WITH(cirm::datagen::generate_candidates(datasets, 10, 1, 11), Catch::Contains("2 to 16"));
    CHECK_THROWS_WITH(cirm::datagen::generate_candidates(datasets, 0, 4, 11), Catch::Contains("must have 1 to"));
}
