// Tokenizer throughput of llama.cpp, the peer of bench/tokenizer.cpp: llama_tokenize on a
// vocabulary-only GGUF (llama.cpp's models/ggml-vocab-*.gguf), one thread, over the same corpus,
// without special tokens added and with special-token text in the content parsed as those tokens
// (as Hugging Face's tokenizers do). Built only where find_package(llama CONFIG) finds llama.cpp
// (scripts/setup --llamacpp installs it).
//
//   bench_llamacpp_tokenizer VOCAB.gguf CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]
//                            [--paired-with=TOKENIZER.json [--rounds=10]]
// prints one JSON line (bench/tokenizer_timing.hpp); --ids writes the ids, one text per line.
// --paired-with also times cirm's hf_tokenizer on that tokenizer.json in passes interleaved with
// llama.cpp's (the ratio that the benchmark's goal is about, robust to a shared machine's drift)
// and adds "paired": both sides' pass times (CPU time of the thread; wall-clock as well) and
// llama.cpp's time over cirm's, per pair.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <llama.h>

#include "../tokenizer_timing.hpp"
#include "cirm/io/tokenizer_json.hpp"

namespace {
void quiet_log(ggml_log_level level, const char* text, void*) {
    if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s VOCAB.gguf CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]\n", argv[0]);
        return 2;
    }
    const std::string vocab_path = argv[1];
    const auto texts = cirm_bench::read_corpus(argv[2]);
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    auto params = llama_model_default_params();
    params.vocab_only = true;

    std::vector<double> load_seconds;
    llama_model* model = nullptr;
    for (int i = 0; i < 5; ++i) {
        if (model != nullptr) llama_model_free(model);
        const auto start = std::chrono::steady_clock::now();
        model = llama_model_load_from_file(vocab_path.c_str(), params);
        load_seconds.push_back(cirm_bench::seconds_since(start));
        if (model == nullptr) throw std::runtime_error("llama.cpp cannot load " + vocab_path);
    }
    const llama_vocab* vocab = llama_model_get_vocab(model);

    const auto encode = [vocab](const std::string& text, std::vector<std::int32_t>& ids) {
        ids.resize(text.size() + 8);
        int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                                   static_cast<int32_t>(ids.size()), /*add_special=*/false, /*parse_special=*/true);
        if (n < 0) {
            ids.resize(static_cast<std::size_t>(-n));
            n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                               static_cast<int32_t>(ids.size()), false, true);
        }
        if (n < 0) throw std::runtime_error("llama_tokenize failed");
        ids.resize(static_cast<std::size_t>(n));
    };
    const auto timing =
        cirm_bench::time_passes(texts, encode, cirm_bench::option_value(argc, argv, "ids", ""),
                                std::atoi(cirm_bench::option_value(argc, argv, "passes", "3").c_str()),
                                std::atof(cirm_bench::option_value(argc, argv, "seconds", "2").c_str()));
    auto result = cirm_bench::timing_json("llama.cpp", vocab_path, timing, load_seconds);
    result["vocabulary_size"] = llama_vocab_n_tokens(vocab);

    const std::string paired_with = cirm_bench::option_value(argc, argv, "paired-with", "");
    if (!paired_with.empty()) {
        const auto tokenizer = cirm::load_tokenizer_json(paired_with);
        const auto cirm_encode = [&tokenizer](const std::string& text, std::vector<std::int32_t>& ids) {
            ids.clear();
            tokenizer.encode(text, ids, /*add_special_tokens=*/false);
        };
        const auto paired = cirm_bench::time_paired_passes(
            texts, cirm_encode, encode, std::atoi(cirm_bench::option_value(argc, argv, "rounds", "10").c_str()));
        const double bytes = static_cast<double>(timing.bytes);
        result["paired"] = {{"tokenizer_json", paired_with},
                            {"rounds", paired.b_over_a.size()},
                            {"cirm_pass_seconds", paired.a_seconds},
                            {"llamacpp_pass_seconds", paired.b_seconds},
                            {"llamacpp_over_cirm", paired.b_over_a},
                            {"llamacpp_over_cirm_median", cirm_bench::median(paired.b_over_a)},
                            {"cirm_mb_per_second", bytes / cirm_bench::median(paired.a_seconds) / 1e6},
                            {"llamacpp_mb_per_second", bytes / cirm_bench::median(paired.b_seconds) / 1e6},
                            {"cirm_wall_pass_seconds", paired.a_wall_seconds},
                            {"llamacpp_wall_pass_seconds", paired.b_wall_seconds}};
    }
    std::printf("%s\n", result.dump().c_str());
    llama_model_free(model);
    llama_backend_free();
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_llamacpp_tokenizer: %s\n", e.what());
    return 1;
}
