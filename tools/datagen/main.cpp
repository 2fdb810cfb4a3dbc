// cirm-datagen: generates the bundled preference datasets (data/train.jsonl, validation.jsonl,
// test.jsonl) from one seed, and prints their measured summary to stderr.
//
//     cirm-datagen --seed 1 --out data [--train 24000 --validation 500 --test 3000] [--summary FILE]
//                  [--candidates 500 [--per-prompt 4]]
//
// --candidates also writes candidates.jsonl: sets of candidate responses to new prompts, one
// correct per set (candidates.hpp), for the downstream proxy of `cirm annotate`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "candidates.hpp"
#include "cirm/error.hpp"
#include "files.hpp"
#include "generate.hpp"
#include "summary.hpp"

int main(int argc, char** argv) {
    cirm::datagen::generation_config config;
    std::string out_dir;
    std::string summary_file;
    std::size_t candidate_prompts = 0;
    std::size_t per_prompt = 4;

    CLI::App app{"Generates the bundled preference datasets (validation, test, train) from one seed."};
    app.add_option("--seed", config.seed, "seed of the one random engine behind every split")->capture_default_str();
    app.add_option("--out", out_dir, "directory to write validation.jsonl, test.jsonl and train.jsonl into")
        ->required();
    app.add_option("--train", config.sizes.train, "pairs in train.jsonl")->capture_default_str();
    app.add_option("--validation", config.sizes.validation, "pairs in validation.jsonl")->capture_default_str();
    app.add_option("--test", config.sizes.test, "pairs in test.jsonl")->capture_default_str();
    app.add_option("--summary", summary_file, "also write the summary as JSON to this file");
    app.add_option(
           "--candidates", candidate_prompts,
           "also write candidates.jsonl: this many new prompts, each with --per-prompt responses in free styles "
           "of which one is correct (0 = none)")
        ->capture_default_str();
    app.add_option("--per-prompt", per_prompt, "responses per candidate set")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        const auto start = std::chrono::steady_clock::now();
        const cirm::datagen::generated_datasets datasets = cirm::datagen::generate_datasets(config);
        const double generation_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        cirm::datagen::write_datasets(out_dir, datasets);
        if (candidate_prompts > 0)
            cirm::datagen::write_candidates(
                std::filesystem::path(out_dir) / "candidates.jsonl",
                cirm::datagen::generate_candidates(datasets, candidate_prompts, per_prompt, config.seed));

        const auto summaries = cirm::datagen::summarize_datasets(datasets);
        std::fputs(cirm::datagen::summary_table(datasets, summaries).c_str(), stderr);
        if (!summary_file.empty())
            cirm::datagen::write_summary(summary_file, cirm::datagen::summary_json(config, datasets, summaries));
        const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "generated in %.2f s, written and summarized in %.2f s in all, into %s\n",
                     generation_seconds, total_seconds, out_dir.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cirm-datagen: %s\n", e.what());
        return 1;
    }
    return 0;
}
