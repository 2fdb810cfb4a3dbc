// Localization statistics against peers: the Spearman table (ranks, ρ
// against 5 attributes, medians, means) of N = 1000 samples × M neurons, against its floor, one
// streaming pass summing the same matrix, measured in the same run with the same thread count.
//
// The data come from a counter-based generator (element (s, n) depends only on s·M + n), written
// so that bench/peers/localization.py makes the very same matrix with numpy:
//   z = mix(i · 0x9E3779B97F4A7C15 + seed), mix = splitmix64's finaliser, i = s·M + n;
//   v = (Σ of z's four 16-bit fields − 131070) / 37837  (Irwin–Hall: about normal, σ ≈ 1);
//   every third neuron (n % 3 == 0) is trunc(2v): a handful of values, heavy ties; the others
//   are float(v), whose 2^18 levels still give a few ties per column.
//   Attributes: (mix((s·5 + b) · 0x9E3779B97F4A7C15 + 0xA77A) >> 11) % 50, heavily tied.
//
// Two higher floors, for what ranking columns of a sample-major matrix costs at the least:
// transpose_floor only copies the columns out of the matrix (blocks of 32 columns, the way
// spearman_table reads them) and touches each block once; rank_floor does that and then the least
// work an exact rank by distribution needs per column, and nothing more: find the column's
// minimum and maximum, bucket every value into 2n buckets over that range, count the buckets,
// take their prefix sums and scatter every sample index to its bucket's next slot (a one-pass
// counting sort). It resolves no bucket holding more than one value and computes no rank,
// correlation or median, so any exact ranking by bucketing costs more than it.
//
// Modes:
//   bench_localization [--sizes=100000,705536,1376256] [--reps=3,3,1] [google-benchmark flags]
//       timings: floor_sum, transpose_floor, rank_floor and spearman_table (/M/threads) for
//       threads 1 and 2, each repeated (one repetition count per size; the last one holds for
//       the sizes after it).
//   bench_localization --single=M [--threads=2]
//       one spearman_table in a fresh process: prints the peak RSS (getrusage ru_maxrss) minus
//       the RSS before the matrix existed, against the matrix's N·M·4 bytes, and checksums of
//       the table that the numpy peer prints too (same data, same results).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cirm/stats/spearman.hpp"

namespace {
constexpr std::size_t samples = 1000;
constexpr std::size_t attributes = 5;
constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t activation_seed = 0x5EED0001ull;
constexpr std::uint64_t attribute_seed = 0xA77Aull;

std::uint64_t mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float activation(std::uint64_t index, bool tied) noexcept {
    const std::uint64_t z = mix(index * golden + activation_seed);
    const std::uint64_t sum = (z & 0xffff) + ((z >> 16) & 0xffff) + ((z >> 32) & 0xffff) + (z >> 48);
    const double v = (static_cast<double>(sum) - 131070.0) / 37837.0;
    return tied ? static_cast<float>(std::trunc(2.0 * v)) : static_cast<float>(v);
}

struct localization_data {
    std::size_t neurons = 0;
    std::vector<float> acts;    // samples × neurons, sample-major
    std::vector<double> attrs;  // samples × attributes

    void make(std::size_t m, unsigned threads) {
        neurons = m;
        acts = {};  // free the old matrix before the new one exists
        acts.resize(samples * m);
        attrs.resize(samples * attributes);
        auto rows = [&](std::size_t first, std::size_t last) {
            for (std::size_t s = first; s < last; ++s) {
                float* row = acts.data() + s * m;
                const std::uint64_t base = s * m;
                for (std::size_t n = 0; n < m; ++n) row[n] = activation(base + n, n % 3 == 0);
            }
        };
        std::vector<std::jthread> workers;
        for (unsigned t = 1; t < threads; ++t)
            workers.emplace_back(rows, samples * t / threads, samples * (t + 1) / threads);
        rows(0, samples / threads);
        for (std::size_t i = 0; i < attrs.size(); ++i)
            attrs[i] = static_cast<double>((mix(i * golden + attribute_seed) >> 11) % 50);
    }
};

localization_data& data_for(std::size_t m) {
    static localization_data d;
    if (d.neurons != m) d.make(m, 2);
    return d;
}

const std::vector<std::string> attribute_names{"length", "paragraphs", "overlap", "exclamation", "bold"};

/// The floor: one pass summing every float of the matrix, in double, split over `threads`
/// contiguous ranges. Eight independent accumulators keep it bound by memory bandwidth rather
/// than by the latency of one chain of additions.
double floor_sum(const float* values, std::size_t count, unsigned threads) {
    auto range_sum = [](const float* p, std::size_t n) {
        double acc[8] = {};
        const std::size_t whole = n - n % 8;
        for (std::size_t i = 0; i < whole; i += 8)
            for (std::size_t j = 0; j < 8; ++j) acc[j] += static_cast<double>(p[i + j]);
        for (std::size_t i = whole; i < n; ++i) acc[0] += static_cast<double>(p[i]);
        return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    };
    std::vector<double> partial(threads, 0.0);
    {
        std::vector<std::jthread> workers;
        for (unsigned t = 1; t < threads; ++t)
            workers.emplace_back([&, t] {
                const std::size_t first = count * t / threads, last = count * (t + 1) / threads;
                partial[t] = range_sum(values + first, last - first);
            });
        partial[0] = range_sum(values, count / threads);
    }
    double sum = 0.0;
    for (double p : partial) sum += p;
    return sum;
}

/// rank_floor (see the file comment): a one-pass counting sort of every column by its 2n value
/// buckets, columns split over `threads` in blocks of 32; with `sort` false, transpose_floor: the
/// blocks' copy alone. Returns a checksum so that nothing is optimised away.
std::uint64_t rank_floor(const float* values, std::size_t n, std::size_t m, unsigned threads, bool sort = true) {
    constexpr std::size_t block = 32;
    auto columns = [&](std::size_t first, std::size_t last) {
        const std::size_t buckets = 2 * n;
        std::vector<float> scratch(block * n);
        std::vector<std::uint32_t> key(n), count(buckets + 1), order(n);
        std::uint64_t check = 0;
        for (std::size_t c0 = first; c0 < last; c0 += block) {
            const std::size_t width = std::min(block, last - c0);
            for (std::size_t s = 0; s < n; ++s) {  // the block, column-major
                const float* row = values + s * m + c0;
                for (std::size_t j = 0; j < width; ++j) scratch[j * n + s] = row[j];
            }
            if (!sort) {
                check += static_cast<std::uint64_t>(scratch[0] + scratch[width * n - 1]);
                continue;
            }
            for (std::size_t j = 0; j < width; ++j) {
                const float* col = scratch.data() + j * n;
                float lo = col[0], hi = col[0];
                for (std::size_t s = 1; s < n; ++s) lo = std::min(lo, col[s]), hi = std::max(hi, col[s]);
                const double scale = hi > lo ? static_cast<double>(buckets - 1) / (static_cast<double>(hi) - lo) : 0.0;
                for (std::size_t s = 0; s < n; ++s)
                    key[s] = static_cast<std::uint32_t>((static_cast<double>(col[s]) - lo) * scale);
                std::fill(count.begin(), count.end(), 0u);
                for (std::size_t s = 0; s < n; ++s) ++count[key[s] + 1];
                for (std::size_t b = 1; b <= buckets; ++b) count[b] += count[b - 1];
                for (std::size_t s = 0; s < n; ++s) order[count[key[s]]++] = static_cast<std::uint32_t>(s);
                check += order[n / 2];
            }
        }
        return check;
    };
    std::vector<std::uint64_t> partial(threads, 0);
    {
        std::vector<std::jthread> workers;
        for (unsigned t = 1; t < threads; ++t)
            workers.emplace_back([&, t] { partial[t] = columns(m * t / threads, m * (t + 1) / threads); });
        partial[0] = columns(0, m / threads);
    }
    std::uint64_t sum = 0;
    for (auto p : partial) sum += p;
    return sum;
}

void bench_rank_floor(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    const auto& d = data_for(m);
    for (auto _ : state) benchmark::DoNotOptimize(rank_floor(d.acts.data(), samples, m, threads));
}

void bench_transpose_floor(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    const auto& d = data_for(m);
    for (auto _ : state) benchmark::DoNotOptimize(rank_floor(d.acts.data(), samples, m, threads, false));
}

void bench_floor(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    const auto& d = data_for(m);
    for (auto _ : state) benchmark::DoNotOptimize(floor_sum(d.acts.data(), d.acts.size(), threads));
    state.counters["GB/s"] = benchmark::Counter(static_cast<double>(d.acts.size() * sizeof(float)) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void bench_spearman(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    const auto& d = data_for(m);
    for (auto _ : state) {
        auto t =
            cirm::spearman_table(d.acts.data(), samples, m, m, d.attrs.data(), attributes, attribute_names, threads);
        benchmark::DoNotOptimize(t.rho.data());
    }
    state.counters["neurons/s"] =
        benchmark::Counter(static_cast<double>(m), benchmark::Counter::kIsIterationInvariantRate);
}

/// Resident set size now, from /proc/self/statm, in bytes.
double current_rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double peak_rss_bytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
}

int single_run(std::size_t m, unsigned threads) {
    const double baseline = current_rss_bytes();
    const double peak_before = peak_rss_bytes();
    localization_data d;
    d.make(m, threads);
    const auto start = std::chrono::steady_clock::now();
    const auto table =
        cirm::spearman_table(d.acts.data(), samples, m, m, d.attrs.data(), attributes, attribute_names, threads);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double peak = peak_rss_bytes();
    const double matrix = static_cast<double>(samples * m * sizeof(float));

    double rho_sum = 0.0, rho_abs = 0.0, median_sum = 0.0, data_sum = 0.0;
    for (double r : table.rho) rho_sum += r, rho_abs += std::fabs(r);
    for (float v : table.median) median_sum += static_cast<double>(v);
    for (float v : d.acts) data_sum += static_cast<double>(v);
    std::size_t constant = 0;
    for (auto c : table.constant) constant += c;
    std::printf("{\"neurons\": %zu, \"samples\": %zu, \"threads\": %u, \"seconds\": %.3f,\n", m, samples, threads,
                seconds);
    std::printf(
        " \"rss_before_matrix_bytes\": %.0f, \"peak_rss_bytes\": %.0f, \"peak_rss_before_matrix_bytes\": %.0f,\n",
        baseline, peak, peak_before);
    std::printf(" \"matrix_bytes\": %.0f, \"peak_over_matrix\": %.4f,\n", matrix, (peak - baseline) / matrix);
    std::printf(
        " \"checksum\": {\"data_sum\": %.6e, \"rho_sum\": %.6f, \"rho_abs_sum\": %.6f, \"median_sum\": %.6f, \"constant\": %zu}}\n",
        data_sum, rho_sum, rho_abs, median_sum, constant);
    return 0;
}

std::vector<std::size_t> parse_sizes(const std::string& list) {
    std::vector<std::size_t> sizes;
    std::size_t pos = 0;
    while (pos < list.size()) {
        const std::size_t comma = list.find(',', pos);
        sizes.push_back(std::stoul(list.substr(pos, comma - pos)));
        pos = comma == std::string::npos ? list.size() : comma + 1;
    }
    return sizes;
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes{100'000, 705'536, 1'376'256};
    std::vector<std::size_t> reps{3};
    std::size_t single = 0;
    unsigned single_threads = 2;
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--sizes=", 0) == 0)
            sizes = parse_sizes(arg.substr(8));
        else if (arg.rfind("--reps=", 0) == 0)
            reps = parse_sizes(arg.substr(7));
        else if (arg.rfind("--single=", 0) == 0)
            single = std::stoul(arg.substr(9));
        else if (arg.rfind("--threads=", 0) == 0)
            single_threads = static_cast<unsigned>(std::stoul(arg.substr(10)));
        else
            rest.push_back(argv[i]);
    }
    if (single != 0) return single_run(single, single_threads);

    // Grouped by size, so that each matrix is made once; Google Benchmark runs them in this order.
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        const auto n = static_cast<std::int64_t>(sizes[i]);
        const auto repetitions = static_cast<int>(reps[std::min(i, reps.size() - 1)]);
        for (std::int64_t threads : {1, 2})
            benchmark::RegisterBenchmark("floor_sum", bench_floor)
                ->Args({n, threads})
                ->Unit(benchmark::kMillisecond)
                ->MinTime(0.3)
                ->Repetitions(repetitions)
                ->UseRealTime();
        for (std::int64_t threads : {1, 2})
            benchmark::RegisterBenchmark("transpose_floor", bench_transpose_floor)
                ->Args({n, threads})
                ->Unit(benchmark::kMillisecond)
                ->Iterations(1)
                ->Repetitions(repetitions)
                ->UseRealTime();
        for (std::int64_t threads : {1, 2})
            benchmark::RegisterBenchmark("rank_floor", bench_rank_floor)
                ->Args({n, threads})
                ->Unit(benchmark::kMillisecond)
                ->Iterations(1)
                ->Repetitions(repetitions)
                ->UseRealTime();
        for (std::int64_t threads : {1, 2})
            benchmark::RegisterBenchmark("spearman_table", bench_spearman)
                ->Args({n, threads})
                ->Unit(benchmark::kMillisecond)
                ->Iterations(1)
                ->Repetitions(repetitions)
                ->UseRealTime();
    }
    int bench_argc = static_cast<int>(rest.size());
    benchmark::Initialize(&bench_argc, rest.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
