// What the tokenizer benchmarks share (bench/tokenizer.cpp for cirm, bench/llamacpp/tokenizer.cpp
// for llama.cpp; bench/peers/tokenizer.mjs does the same in JavaScript): reading the corpus,
// timing whole passes over it on one thread, writing the ids for the agreement check, and the
// JSON line every side prints.
//
// The corpus is JSON lines, one text per line (a JSON string, or an object with "text"). A pass encodes every text once, in
// order, without special tokens added; the first pass is a warm-up and gives the ids, the timed
// passes follow (at least `min_passes`, and until `min_seconds` have been spent), and the figure
// is the median pass. Each pass is timed twice: wall-clock, and the CPU time of the thread that
// encodes (CLOCK_THREAD_CPUTIME_ID), which on a machine shared with other work counts only the
// time the tokenizer actually ran; on an idle machine the two agree.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

#include <nlohmann/json.hpp>

namespace cirm_bench {

/// The texts of a JSON-lines corpus file: each line a JSON string, or an object whose "text" is
/// one (the tokenizer tests' corpus; its other fields, such as "special", are ignored: every
/// side encodes without special tokens added).
inline std::vector<std::string> read_corpus(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open the corpus " + path);
    std::vector<std::string> texts;
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.empty()) continue;
        const auto value = nlohmann::json::parse(line, nullptr, false);
        if (value.is_string()) {
            texts.push_back(value.get<std::string>());
        } else if (value.is_object() && value.contains("text") && value["text"].is_string()) {
            texts.push_back(value["text"].get<std::string>());
        } else {
            throw std::runtime_error(path + ":" + std::to_string(line_number) +
                                     ": neither a JSON string nor an object with a string \"text\"");
        }
    }
    if (texts.empty()) throw std::runtime_error("the corpus " + path + " has no texts");
    return texts;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU time of the calling thread, in seconds.
inline double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

inline double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// One side's figures over the corpus.
struct pass_timing {
    std::size_t texts = 0;
    std::size_t bytes = 0;                 ///< UTF-8 bytes of every text
    std::size_t tokens = 0;                ///< ids of one pass
    std::vector<double> pass_seconds;      ///< wall-clock
    std::vector<double> pass_cpu_seconds;  ///< CPU time of the encoding thread
};

/// Times passes of `encode(text, ids)` (which replaces `ids` with the ids of `text`) over `texts`.
/// When `ids_path` is not empty, the warm-up pass's ids are written there, one text per line.
template <class Encode>
pass_timing time_passes(const std::vector<std::string>& texts, Encode&& encode, const std::string& ids_path,
                        int min_passes, double min_seconds) {
    pass_timing timing;
    timing.texts = texts.size();
    std::vector<std::int32_t> ids;
    std::FILE* out = nullptr;
    if (!ids_path.empty()) {
        out = std::fopen(ids_path.c_str(), "w");
        if (out == nullptr) throw std::runtime_error("cannot write " + ids_path);
    }
    for (const auto& text : texts) {
        encode(text, ids);
        timing.bytes += text.size();
        timing.tokens += ids.size();
        if (out != nullptr) {
            for (std::size_t i = 0; i < ids.size(); ++i) std::fprintf(out, i ? " %d" : "%d", static_cast<int>(ids[i]));
            std::fputc('\n', out);
        }
    }
    if (out != nullptr) std::fclose(out);
    double spent = 0.0;
    std::size_t checksum = 0;
    while (static_cast<int>(timing.pass_seconds.size()) < min_passes || spent < min_seconds) {
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = thread_cpu_seconds();
        std::size_t tokens = 0;
        for (const auto& text : texts) {
            encode(text, ids);
            tokens += ids.size();
        }
        const double seconds = seconds_since(start);
        timing.pass_cpu_seconds.push_back(thread_cpu_seconds() - cpu_start);
        checksum += tokens;
        timing.pass_seconds.push_back(seconds);
        spent += seconds;
    }
    if (checksum != timing.tokens * timing.pass_seconds.size())
        throw std::runtime_error("the passes gave different token counts");
    return timing;
}

/// Two tokenizers timed in interleaved passes over the same texts (after an untimed pass of each,
/// rounds of A B then B A, so that a change of the machine's speed during the run falls on both
/// alike): each side's pass times (CPU time of the thread) and, per pair of neighbouring passes,
/// the ratio of B's time to A's; the wall-clock times as well.
struct paired_timing {
    std::vector<double> a_seconds, b_seconds, b_over_a;
    std::vector<double> a_wall_seconds, b_wall_seconds;
};

template <class EncodeA, class EncodeB>
paired_timing time_paired_passes(const std::vector<std::string>& texts, EncodeA&& encode_a, EncodeB&& encode_b,
                                 int rounds) {
    std::vector<std::int32_t> ids;
    paired_timing timing;
    const auto pass = [&](auto& encode, std::vector<double>& cpu, std::vector<double>& wall) {
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = thread_cpu_seconds();
        for (const auto& text : texts) encode(text, ids);
        cpu.push_back(thread_cpu_seconds() - cpu_start);
        wall.push_back(seconds_since(start));
    };
    for (const auto& text : texts) encode_a(text, ids);  // an untimed pass of each side first
    for (const auto& text : texts) encode_b(text, ids);
    for (int round = 0; round < rounds; ++round) {
        if (round % 2 == 0) {
            pass(encode_a, timing.a_seconds, timing.a_wall_seconds);
            pass(encode_b, timing.b_seconds, timing.b_wall_seconds);
        } else {
            pass(encode_b, timing.b_seconds, timing.b_wall_seconds);
            pass(encode_a, timing.a_seconds, timing.a_wall_seconds);
        }
        timing.b_over_a.push_back(timing.b_seconds.back() / timing.a_seconds.back());
    }
    return timing;
}

/// The JSON object every side prints (one line): what was measured and the median pass, by CPU
/// time ("seconds", "tokens_per_second", "mb_per_second") and by wall-clock ("wall_...").
inline nlohmann::json timing_json(const std::string& side, const std::string& vocabulary, const pass_timing& timing,
                                  const std::vector<double>& load_seconds) {
    const double pass = median(timing.pass_cpu_seconds);
    const double wall = median(timing.pass_seconds);
    return {{"side", side},
            {"vocabulary", vocabulary},
            {"texts", timing.texts},
            {"bytes", timing.bytes},
            {"tokens", timing.tokens},
            {"passes", timing.pass_seconds.size()},
            {"pass_seconds", timing.pass_cpu_seconds},
            {"seconds", pass},
            {"tokens_per_second", static_cast<double>(timing.tokens) / pass},
            {"mb_per_second", static_cast<double>(timing.bytes) / pass / 1e6},
            {"wall_pass_seconds", timing.pass_seconds},
            {"wall_seconds", wall},
            {"wall_mb_per_second", static_cast<double>(timing.bytes) / wall / 1e6},
            {"load_seconds", load_seconds},
            {"load_seconds_median", median(load_seconds)}};
}

/// The value of `--NAME=VALUE` among the options after the two positional arguments, or `fallback`.
inline std::string option_value(int argc, char** argv, const std::string& name, const std::string& fallback) {
    const std::string prefix = "--" + name + "=";
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
    }
    return fallback;
}

}  // namespace cirm_bench
