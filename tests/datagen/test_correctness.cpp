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

/// The one-letter lowercase words of a text, except the article "a" (a word of the filler
/// sentences; the alphabet families never offer 'a' or 'i', see test_vocabulary.cpp).
std::vector<std::string> letter_words_in(std::string_view text) {
    std::vector<std::string> letters;
    for (const std::string& word : words_of(text))
        if (word.size() == 1 && word[0] >= 'b' && word[0] <= 'z') letters.push_back(word);
    return letters;
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
    if (subset == "earlier_letter" || subset == "later_letter") {
        for (const std::string& letter : letter_words_in(text)) found.insert(letter);
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
        const std::vector<std::string> options{std::to_string(numbers[0]), std::to_string(numbers[1])};
        const bool larger = has_word(prompt, "larger"), smaller = has_word(prompt, "smaller");
        const bool even = has_word(prompt, "even"), odd = has_word(prompt, "odd");
        if (larger + smaller + even + odd != 1) return {"(unclear two-number prompt)", "", {}};
        if (larger || smaller) {
            const long answer = larger ? std::max(numbers[0], numbers[1]) : std::min(numbers[0], numbers[1]);
            return {larger ? "larger" : "smaller", std::to_string(answer), options};
        }
        const long wanted_remainder = even ? 0 : 1;
        if (numbers[0] % 2 == numbers[1] % 2) return {"(parity prompt without one of each)", "", {}};
        return {even ? "even" : "odd", std::to_string(numbers[0] % 2 == wanted_remainder ? numbers[0] : numbers[1]),
                options};
    }
    const std::vector<std::string> letters = letter_words_in(prompt);
    if (letters.size() == 2) {
        const bool earlier = has_word(prompt, "earlier") || has_word(prompt, "start");
        const bool later = has_word(prompt, "later") || has_word(prompt, "end");
        if (earlier == later || letters[0] == letters[1]) return {"(unclear alphabet prompt)", "", {}};
        const std::string& answer = (letters[0] < letters[1]) == earlier ? letters[0] : letters[1];
        return {earlier ? "earlier_letter" : "later_letter", answer, letters};
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
    CHECK(expected_from_prompt("Which number is even, 47 or 82?").answer == "82");
    CHECK(expected_from_prompt("Of 47 and 82, which one is odd?").answer == "47");
    CHECK(expected_from_prompt("Which letter comes earlier alphabetically, q or d?").answer == "d");
    CHECK(expected_from_prompt("Pick the letter nearer the end of the alphabet: q or d.").answer == "q");
    CHECK(expected_from_prompt("Which letter does 'garden' end with?").answer == "n");
    CHECK(expected_from_prompt("What letter begins the word 'garden'?").answer == "g");
    CHECK(answer_in("You asked: which number is larger, 47 or 82. **Answer:** It is **82**!", "larger") == "82");
    CHECK(answer_in("You asked which number is larger. 47 is larger.", "larger") == "47");
    CHECK(answer_in("Both 47 and 82.", "larger").empty());  // two answers: none
    CHECK(answer_in("## Answer\nIt starts with '**g**'. I hope this helps.", "first_letter") == "g");
    CHECK(answer_in("You asked: which letter comes later alphabetically, q or d. Have a great day. It is **q**.",
                    "later_letter") == "q");
    CHECK(answer_in("You asked which number is odd. 47 is odd!", "odd") == "47");
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

TEST_CASE("datagen correctness: wrong letters of a word are plausible ones") {
    // Half of the wrong letters are drawn from the word itself, the rest from the alphabet (which
    // lands in the word now and then), so a little over half of them occur in the word.
    const auto& datasets = small_datasets();
    std::size_t letter_pairs = 0, from_the_word = 0;
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train}) {
        for (const cirm::preference_pair& pair : split->pairs) {
            if (pair.subset != "first_letter" && pair.subset != "last_letter") continue;
            const std::size_t open = pair.prompt.find('\'');
            const std::string word = pair.prompt.substr(open + 1, pair.prompt.find('\'', open + 1) - open - 1);
            const std::string wrong = answer_in(pair.rejected, pair.subset);
            REQUIRE(wrong.size() == 1);
            from_the_word += word.find(wrong[0]) != std::string::npos ? 1 : 0;
            ++letter_pairs;
        }
    }
    REQUIRE(letter_pairs > 500);
    const double share = static_cast<double>(from_the_word) / static_cast<double>(letter_pairs);
    CHECK(share > 0.5);
    CHECK(share < 0.75);
}
