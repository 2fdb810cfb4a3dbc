// The word tables behind the data: filler sentences share no word with any prompt (so filler can
// only lower the overlap ratio), and the word and letter tables are what the task families need.

#include <catch2/catch.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "cirm/synthetic/style.hpp"
#include "cirm/synthetic/tasks.hpp"
#include "generate.hpp"

namespace {

/// Lowercased maximal runs of ASCII letters and digits (the W of the overlap attribute, docs/method.md §4).
std::set<std::string> lowercase_words(std::string_view text) {
    std::set<std::string> words;
    std::string current;
    auto flush = [&] {
        if (!current.empty()) words.insert(current);
        current.clear();
    };
    for (char c : text) {
        if (c >= 'A' && c <= 'Z')
            current += static_cast<char>(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            current += c;
        else
            flush();
    }
    flush();
    return words;
}

std::set<std::string> filler_words() {
    std::set<std::string> words;
    for (std::string_view sentence : cirm::synthetic::filler_sentences) words.merge(lowercase_words(sentence));
    return words;
}

/// Prompt words that are also filler words.
std::set<std::string> filler_words_in(std::string_view prompt) {
    static const std::set<std::string> fillers = filler_words();
    std::set<std::string> shared;
    for (const std::string& word : lowercase_words(prompt))
        if (fillers.contains(word)) shared.insert(word);
    return shared;
}

std::string joined(const std::set<std::string>& words) {
    std::string text;
    for (const std::string& w : words) text += (text.empty() ? "" : ", ") + w;
    return text;
}

/// The phrasing without its placeholders ("{a}" would read as the word "a").
std::string without_placeholders(std::string_view phrasing) {
    std::string text;
    bool inside = false;
    for (char c : phrasing) {
        if (c == '{') inside = true;
        if (!inside) text += c;
        if (c == '}') inside = false;
    }
    return text;
}

}  // namespace

TEST_CASE("datagen vocabulary: the word check itself finds shared words") {
    CHECK(filler_words_in("Is this helpful? Let ME know") == std::set<std::string>{"let", "me", "know", "this"});
    CHECK(filler_words_in("Which number is even, 47 or 82?").empty());
    CHECK(without_placeholders("Which is the even number: {a} or {b}?") == "Which is the even number:  or ?");
}

TEST_CASE("datagen vocabulary: no filler word occurs in any prompt phrasing or table entry") {
    for (const cirm::synthetic::prompt_phrasing& phrasing : cirm::synthetic::all_prompt_phrasings()) {
        INFO(phrasing.prompt);
        CHECK(joined(filler_words_in(without_placeholders(phrasing.prompt))) == "");
    }
    for (char letter : cirm::synthetic::task_tables::alphabet_letters) {
        INFO(letter);
        CHECK(joined(filler_words_in(std::string(1, letter))) == "");
    }
    for (const auto* table : {&cirm::synthetic::task_tables::animals, &cirm::synthetic::task_tables::foods})
        for (std::string_view word : *table) {
            INFO(word);
            CHECK(joined(filler_words_in(word)) == "");
        }
}

TEST_CASE("datagen vocabulary: no filler word occurs in any generated prompt") {
    const auto datasets =
        cirm::datagen::generate_datasets({.seed = 2, .sizes = {.train = 2000, .validation = 200, .test = 600}});
    std::size_t prompts = 0;
    for (const auto* split : {&datasets.validation, &datasets.test, &datasets.train}) {
        for (const cirm::preference_pair& pair : split->pairs) {
            INFO(pair.id << ": " << pair.prompt);
            CHECK(joined(filler_words_in(pair.prompt)) == "");
            ++prompts;
        }
    }
    CHECK(prompts == 2800);
}

TEST_CASE("datagen vocabulary: filler sentences are plain prose that adds no other style") {
    std::set<std::string_view> distinct;
    for (std::string_view sentence : cirm::synthetic::filler_sentences) {
        INFO(sentence);
        CHECK(distinct.insert(sentence).second);
        CHECK(sentence.find_first_of("!*#\n.?") == std::string_view::npos);  // the renderer adds the ending
        CHECK(!sentence.starts_with("- "));
        CHECK(sentence.size() <= 40);
    }
    CHECK(distinct.size() >= 30);
}

TEST_CASE("datagen vocabulary: the fact table and the letters") {
    // Animals and foods: distinct lowercase words, no word in both lists, and for every length
    // an animal has, a food of that length (a pair offers one of each, equally long).
    std::set<std::string_view> animals, foods;
    std::map<std::size_t, std::size_t> food_lengths;
    for (std::string_view word : cirm::synthetic::task_tables::foods) {
        INFO(word);
        CHECK(foods.insert(word).second);
        CHECK(word.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos);
        ++food_lengths[word.size()];
    }
    for (std::string_view word : cirm::synthetic::task_tables::animals) {
        INFO(word);
        CHECK(animals.insert(word).second);
        CHECK(!foods.contains(word));
        CHECK(word.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos);
        CHECK(food_lengths[word.size()] >= 3);
    }
    CHECK(animals.size() >= 40);
    CHECK(foods.size() >= 40);

    // The letter-case families offer 24 distinct letters: all but 'a' and 'i' (filler words).
    const std::string_view letters = cirm::synthetic::task_tables::alphabet_letters;
    CHECK(std::set<char>(letters.begin(), letters.end()).size() == 24);
    CHECK(letters.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos);
    CHECK(letters.find('a') == std::string_view::npos);
    CHECK(letters.find('i') == std::string_view::npos);
}
