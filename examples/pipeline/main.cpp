// The method end to end through the library's pipeline alone (no command-line code): locate and
// search on a validation set, then evaluate the base RM, the length baselines and the spec on a
// test set, and write what `cirm search` and `cirm eval --out` write — the spec, the trial log
// and the evaluation document. tests/pipeline checks that both give the same files.
//
// Usage: example_pipeline MODEL_DIR VALIDATION.jsonl TEST.jsonl OUT_DIR [TRIALS] [SEED]
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cirm/io/datasets.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/search_json.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/pipeline/evaluate.hpp"
#include "cirm/pipeline/locate_and_search.hpp"
#include "cirm/reference/model.hpp"

int main(int argc, char** argv) {
    if (argc < 5 || argc > 7) {
        std::cerr << "usage: example_pipeline MODEL_DIR VALIDATION.jsonl TEST.jsonl OUT_DIR [TRIALS] [SEED]\n";
        return 2;
    }
    try {
        const std::string model_dir = argv[1], validation_path = argv[2], test_path = argv[3];
        const std::filesystem::path out = argv[4];
        cirm::reference::llama_reward_model model{std::filesystem::path(model_dir)};
        const auto validation = cirm::read_preference_jsonl(validation_path);
        const auto test = cirm::read_test_set(test_path);

        // the offline stage: the method's defaults (Spearman top/bottom-k, median, last token, TPE)
        cirm::search_config config;
        if (argc > 5) config.trials = std::stoul(argv[5]);
        if (argc > 6) config.seed = std::stoull(argv[6]);
        const auto found = cirm::locate_and_search(model, validation, config);

        // the evaluation: base, LP, LWR and the spec as "cirm"
        const std::vector<cirm::named_spec> specs{{"cirm", &found.best()}};
        const auto report = cirm::evaluate(model, test, specs);

        std::filesystem::create_directories(out);
        cirm::save_spec_json(out / "spec.json", found.best());
        cirm::write_file_atomically(out / "trials.jsonl", cirm::trial_log_text(cirm::trial_log_json(found)));
        cirm::write_file_atomically(
            out / "eval.json", cirm::evaluation_document(report, model_dir, test_path, "reference").dump(2) + "\n");
        std::cout << "validation accuracy " << found.result.accuracy.front() << " -> "
                  << found.result.accuracy.at(found.trials().best) << " with " << found.best().edited()
                  << " neurons edited; test accuracy " << report.at("base").all.value << " -> "
                  << report.at("cirm").all.value << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "example_pipeline: " << e.what() << "\n";
        return 1;
    }
}
