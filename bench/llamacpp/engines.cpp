// Forward tokens/s of one reward model in two engines, in one process, on the same token ids: the
// llama.cpp source (cirm/llamacpp/source.hpp, an F32 GGUF) and the reference engine
// (cirm/reference), no intervention, the texts of bench/forward_texts.hpp. bench/run-llamacpp runs
// it and the PyTorch peer (bench/peers/torch_forward.py) back to back and prints the ratios.
//   - Both engines encode every sample with the model's own tokenizer and chat template; the ids
//     must be the same in both (else it stops), and their FNV-1a hash is printed, so that the
//     PyTorch peer's ids can be compared with them.
//   - Passes over the whole batch, after an untimed one of each engine, in rounds of llama.cpp then
//     reference / reference then llama.cpp, so that a change of the machine's speed during the run
//     falls on both alike: each pass's wall-clock and process CPU seconds, and per round the ratio
//     of the two engines' tokens/s.
//   - The cost of one llama_decode against its length: llama.cpp scores the first n ids of the
//     first sample (n = 1, 2, 4, ... up to the whole sample), each the median of a few calls; the
//     1-token call bounds the fixed cost of a call from above, and a straight line through the
//     calls of up to 16 tokens estimates it (its intercept) and the cost of each token (its slope).
//     The same calls on one thread as well (when the source has more), which shows what the
//     synchronization of llama.cpp's threads inside each call costs.
// The llama.cpp source runs one sequence per llama_decode on its threads; the reference engine runs
// a batch's samples side by side, one per thread.
//
//   CIRM_BENCH_MODEL=HF_DIR [CIRM_BENCH_GGUF=FILE] CIRM_BENCH_THREADS=2 CIRM_BENCH_SAMPLES=16 \
//     CIRM_BENCH_ROUNDS=10 CIRM_BENCH_DECODE_REPEATS=5 build/bench/bench_llamacpp_engines
// HF_DIR defaults to the bundled model. FILE is converted from HF_DIR (F32) when it does not exist
// yet, and kept; without CIRM_BENCH_GGUF, the GGUF is written to the system's temporary folder.
// Prints one JSON object.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../forward_texts.hpp"
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/source.hpp"
#include "cirm/reference/reference.hpp"

namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

/// CPU seconds of the whole process (every thread), user and system.
double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// The wall-clock and CPU seconds of one run of `work`.
struct pass_time {
    double wall = 0.0;
    double cpu = 0.0;
};

pass_time time_of(const std::function<void()>& work) {
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    work();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {wall, process_cpu_seconds() - cpu_start};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// FNV-1a (64 bits) over every sample's length and then its ids, each as 4 little-endian bytes
/// (torch_forward.py computes the same over its ids).
std::uint64_t ids_hash(const std::vector<std::vector<std::int32_t>>& ids) {
    std::uint64_t h = 14695981039346656037ull;
    const auto put = [&h](std::uint32_t word) {
        for (int byte = 0; byte < 4; ++byte) {
            h ^= (word >> (8 * byte)) & 0xffu;
            h *= 1099511628211ull;
        }
    };
    for (const auto& sample : ids) {
        put(static_cast<std::uint32_t>(sample.size()));
        for (std::int32_t id : sample) put(static_cast<std::uint32_t>(id));
    }
    return h;
}

/// Least-squares line seconds = fixed + per_token · n.
struct line_fit {
    double fixed = 0.0;
    double per_token = 0.0;
};

line_fit fit_line(const std::vector<double>& n, const std::vector<double>& seconds) {
    const double count = static_cast<double>(n.size());
    double sn = 0, ss = 0, snn = 0, sns = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
        sn += n[i];
        ss += seconds[i];
        snn += n[i] * n[i];
        sns += n[i] * seconds[i];
    }
    const double slope = (count * sns - sn * ss) / (count * snn - sn * sn);
    return {(ss - slope * sn) / count, slope};
}

}  // namespace

int main() try {
    const fs::path hf_dir = env_or("CIRM_BENCH_MODEL", CIRM_BENCH_BUNDLED_MODEL);
    fs::path gguf = env_or("CIRM_BENCH_GGUF", "");
    if (gguf.empty()) gguf = fs::temp_directory_path() / ("cirm-bench-" + hf_dir.filename().string() + ".gguf");
    if (!fs::exists(gguf)) cirm::llamacpp::convert_to_gguf(hf_dir, gguf, cirm::llamacpp::gguf_float_type::f32);
    const int threads = std::stoi(env_or("CIRM_BENCH_THREADS", "2"));
    const std::size_t sample_count = std::stoul(env_or("CIRM_BENCH_SAMPLES", "16"));
    const std::size_t rounds = std::stoul(env_or("CIRM_BENCH_ROUNDS", "10"));
    const std::size_t decode_repeats = std::stoul(env_or("CIRM_BENCH_DECODE_REPEATS", "5"));

    const cirm_bench::forward_texts texts(sample_count);
    const std::vector<cirm::sample>& samples = texts.samples();

    cirm::reference::llama_reward_model reference(hf_dir);
    reference.set_threads(static_cast<std::size_t>(threads));
    std::vector<std::vector<std::int32_t>> ids;
    std::size_t tokens = 0, longest = 0;
    for (const auto& s : samples) {
        ids.push_back(reference.encode(s));
        tokens += ids.back().size();
        longest = std::max(longest, ids.back().size());
    }

    cirm::llamacpp::source_options options;
    options.threads = threads;
    options.context = std::max<std::size_t>(longest, 512);  // every sample one micro-batch
    const cirm::llamacpp::reward_model llamacpp(gguf, hf_dir, options);
    for (std::size_t b = 0; b < samples.size(); ++b)
        if (llamacpp.encode(samples[b]) != ids[b])
            throw std::runtime_error("sample " + std::to_string(b) + ": the two engines encode it differently");

    std::vector<float> llamacpp_rewards(samples.size()), reference_rewards(samples.size());
    const auto run_llamacpp = [&] { llamacpp.score(samples, cirm::no_intervention{}, llamacpp_rewards); };
    const auto run_reference = [&] { reference.score(samples, cirm::no_intervention{}, reference_rewards); };
    run_llamacpp();  // untimed: graphs built, buffers allocated, weights paged in
    run_reference();
    double largest_difference = 0.0;
    for (std::size_t b = 0; b < samples.size(); ++b)
        largest_difference =
            std::max(largest_difference, static_cast<double>(std::abs(llamacpp_rewards[b] - reference_rewards[b])));

    std::vector<pass_time> llamacpp_passes, reference_passes;
    std::vector<double> ratios;  // llama.cpp's tokens/s over the reference engine's, per round
    for (std::size_t r = 0; r < rounds; ++r) {
        if (r % 2 == 0) {
            llamacpp_passes.push_back(time_of(run_llamacpp));
            reference_passes.push_back(time_of(run_reference));
        } else {
            reference_passes.push_back(time_of(run_reference));
            llamacpp_passes.push_back(time_of(run_llamacpp));
        }
        ratios.push_back(reference_passes.back().wall / llamacpp_passes.back().wall);
    }

    // one llama_decode of n tokens, n = 1, 2, 4, ... and the whole first sample; on the source's
    // threads, then on one (no synchronization between threads inside a call)
    std::vector<double> lengths;
    const std::vector<std::int32_t>& first = ids.front();
    for (std::size_t n = 1;; n = std::min(2 * n, first.size())) {
        lengths.push_back(static_cast<double>(n));
        if (n == first.size()) break;
    }
    const auto decode_curve = [&] {
        std::vector<double> medians;
        for (double n : lengths) {
            const std::span<const std::int32_t> part(first.data(), static_cast<std::size_t>(n));
            llamacpp.score_tokens(part);  // untimed
            std::vector<double> seconds;
            for (std::size_t k = 0; k < decode_repeats; ++k)
                seconds.push_back(time_of([&] { llamacpp.score_tokens(part); }).wall);
            medians.push_back(median(seconds));
        }
        return medians;
    };
    const std::vector<double> decode_seconds = decode_curve();
    std::vector<double> decode_seconds_one_thread;
    if (threads > 1) {
        llama_set_n_threads(llamacpp.context(), 1, 1);
        decode_seconds_one_thread = decode_curve();
        llama_set_n_threads(llamacpp.context(), threads, threads);
    }
    // the line through the short calls (up to 16 tokens), where attention's share is small
    std::vector<double> short_lengths, short_seconds;
    for (std::size_t i = 0; i < lengths.size(); ++i)
        if (lengths[i] <= 16) {
            short_lengths.push_back(lengths[i]);
            short_seconds.push_back(decode_seconds[i]);
        }
    const line_fit decode = fit_line(short_lengths, short_seconds);

    const auto walls = [](const std::vector<pass_time>& passes) {
        std::vector<double> out;
        for (const auto& p : passes) out.push_back(p.wall);
        return out;
    };
    const auto cpus = [](const std::vector<pass_time>& passes) {
        std::vector<double> out;
        for (const auto& p : passes) out.push_back(p.cpu);
        return out;
    };
    const double llamacpp_median = median(walls(llamacpp_passes));
    const double reference_median = median(walls(reference_passes));
    std::vector<double> sorted_ratios = ratios;
    std::sort(sorted_ratios.begin(), sorted_ratios.end());
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(ids_hash(ids)));

    const nlohmann::json out = {
        {"model", hf_dir.string()},
        {"gguf", gguf.string()},
        {"layers", llamacpp.config().num_hidden_layers},
        {"hidden", llamacpp.config().hidden_size},
        {"threads", threads},
        {"samples", samples.size()},
        {"tokens", tokens},
        {"ids_fnv1a", hash},
        {"largest_reward_difference", largest_difference},
        {"rounds", rounds},
        {"llamacpp_pass_seconds", walls(llamacpp_passes)},
        {"llamacpp_pass_cpu_seconds", cpus(llamacpp_passes)},
        {"reference_pass_seconds", walls(reference_passes)},
        {"reference_pass_cpu_seconds", cpus(reference_passes)},
        {"llamacpp_tokens_per_second", static_cast<double>(tokens) / llamacpp_median},
        {"reference_tokens_per_second", static_cast<double>(tokens) / reference_median},
        {"llamacpp_over_reference", ratios},
        {"llamacpp_over_reference_median", median(ratios)},
        {"llamacpp_over_reference_min", sorted_ratios.front()},
        {"llamacpp_over_reference_max", sorted_ratios.back()},
        {"decode_lengths", lengths},
        {"decode_seconds", decode_seconds},
        {"decode_seconds_one_thread", decode_seconds_one_thread},
        {"decode_repeats", decode_repeats},
        {"decode_fixed_seconds", decode.fixed},
        {"decode_seconds_per_token", decode.per_token},
    };
    std::printf("%s\n", out.dump().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_llamacpp_engines: %s\n", e.what());
    return 1;
}
