// Localization statistics: the Spearman table (ranks, ρ against 5 attributes, medians, means)
// against its floor, one streaming pass summing the same matrix. Random activations with ties
// (a third of the columns take few distinct values).
//
//   build/bench/bench_localization --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "cirm/stats/spearman.hpp"
#include "support/testing_rng.hpp"

namespace {
constexpr std::size_t samples = 1000;
constexpr std::size_t attributes = 5;

struct fixture_data {
    std::vector<float> acts;
    std::vector<double> attrs;
    std::size_t neurons;
    explicit fixture_data(std::size_t m) : acts(samples * m), attrs(samples * attributes), neurons(m) {
        cirm::testing::splitmix64 rng{42};
        for (std::size_t s = 0; s < samples; ++s)
            for (std::size_t n = 0; n < m; ++n) {
                const double v = rng.normal();
                acts[s * m + n] = n % 3 == 0 ? static_cast<float>(static_cast<int>(v * 2)) : static_cast<float>(v);
            }
        for (auto& a : attrs) a = static_cast<double>(rng.below(50));
    }
};

const fixture_data& data_for(std::size_t m) {
    static fixture_data d(m);
    if (d.neurons != m) d = fixture_data(m);
    return d;
}

void spearman_table(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    const auto& d = data_for(m);
    const std::vector<std::string> names{"a", "b", "c", "d", "e"};
    for (auto _ : state) {
        auto t = cirm::spearman_table(d.acts.data(), samples, m, m, d.attrs.data(), attributes, names, threads);
        benchmark::DoNotOptimize(t.rho.data());
    }
    state.counters["neurons/s"] = benchmark::Counter(static_cast<double>(m), benchmark::Counter::kIsIterationInvariantRate);
}

void streaming_sum(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0));
    const auto& d = data_for(m);
    for (auto _ : state) {
        double sum = 0.0;
        for (float v : d.acts) sum += v;
        benchmark::DoNotOptimize(sum);
    }
    state.counters["neurons/s"] = benchmark::Counter(static_cast<double>(m), benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace

BENCHMARK(streaming_sum)->Args({100'000})->Unit(benchmark::kMillisecond);
BENCHMARK(spearman_table)->Args({100'000, 1})->Args({100'000, 2})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
