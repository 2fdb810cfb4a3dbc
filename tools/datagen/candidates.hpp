#pragma once
/// \file
/// Candidate sets for the downstream proxy of alignment: the method's real use is
/// labelling preference data, so `cirm annotate` picks the best of N candidate responses per
/// prompt. Each set here has one prompt, N responses of which exactly one gives the correct
/// answer, and every response in its own freely drawn style (the style levels of the train
/// split's free draws, so length, paragraphs, '!', bold and restatement vary independently of
/// correctness). A reward model that picks by content picks the correct one; one swayed by style
/// drifts to the longer, more formatted wrong answers.
///
/// Prompts are new: none appears in the validation, test or train split. The sets come from
/// their own random engine (seeded from the datasets' seed), so adding them leaves the three
/// splits byte-identical. Line format (candidates.jsonl):
///
///     {"id": "candidates-000001", "prompt": str, "responses": [str × N], "correct": i, "subset": str}

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "generate.hpp"

namespace cirm::datagen {

struct candidate_set {
    std::string id;
    std::string prompt;
    std::string subset;
    std::vector<std::string> responses;
    std::size_t correct = 0;  ///< index of the response with the correct answer
};

/// Draws of one response's style before giving up (a free draw rarely exceeds the length cap).
inline constexpr std::size_t max_candidate_attempts = 1000;

/// `prompts` candidate sets of `per_prompt` responses each, for datasets generated with `seed`.
inline std::vector<candidate_set> generate_candidates(const generated_datasets& datasets, std::size_t prompts,
                                                      std::size_t per_prompt, std::uint64_t seed) {
    if (per_prompt < 2 || per_prompt > 16)
        throw error("datagen: candidates per prompt must be 2 to 16, not " + std::to_string(per_prompt));
    generate_detail::check_split_size("candidates", prompts);
    // its own stream, so that the three splits do not change
    random_engine engine(seed ^ 0x63616e6469646174ull);
    std::unordered_set<std::string> used;
    for (const generated_split* split : {&datasets.validation, &datasets.test, &datasets.train})
        for (const auto& p : split->pairs) used.insert(p.prompt);
    const std::vector<task_family> families = generate_detail::family_schedule(prompts, engine);
    generation_counts counts;
    std::vector<candidate_set> out;
    out.reserve(prompts);
    for (std::size_t i = 0; i < prompts; ++i) {
        const task drawn = generate_detail::draw_unused_task(families[i], used, true, "candidates", engine, counts);
        candidate_set c{generate_detail::pair_id("candidates", i),
                        drawn.prompt,
                        std::string(subset_name(drawn.family)),
                        {},
                        uniform_index(engine, per_prompt)};
        for (std::size_t slot = 0; slot < per_prompt; ++slot) {
            const std::string& answer = slot == c.correct ? drawn.correct : drawn.wrong;
            for (std::size_t attempt = 1;; ++attempt) {
                std::string text = render_response(
                    drawn, answer, draw_style_choices(draw_free_levels(engine), drawn.answer_phrasings.size(), engine));
                const bool fits = measure_style(drawn.prompt, text)[index_of(style_attribute::length)] <=
                                  static_cast<double>(max_response_length);
                bool repeated = false;
                for (const auto& r : c.responses) repeated = repeated || r == text;
                if (fits && !repeated) {
                    c.responses.push_back(std::move(text));
                    break;
                }
                if (attempt == max_candidate_attempts)
                    throw error("datagen: no distinct rendering of candidate " + std::to_string(slot) +
                                " for the prompt '" + drawn.prompt + "' in " + std::to_string(attempt) + " attempts");
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

/// candidates.jsonl: one set per line, written atomically.
inline void write_candidates(const std::filesystem::path& path, const std::vector<candidate_set>& sets) {
    std::string text;
    for (const auto& c : sets) {
        nlohmann::ordered_json line;
        line["id"] = c.id;
        line["prompt"] = c.prompt;
        line["responses"] = c.responses;
        line["correct"] = c.correct;
        line["subset"] = c.subset;
        text += line.dump() + "\n";
    }
    write_file_atomically(path, text);
}

}  // namespace cirm::datagen
