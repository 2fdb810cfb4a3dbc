#pragma once
/// \file
/// The style side of a generated response: how much of each spurious feature it carries (a level
/// per attribute), the random choices that realise those levels, and the rendering of an answer
/// value into a full response.
///
/// A response is a sequence of blocks: an optional "## Answer" header line, an optional
/// restatement of the prompt, the answer sentence, filler sentences and filler list items. The
/// levels act as follows (attribute: mechanism, levels):
///   length       filler sentences from a fixed pool                     0–4
///   paragraphs   gaps between blocks written as "\n\n"                   0–3 (at most the gaps there are)
///   overlap      restating the prompt: none, partial, full              0–2
///   exclamation  sentence ends turned into '!', extra '!' if needed     0–3
///   bold         bold spans "**82**" and "**Answer:**" (2 "**" each)    0–2
///   list_items   filler sentences rendered as "- " lines                0–2
///   headers      a "## Answer" line                                     0–1

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/portable_random.hpp"
#include "cirm/synthetic/style_attributes.hpp"
#include "cirm/synthetic/tasks.hpp"

namespace cirm::synthetic {

/// Neutral closing sentences (without final punctuation). None of their words occurs in any
/// prompt, so adding one can only lower the overlap ratio, never raise it (tests/datagen checks
/// it against every prompt phrasing, country, city and word of tasks.hpp).
inline constexpr std::array<std::string_view, 30> filler_sentences{
    "I hope this helps",
    "Let me know if you have questions",
    "Happy to help",
    "Feel free to ask again",
    "Thanks for asking",
    "Good luck in your studies",
    "That should clear things up",
    "Glad I could assist",
    "Have a great day",
    "Hopefully this was useful",
    "Feel free to reach out anytime",
    "I am happy to explain more",
    "Enjoy your learning journey",
    "Keep going strong",
    "Questions are always welcome",
    "You are doing great",
    "Have fun practicing",
    "Hope you found this useful",
    "Thanks for your patience",
    "Cheers, take care",
    "Stay curious",
    "Practice makes perfect",
    "Nice question",
    "I trust this clarifies things",
    "Wishing you success",
    "Take care",
    "Learning never stops",
    "Glad to share",
    "Be well",
    "Always happy to chat",
};

/// A level per attribute, in style_attribute order (length: filler sentences, overlap:
/// restatement, headers: 0/1, the others: their count).
using style_levels = std::array<std::size_t, style_attribute_count>;

/// How many levels each attribute has (levels run from 0 to this minus 1).
inline constexpr style_levels level_counts{5, 4, 3, 4, 3, 3, 2};

/// The longest response the generator keeps, in code points.
inline constexpr std::size_t max_response_length = 220;

/// Every random choice that turns levels into one response, so that a response can be rendered
/// again from it (a style-neutral pair renders both answers with the same choices).
struct style_choices {
    style_levels levels{};
    std::size_t answer_phrasing = 0;
    std::vector<std::size_t> sentence_fillers;  ///< indices into filler_sentences
    std::vector<std::size_t> list_fillers;      ///< indices into filler_sentences, rendered as "- " lines
    std::vector<bool> paragraph_gaps;           ///< one per gap between blocks: true = "\n\n"
    bool bold_value = false;                    ///< "**82**"
    bool bold_label = false;                    ///< "**Answer:** " before the answer sentence
};

namespace style_detail {

inline std::size_t level_of(const style_levels& levels, style_attribute attribute) noexcept {
    return levels[index_of(attribute)];
}

/// Number of blocks a response with these levels has: header, restatement, answer, fillers, items.
inline std::size_t block_count(const style_levels& levels) noexcept {
    return level_of(levels, style_attribute::headers) + (level_of(levels, style_attribute::overlap) > 0 ? 1 : 0) + 1 +
           level_of(levels, style_attribute::length) + level_of(levels, style_attribute::list_items);
}

enum class block_kind { header, prose, list_item };

struct block {
    block_kind kind;
    std::string text;    ///< without final punctuation
    std::string ending;  ///< "." or "!"… (empty for the header)
};

}  // namespace style_detail

/// Draws the random choices for a response with these levels and `answer_phrasings` phrasings to
/// pick from. Paragraph breaks go into `paragraphs` gaps chosen uniformly, or into every gap when
/// the response has fewer (the measured count is then lower than the level; the generator checks
/// measured values, not levels).
inline style_choices draw_style_choices(const style_levels& levels, std::size_t answer_phrasings,
                                        random_engine& engine) {
    for (std::size_t a = 0; a < style_attribute_count; ++a)
        if (levels[a] >= level_counts[a])
            throw error("datagen: style level " + std::to_string(levels[a]) + " of '" +
                        std::string(style_attribute_names[a]) + "' is out of range (0-" +
                        std::to_string(level_counts[a] - 1) + ")");
    style_choices choices;
    choices.levels = levels;
    choices.answer_phrasing = uniform_index(engine, answer_phrasings);

    // Distinct filler sentences: a partial Fisher–Yates shuffle of the pool.
    const std::size_t sentences = style_detail::level_of(levels, style_attribute::length);
    const std::size_t items = style_detail::level_of(levels, style_attribute::list_items);
    std::array<std::size_t, filler_sentences.size()> pool{};
    for (std::size_t i = 0; i < pool.size(); ++i) pool[i] = i;
    for (std::size_t i = 0; i < sentences + items; ++i)
        std::swap(pool[i], pool[i + uniform_index(engine, pool.size() - i)]);
    choices.sentence_fillers.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(sentences));
    choices.list_fillers.assign(pool.begin() + static_cast<std::ptrdiff_t>(sentences),
                                pool.begin() + static_cast<std::ptrdiff_t>(sentences + items));

    const std::size_t gaps = style_detail::block_count(levels) - 1;
    const std::size_t breaks = std::min(style_detail::level_of(levels, style_attribute::paragraphs), gaps);
    std::vector<std::size_t> gap_order(gaps);
    for (std::size_t i = 0; i < gaps; ++i) gap_order[i] = i;
    choices.paragraph_gaps.assign(gaps, false);
    for (std::size_t i = 0; i < breaks; ++i) {
        std::swap(gap_order[i], gap_order[i + uniform_index(engine, gaps - i)]);
        choices.paragraph_gaps[gap_order[i]] = true;
    }

    switch (style_detail::level_of(levels, style_attribute::bold)) {
        case 0: break;
        case 1: (uniform_index(engine, 2) == 0 ? choices.bold_value : choices.bold_label) = true; break;
        default: choices.bold_value = choices.bold_label = true;
    }
    return choices;
}

/// Renders the response that gives `answer_value` (the task's correct or wrong answer) to the
/// task with the given style.
inline std::string render_response(const task& drawn, std::string_view answer_value, const style_choices& choices) {
    using style_detail::block;
    using style_detail::block_kind;
    if (choices.answer_phrasing >= drawn.answer_phrasings.size())
        throw error("datagen: answer phrasing " + std::to_string(choices.answer_phrasing) + " of subset '" +
                    std::string(subset_name(drawn.family)) + "' does not exist");
    const std::size_t restatement = style_detail::level_of(choices.levels, style_attribute::overlap);

    // The answer comes last, as a conclusion: the reward is read at the last token, so the
    // content it must judge sits next to where it is read (the style blocks come before it).
    std::vector<block> blocks;
    if (style_detail::level_of(choices.levels, style_attribute::headers) > 0)
        blocks.push_back({block_kind::header, "## Answer", ""});
    const std::size_t restatement_block = blocks.size();
    if (restatement > 0)
        blocks.push_back(
            {block_kind::prose, restatement == 1 ? drawn.partial_restatement : drawn.full_restatement, "."});
    const std::size_t first_filler_block = blocks.size();
    for (std::size_t filler : choices.sentence_fillers)
        blocks.push_back({block_kind::prose, std::string(filler_sentences[filler]), "."});
    for (std::size_t filler : choices.list_fillers)
        blocks.push_back({block_kind::list_item, "- " + std::string(filler_sentences[filler]), "."});
    const std::size_t answer_block = blocks.size();
    {
        std::string value = choices.bold_value ? "**" + std::string(answer_value) + "**" : std::string(answer_value);
        std::string sentence = choices.bold_label ? "**Answer:** " : "";
        sentence += fill_placeholders(drawn.answer_phrasings[choices.answer_phrasing], {{"{x}", value}});
        blocks.push_back({block_kind::prose, std::move(sentence), "."});
    }

    // Exclamation marks replace the sentence ends in this order: the answer, the fillers, the
    // list items, the restatement; marks beyond the sentences there are go to the answer ("!!").
    std::vector<std::size_t> exclaim_order{answer_block};
    for (std::size_t b = first_filler_block; b < answer_block; ++b) exclaim_order.push_back(b);
    if (restatement > 0) exclaim_order.push_back(restatement_block);
    const std::size_t marks = style_detail::level_of(choices.levels, style_attribute::exclamation);
    for (std::size_t i = 0; i < marks; ++i) {
        if (i < exclaim_order.size())
            blocks[exclaim_order[i]].ending = "!";
        else
            blocks[answer_block].ending += "!";
    }

    if (choices.paragraph_gaps.size() + 1 != blocks.size())
        throw error("datagen: the style choices have " + std::to_string(choices.paragraph_gaps.size()) +
                    " paragraph gaps for " + std::to_string(blocks.size()) + " blocks");
    std::string response;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        if (b > 0) {
            if (choices.paragraph_gaps[b - 1])
                response += "\n\n";
            else if (blocks[b - 1].kind != block_kind::prose || blocks[b].kind == block_kind::list_item)
                response += '\n';  // a header and a list item must stand on their own line
            else
                response += ' ';
        }
        response += blocks[b].text;
        response += blocks[b].ending;
    }
    return response;
}

}  // namespace cirm::synthetic
