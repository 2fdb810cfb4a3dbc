// Tokenizer throughput of cirm's hf_tokenizer on a real tokenizer.json, one thread, over a
// corpus (bench/run-tokenizer uses the tokenizer tests' corpus), and the time to load the
// tokenizer.json: reading, parsing and building the tokenizer, wall-clock and CPU time, 5 loads
// (the first included). Its peers, timed alike: bench/peers/tokenizer.mjs (@lenml/tokenizers)
// and bench_llamacpp_tokenizer (llama.cpp).
//
//   bench_tokenizer TOKENIZER.json CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]
// prints one JSON line (bench/tokenizer_timing.hpp); --ids writes the ids, one text per line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cirm/io/tokenizer_json.hpp"
#include "tokenizer_timing.hpp"

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TOKENIZER.json CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]\n",
                     argv[0]);
        return 2;
    }
    const std::string tokenizer_path = argv[1];
    const auto texts = cirm_bench::read_corpus(argv[2]);

    std::vector<double> load_seconds, load_cpu_seconds;
    std::optional<cirm::hf_tokenizer> tokenizer;
    for (int i = 0; i < 5; ++i) {
        tokenizer.reset();
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = cirm_bench::thread_cpu_seconds();
        tokenizer.emplace(cirm::load_tokenizer_json(tokenizer_path));
        load_cpu_seconds.push_back(cirm_bench::thread_cpu_seconds() - cpu_start);
        load_seconds.push_back(cirm_bench::seconds_since(start));
    }

    const auto encode = [&tokenizer](const std::string& text, std::vector<std::int32_t>& ids) {
        ids.clear();
        tokenizer->encode(text, ids, /*add_special_tokens=*/false);
    };
    const auto timing =
        cirm_bench::time_passes(texts, encode, cirm_bench::option_value(argc, argv, "ids", ""),
                                std::atoi(cirm_bench::option_value(argc, argv, "passes", "3").c_str()),
                                std::atof(cirm_bench::option_value(argc, argv, "seconds", "2").c_str()));
    auto result = cirm_bench::timing_json("cirm", tokenizer_path, timing, load_seconds);
    result["vocabulary_size"] = tokenizer->id_limit();
    result["load_cpu_seconds"] = load_cpu_seconds;
    std::printf("%s\n", result.dump().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
}
