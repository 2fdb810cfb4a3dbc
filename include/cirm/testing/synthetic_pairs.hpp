#pragma once
/// \file
/// A synthetic preference dataset for the planted source (cirm/testing/planted_source.hpp), for
/// tests, examples and method research: prompts "What is A plus B?", chosen = the right sum,
/// rejected = a wrong one, each response dressed in its own random amount of style (filler
/// sentences, paragraph breaks, '!', **bold**, a restatement of the prompt).
/// `style_bias` is the probability that, per style, the chosen response gets the larger level:
/// 0.5 makes style independent of preference (validation and test sets).

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cirm/sample.hpp"
#include "cirm/testing/rng.hpp"

namespace cirm::testing {

/// How much of each style one response carries.
struct style_levels {
    int filler = 0;      ///< extra sentences
    int paragraphs = 0;  ///< sentence breaks turned into "\n\n"
    int exclaims = 0;    ///< sentences ending in '!'
    int bold = 0;        ///< words wrapped in **
    bool restate = false;
};

/// The response "The answer is <answer>" to "What is a plus b?", dressed in the given style.
inline std::string styled_answer(long a, long b, long answer, const style_levels& st) {
    static const char* const fillers[] = {"I worked it out carefully",     "Adding the two numbers gives this",
                                          "That is the whole calculation", "Nothing else is needed here",
                                          "Each step was checked twice",   "The method is simple addition"};
    std::vector<std::string> sentences;
    if (st.restate) sentences.push_back("You asked what is " + std::to_string(a) + " plus " + std::to_string(b));
    sentences.push_back("The answer is " + std::to_string(answer));
    for (int i = 0; i < st.filler; ++i) sentences.emplace_back(fillers[i % 6]);
    // bold: wrap the last word of the first `bold` sentences that have one
    for (int i = 0; i < st.bold && i < static_cast<int>(sentences.size()); ++i) {
        auto& s = sentences[static_cast<std::size_t>(i)];
        const auto space = s.rfind(' ');
        s = s.substr(0, space + 1) + "**" + s.substr(space + 1) + "**";
    }
    std::string out;
    for (std::size_t i = 0; i < sentences.size(); ++i) {
        if (i > 0) out += static_cast<int>(i) <= st.paragraphs ? "\n\n" : " ";
        out += sentences[i];
        out += static_cast<int>(sentences.size() - i) <= st.exclaims ? "!" : ".";
    }
    return out;
}

/// n pairs from `seed`; see the file comment for style_bias.
inline std::vector<preference_pair> make_arithmetic_pairs(std::size_t n, std::uint64_t seed, double style_bias = 0.5) {
    splitmix64 rng{seed};
    const auto level = [&](int max) { return static_cast<int>(rng.below(static_cast<std::size_t>(max) + 1)); };
    std::vector<preference_pair> pairs;
    pairs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const long a = static_cast<long>(rng.below(90)) + 10, b = static_cast<long>(rng.below(90)) + 10;
        long wrong = a + b + static_cast<long>(rng.below(9)) + 1;
        if (rng.uniform() < 0.5) wrong = a + b - static_cast<long>(rng.below(9)) - 1;
        style_levels c{level(4), level(3), level(3), level(3), rng.uniform() < 0.5};
        style_levels r{level(4), level(3), level(3), level(3), rng.uniform() < 0.5};
        // per style, give the chosen response the larger level with probability style_bias
        const auto order = [&](int& x, int& y) {
            if (x == y) return;
            const bool chosen_more = rng.uniform() < style_bias;
            if ((x > y) != chosen_more) std::swap(x, y);
        };
        order(c.filler, r.filler);
        order(c.paragraphs, r.paragraphs);
        order(c.exclaims, r.exclaims);
        order(c.bold, r.bold);
        const std::string prompt = "What is " + std::to_string(a) + " plus " + std::to_string(b) + "?";
        pairs.push_back({"p" + std::to_string(i), prompt, styled_answer(a, b, a + b, c), styled_answer(a, b, wrong, r),
                         "arithmetic"});
    }
    return pairs;
}

}  // namespace cirm::testing
