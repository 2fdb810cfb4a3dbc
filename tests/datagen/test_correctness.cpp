// Every generated pair's chosen response gives the correct answer and its rejected response a
// wrong one. Correctness is recomputed here from the prompt text alone, with a capital table and
// parsing written for this test, never with the generator's own answer code.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "generate.hpp"

namespace {

// Written independently of tools/datagen/tasks.hpp (an error in either table shows up here).
const std::map<std::string, std::string, std::less<>> capital_of_country{
    {"Australia", "Canberra"}, {"Austria", "Vienna"},  {"Brazil", "Brasilia"},   {"Canada", "Ottawa"},
    {"Chile", "Santiago"},     {"China", "Beijing"},   {"Cuba", "Havana"},       {"Ecuador", "Quito"},
    {"Egypt", "Cairo"},        {"Finland", "Helsinki"}, {"France", "Paris"},      {"Germany", "Berlin"},
    {"Ghana", "Accra"},        {"Greece", "Athens"},   {"Indonesia", "Jakarta"}, {"Iraq", "Baghdad"},
    {"Ireland", "Dublin"},     {"Italy", "Rome"},      {"Japan", "Tokyo"},       {"Kenya", "Nairobi"},
    {"Latvia", "Riga"},        {"Morocco", "Rabat"},   {"Norway", "Oslo"},       {"Peru", "Lima"},
    {"Poland", "Warsaw"},      {"Portugal", "Lisbon"}, {"Qatar", "Doha"},        {"Russia", "Moscow"},
    {"Senegal", "Dakar"},      {"Spain", "Madrid"},    {"Thailand", "Bangkok"},  {"Venezuela", "Caracas"},
};

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

bool has_word(std::string_view text, std::string_view word) {
    for (const std::string& w : words_of(text))
        if (w == word) return true;
    return false;
}

/// The response without bold markers and without its restatement of the prompt (the sentence
/// that starts with "You asked", up to its '.' or '!'), so that only the answer's own words are left.
std::string without_restatement(std::string response) {
    for (std::size_t at = response.find("**"); at != std::string::npos; at = response.find("**"))
        response.erase(at, 2);
    const std::size_t start = response.find("You asked");
    if (start == std::string::npos) return response;
    const std::size_t end = response.find_first_of(".!", start);
    return response.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
}

/// The one answer the response gives, as text; "" if it gives none or several.
std::string answer_in(const std::string& response, std::string_view subset) {
    const std::string text = without_restatement(response);
    std::set<std::string> found;
    if (subset == "capital") {
        for (const std::string& word : words_of(text))
            for (const auto& [country, capital] : capital_of_country)
                if (word == capital) found.insert(word);
    } else if (subset == "first_letter" || subset == "last_letter") {
        for (std::size_t i = 0; i + 2 < text.size(); ++i)
            if (text[i] == '\'' && text[i + 1] >= 'a' && text[i + 1] <= 'z' && text[i + 2] == '\'')
                found.insert(std::string(1, text[i + 1]));
    } else {
        for (long n : numbers_in(text)) found.insert(std::to_string(n));
    }
    return found.size() == 1 ? *found.begin() : "";
}

/// The correct answer, from the prompt alone, plus the subset the prompt's wording implies.
struct expectation {
    std::string subset;
    std::string answer;
    std::vector<std::string> options;  // for multiple-choice prompts: both offered answers
};

expectation expected_from_prompt(const std::string& prompt) {
    const std::vector<long> numbers = numbers_in(prompt);
    for (const auto& [country, capital] : capital_of_country) {
        if (!has_word(prompt, country)) continue;
        std::vector<std::string> options;
        for (const std::string& word : words_of(prompt))
            for (const auto& [other_country, other_capital] : capital_of_country)
                if (word == other_capital) options.push_back(word);
        return {"capital", capital, options};
    }
    const std::size_t open = prompt.find('\'');
    if (open != std::string::npos) {
        const std::size_t close = prompt.find('\'', open + 1);
        const std::string word = prompt.substr(open + 1, close - open - 1);
        const bool first = has_word(prompt, "first") || has_word(prompt, "start") || has_word(prompt, "begins");
        const bool last = has_word(prompt, "last") || has_word(prompt, "end") || has_word(prompt, "ends");
        if (first == last || word.empty()) return {"(unclear letter prompt)", "", {}};
        return {first ? "first_letter" : "last_letter", std::string(1, first ? word.front() : word.back()), {}};
    }
    if (numbers.size() == 2) {
        const bool larger = has_word(prompt, "larger");
        const bool smaller = has_word(prompt, "smaller");
        if (larger == smaller) return {"(unclear comparison prompt)", "", {}};
        const long answer = larger ? std::max(numbers[0], numbers[1]) : std::min(numbers[0], numbers[1]);
        return {larger ? "larger" : "smaller", std::to_string(answer),
                {std::to_string(numbers[0]), std::to_string(numbers[1])}};
    }
    if (numbers.size() == 1) {
        const bool after = has_word(prompt, "after") || has_word(prompt, "follows");
        const bool before = has_word(prompt, "before") || has_word(prompt, "precedes");
        if (after == before) return {"(unclear sequence prompt)", "", {}};
        return {after ? "next_number" : "previous_number", std::to_string(after ? numbers[0] + 1 : numbers[0] - 1), {}};
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
    CHECK(expected_from_prompt("Which number is larger, 47 or 82?").answer == "82");
    CHECK(expected_from_prompt("Of 47 and 82, which one is smaller?").answer == "47");
    CHECK(expected_from_prompt("Which city is the capital of Peru: Santiago or Lima?").answer == "Lima");
    CHECK(expected_from_prompt("Which letter does 'garden' end with?").answer == "n");
    CHECK(expected_from_prompt("What letter begins the word 'garden'?").answer == "g");
    CHECK(expected_from_prompt("What number comes after 99?").answer == "100");
    CHECK(expected_from_prompt("Which number precedes 10?").answer == "9");
    CHECK(answer_in("You asked: which number is larger, 47 or 82. **Answer:** It is **82**!", "larger") == "82");
    CHECK(answer_in("You asked which number is larger. 47 is larger.", "larger") == "47");
    CHECK(answer_in("Both 47 and 82.", "larger").empty());  // two answers: none
    CHECK(answer_in("## Answer\nIt starts with '**g**'. I hope this helps.", "first_letter") == "g");
    CHECK(answer_in("You asked whether Lima or Rome is the capital. It is Lima.", "capital") == "Lima");
}

TEST_CASE("datagen correctness: chosen answers are correct and rejected answers wrong, in every split") {
    const auto& datasets = small_datasets();
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train}) {
        std::size_t checked = 0;
        for (const cirm::preference_pair& pair : split->pairs) {
            INFO(split->name << " " << pair.id << "\nprompt: " << pair.prompt << "\nchosen: " << pair.chosen
                             << "\nrejected: " << pair.rejected);
            const expectation expected = expected_from_prompt(pair.prompt);
            REQUIRE(expected.subset == pair.subset);
            REQUIRE(!expected.answer.empty());
            const std::string chosen_answer = answer_in(pair.chosen, pair.subset);
            const std::string rejected_answer = answer_in(pair.rejected, pair.subset);
            CHECK(chosen_answer == expected.answer);
            CHECK(!rejected_answer.empty());
            CHECK(rejected_answer != expected.answer);
            // Multiple choice: the wrong answer is the other offered option.
            if (!expected.options.empty()) {
                REQUIRE(expected.options.size() == 2);
                CHECK(expected.options[0] != expected.options[1]);
                const std::string& other = expected.options[0] == expected.answer ? expected.options[1] : expected.options[0];
                CHECK(rejected_answer == other);
            }
            ++checked;
        }
        CHECK(checked == split->pairs.size());
    }
}

TEST_CASE("datagen correctness: wrong answers are plausible ones") {
    // next/previous: the wrong number is one or two steps off, or ten off (the brief's 46, 49, 57/37 for 47 → 48).
    const auto& datasets = small_datasets();
    std::size_t sequence_pairs = 0;
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train}) {
        for (const cirm::preference_pair& pair : split->pairs) {
            if (pair.subset != "next_number" && pair.subset != "previous_number") continue;
            INFO(pair.id << ": " << pair.prompt << " / " << pair.rejected);
            const long asked = numbers_in(pair.prompt).at(0);
            const long wrong = std::stol(answer_in(pair.rejected, pair.subset));
            const long step = pair.subset == "next_number" ? 1 : -1;
            const std::set<long> plausible{asked - step, asked + 2 * step, asked + 10, asked >= 10 ? asked - 10 : asked + 20};
            CHECK(plausible.count(wrong) == 1);
            ++sequence_pairs;
        }
    }
    CHECK(sequence_pairs > 500);
}
