// The reference engine's forward pass (bench/peers/torch_forward.py is the PyTorch peer on the
// same model, texts and thread count):
//   - full forward, no intervention: tokens/s;
//   - the same with 2 % of all neurons pinned at the last token, and at every position, and
//     the pins' own work measured alone (the intervention overhead);
//   - the last token scored over a prefix cache vs the full forward (what a k-search trial costs).
//
//   CIRM_BENCH_MODEL=DIR CIRM_BENCH_THREADS=2 [CIRM_BENCH_SAMPLES=16] build/bench/bench_reference_forward
// DIR defaults to the small test model in tests/fixtures/reference; bench/run-reference makes
// the 4-layer d=512 model and runs this program and the peer side by side.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/reference/reference.hpp"
#include "cirm/testing/rng.hpp"
#include "forward_texts.hpp"

namespace {
/// Samples per batch: CIRM_BENCH_SAMPLES, default 16 (fewer for the large models).
std::size_t bench_samples() {
    const char* n = std::getenv("CIRM_BENCH_SAMPLES");
    return n ? std::strtoul(n, nullptr, 10) : 16;
}

struct bench_setup {
    std::unique_ptr<cirm::reference::llama_reward_model> model;
    const cirm_bench::forward_texts texts{bench_samples()};  // the texts of every forward benchmark
    const std::vector<cirm::sample>& samples = texts.samples();
    std::size_t tokens = 0;
    std::unique_ptr<cirm::neuron_pin> pin_last, pin_all;

    bench_setup() {
        const char* dir = std::getenv("CIRM_BENCH_MODEL");
        model = std::make_unique<cirm::reference::llama_reward_model>(dir ? dir : CIRM_BENCH_DEFAULT_MODEL);
        if (const char* t = std::getenv("CIRM_BENCH_THREADS")) model->set_threads(std::strtoul(t, nullptr, 10));
        for (const auto& sample : samples) tokens += model->encode(sample).size();
        // 2 % of all neurons, spread over every site, pinned to arbitrary values
        cirm::spec s;
        cirm::testing::splitmix64 rng{7};
        const auto& layout = model->layout();
        for (std::size_t site = 0; site < layout.size(); ++site) {
            cirm::spec_site ss{layout[site].name, {}, {}, {}};
            for (std::size_t i = 0; i < layout[site].width; ++i)
                if (rng.uniform() < 0.02) {
                    ss.indices.push_back(static_cast<std::int64_t>(i));
                    ss.values.push_back(static_cast<float>(rng.normal()));
                }
            if (!ss.indices.empty()) s.sites.push_back(std::move(ss));
        }
        pin_last = std::make_unique<cirm::neuron_pin>(s, layout);
        s.positions = cirm::positions::all;
        pin_all = std::make_unique<cirm::neuron_pin>(s, layout);
    }
};

bench_setup& setup() {
    static bench_setup s;
    return s;
}

template <class I>
void run_full(benchmark::State& state, const I& intervention) {
    auto& s = setup();
    std::vector<float> rewards(s.samples.size());
    for (auto _ : state) {
        s.model->score(s.samples, intervention, rewards);
        benchmark::DoNotOptimize(rewards.data());
    }
    state.counters["tokens/s"] =
        benchmark::Counter(static_cast<double>(s.tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["threads"] = static_cast<double>(s.model->threads());
}

void full_forward(benchmark::State& state) { run_full(state, cirm::no_intervention{}); }
void full_forward_pin2pct_last(benchmark::State& state) { run_full(state, *setup().pin_last); }
void full_forward_pin2pct_all(benchmark::State& state) { run_full(state, *setup().pin_all); }

// The work a 2 % pin adds to one full forward of the batch, measured alone (the end-to-end
// difference is below this machine's timing noise): apply at every site, to buffers shaped like
// the sites' outputs, for every sample — at the last token only, or at every position.
void pin_apply_only(benchmark::State& state, const cirm::neuron_pin& pin) {
    auto& s = setup();
    const auto& layout = s.model->layout();
    std::size_t widest = 0;
    for (const auto& site : layout.sites()) widest = std::max(widest, site.width);
    std::vector<std::size_t> tokens;
    for (const auto& x : s.samples) tokens.push_back(s.model->encode(x).size());
    std::vector<float> buffer(cirm_bench::forward_text_bytes * 2 * widest, 1.0f);
    for (auto _ : state) {
        for (std::size_t t : tokens)
            for (std::size_t site = 0; site < layout.size(); ++site)
                if (pin.touches(site)) pin.apply(site, cirm::make_view(buffer.data(), t, layout[site].width));
        benchmark::DoNotOptimize(buffer.data());
    }
}
void pin_apply_only_2pct_last(benchmark::State& state) { pin_apply_only(state, *setup().pin_last); }
void pin_apply_only_2pct_all(benchmark::State& state) { pin_apply_only(state, *setup().pin_all); }

void cached_last_token_pin2pct(benchmark::State& state) {
    auto& s = setup();
    const auto caches = s.model->encode_prefixes(s.samples);
    std::vector<float> rewards(s.samples.size());
    for (auto _ : state) {
        s.model->score_cached(caches, *s.pin_last, rewards);
        benchmark::DoNotOptimize(rewards.data());
    }
    state.counters["samples/s"] =
        benchmark::Counter(static_cast<double>(s.samples.size()), benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace

BENCHMARK(full_forward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(full_forward_pin2pct_last)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(full_forward_pin2pct_all)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(pin_apply_only_2pct_last)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(pin_apply_only_2pct_all)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(cached_last_token_pin2pct)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
