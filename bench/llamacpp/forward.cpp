// The llama.cpp source's forward pass (cirm/llamacpp/source.hpp) and what the method adds to it:
//   - plain forward: tokens/s through llama.cpp (F32 GGUF, the callback asking for nothing);
//   - the overhead of pins on 2 % of all neurons (last token; all positions) and of collecting
//     every site's last-token activations, as the median over rounds of each variant's time
//     divided by the plain forward's time in the same round (the variants run interleaved, in an
//     order rotated every round, so that drifts of the machine hit all of them alike), and as the
//     ratio of each variant's fastest pass to the plain forward's fastest;
//   - a search trial over llama.cpp's KV cache (score_cached, the last tokens only) against the
//     full forwards it replaces: with the prefixes resident in the KV cache (16 samples, 16 cached
//     sequences), and held in host memory and restored per trial (64 samples, 8 cached sequences:
//     the mode of a search over more samples than llama.cpp has sequences).
//
//   CIRM_BENCH_MODEL=HF_DIR [CIRM_BENCH_GGUF=FILE] CIRM_BENCH_THREADS=2 CIRM_BENCH_ROUNDS=15 \
//     [CIRM_BENCH_CLOCK=wall|cpu] build/bench/bench_llamacpp_forward
// HF_DIR defaults to the bundled model; without CIRM_BENCH_GGUF it is converted to an F32 GGUF in
// the system's temporary folder first. Prints one line per figure.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "../forward_texts.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/source.hpp"
#include "cirm/testing/rng.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t bench_samples = 16;
constexpr std::size_t held_samples = 64;  // more than held_sequences: prefixes held in host memory
constexpr std::size_t held_sequences = 8;

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

double seconds_of(const std::function<void()>& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The CPU time of the whole process (every llama.cpp thread) that `work` takes: unlike the wall
/// clock, it leaves out the time the process waits for a core another program holds.
double cpu_seconds_of(const std::function<void()>& work) {
    const auto now = [] {
        timespec t{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
    };
    const double start = now();
    work();
    return now() - start;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// 2 % of all neurons, spread over every site, pinned to arbitrary values.
cirm::spec two_percent(const cirm::site_layout& layout, cirm::positions mode) {
    cirm::spec s;
    s.positions = mode;
    cirm::testing::splitmix64 rng{7};
    for (std::size_t site = 0; site < layout.size(); ++site) {
        cirm::spec_site ss{layout[site].name, {}, {}, {}};
        for (std::size_t i = 0; i < layout[site].width; ++i)
            if (rng.uniform() < 0.02) {
                ss.indices.push_back(static_cast<std::int64_t>(i));
                ss.values.push_back(static_cast<float>(rng.normal()));
            }
        ss.chosen_by.resize(ss.indices.size());
        if (!ss.indices.empty()) s.sites.push_back(std::move(ss));
    }
    return s;
}

/// A search trial under `pin` over `caches` against the full forwards of `samples` it replaces:
/// medians over `rounds`, and the largest reward difference between the two.
struct trial_timing {
    double cached_s = 0.0, full_s = 0.0, largest_difference = 0.0;
};
trial_timing time_trial(const cirm::llamacpp::reward_model& model,
                        std::span<const cirm::llamacpp::cached_prefix> caches, std::span<const cirm::sample> samples,
                        const cirm::neuron_pin& pin, std::size_t rounds) {
    std::vector<float> cached_rewards(samples.size()), full_rewards(samples.size());
    std::vector<double> cached_s, full_s;
    for (std::size_t r = 0; r < rounds; ++r) {
        cached_s.push_back(seconds_of([&] { model.score_cached(caches, pin, cached_rewards); }));
        full_s.push_back(seconds_of([&] { model.score(samples, pin, full_rewards); }));
    }
    trial_timing t{median(cached_s), median(full_s), 0.0};
    for (std::size_t b = 0; b < samples.size(); ++b)
        t.largest_difference =
            std::max(t.largest_difference, static_cast<double>(std::abs(cached_rewards[b] - full_rewards[b])));
    return t;
}

struct null_sink {
    double sum = 0.0;
    void put(std::size_t, std::size_t, std::span<const float> v) { sum += v.empty() ? 0.0 : v[0]; }
};

}  // namespace

int main() try {
    const fs::path hf_dir = env_or("CIRM_BENCH_MODEL", CIRM_BENCH_BUNDLED_MODEL);
    fs::path gguf = env_or("CIRM_BENCH_GGUF", "");
    if (gguf.empty()) {
        gguf = fs::temp_directory_path() / ("cirm-bench-" + hf_dir.filename().string() + ".gguf");
        cirm::llamacpp::convert_to_gguf(hf_dir, gguf, cirm::llamacpp::gguf_float_type::f32);
    }
    const int threads = std::stoi(env_or("CIRM_BENCH_THREADS", "2"));
    const std::size_t rounds = std::stoul(env_or("CIRM_BENCH_ROUNDS", "15"));
    // CIRM_BENCH_CLOCK=cpu times the overheads in process CPU time (wall time by default)
    const bool cpu_clock = env_or("CIRM_BENCH_CLOCK", "wall") == "cpu";

    cirm::llamacpp::source_options options;
    options.threads = threads;
    options.context = 512;
    options.cached_sequences = bench_samples;
    const cirm::llamacpp::reward_model model(gguf, hf_dir, options);

    const cirm_bench::forward_texts texts(bench_samples);
    const std::vector<cirm::sample>& samples = texts.samples();
    std::size_t tokens = 0;
    for (const auto& s : samples) tokens += model.encode(s).size();
    const auto& layout = model.layout();
    const cirm::neuron_pin pin_last(two_percent(layout, cirm::positions::last_token), layout);
    const cirm::neuron_pin pin_all(two_percent(layout, cirm::positions::all), layout);
    std::vector<float> rewards(bench_samples);
    null_sink sink;

    struct variant {
        const char* name;
        std::function<void()> run;
        std::vector<double> seconds;
    };
    std::vector<variant> variants{
        {"plain", [&] { model.score(samples, cirm::no_intervention{}, rewards); }, {}},
        {"pins at the last token", [&] { model.score(samples, pin_last, rewards); }, {}},
        {"pins at all positions", [&] { model.score(samples, pin_all, rewards); }, {}},
        {"collect every site", [&] { model.collect(samples, sink); }, {}},
    };
    for (auto& v : variants) v.run();  // warm-up: graphs built, buffers allocated
    for (std::size_t r = 0; r < rounds; ++r)
        for (std::size_t k = 0; k < variants.size(); ++k) {
            auto& v = variants[(k + r) % variants.size()];
            v.seconds.push_back(cpu_clock ? cpu_seconds_of(v.run) : seconds_of(v.run));
        }

    std::printf("model %s (%zu layers, hidden %zu), %zu samples, %zu tokens, %d threads, %zu rounds, %s time\n",
                hf_dir.string().c_str(), model.config().num_hidden_layers, model.config().hidden_size, bench_samples,
                tokens, threads, rounds, cpu_clock ? "process CPU" : "wall");
    const double plain = median(variants[0].seconds);
    std::printf("plain forward: %.1f tokens/s (median %.2f ms per batch)\n", static_cast<double>(tokens) / plain,
                plain * 1e3);
    std::printf("pins on %zu neurons (%.2f %% of %zu)\n", pin_last.edited(),
                100.0 * static_cast<double>(pin_last.edited()) / static_cast<double>(layout.neurons()),
                layout.neurons());
    for (std::size_t k = 1; k < variants.size(); ++k) {
        std::vector<double> ratios;
        for (std::size_t r = 0; r < rounds; ++r) ratios.push_back(variants[k].seconds[r] / variants[0].seconds[r]);
        std::sort(ratios.begin(), ratios.end());
        // the machine's noise only adds time, so the fastest passes are the least disturbed ones
        const double fastest = *std::min_element(variants[k].seconds.begin(), variants[k].seconds.end()) /
                               *std::min_element(variants[0].seconds.begin(), variants[0].seconds.end());
        std::printf("%s: overhead %+.2f %% (median of paired ratios; quartiles %+.2f %%, %+.2f %%); fastest passes "
                    "%+.2f %%\n",
                    variants[k].name, 100.0 * (median(ratios) - 1.0), 100.0 * (ratios[rounds / 4] - 1.0),
                    100.0 * (ratios[(3 * rounds) / 4] - 1.0), 100.0 * (fastest - 1.0));
    }

    // a search trial: the last tokens over the cached prefixes vs full forwards, same pin
    const auto caches = model.encode_prefixes(samples);
    const auto resident = time_trial(model, caches, samples, pin_last, rounds);
    std::printf("search trial over the KV cache (%zu samples, prefixes resident): %.3f ms vs %.2f ms full forwards: "
                "%.1fx faster (largest reward difference %.2e)\n",
                bench_samples, resident.cached_s * 1e3, resident.full_s * 1e3, resident.full_s / resident.cached_s,
                resident.largest_difference);

    // the same over more samples than cached sequences: each trial restores the prefixes from host memory
    options.cached_sequences = held_sequences;
    const cirm::llamacpp::reward_model held_model(gguf, hf_dir, options);
    const cirm_bench::forward_texts many_texts(held_samples);
    const std::span<const cirm::sample> many = many_texts.samples();
    const auto held_caches = held_model.encode_prefixes(many);
    std::size_t held_bytes = 0;
    for (const auto& c : held_caches) held_bytes += c.host_bytes();
    const auto held = time_trial(held_model, held_caches, many, pin_last, rounds);
    std::printf("search trial over host-held prefixes (%zu samples, %zu cached sequences, %.1f KiB per prefix): "
                "%.2f ms vs %.2f ms full forwards: %.1fx faster (largest reward difference %.2e)\n",
                held_samples, held_sequences, static_cast<double>(held_bytes) / 1024.0 / held_samples,
                held.cached_s * 1e3, held.full_s * 1e3, held.full_s / held.cached_s, held.largest_difference);
    std::printf("(sink checksum %g)\n", sink.sum);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_llamacpp_forward: %s\n", e.what());
    return 1;
}
