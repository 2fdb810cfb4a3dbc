// Times the CUDA pins on a [batch × tokens × 4096] bfloat16 buffer, one site: a spec pinning
// 2 % of the neurons and one pinning 5 directions, at the last token and at every position, per
// launch (CUDA events around each of many launches; the median), against a device-to-device copy
// of the same buffer as the floor. Prints the card's name and a table with the goals: a
// last-token pin within 10 µs per site and batch, an all-positions pin within 2× the copy.
//
//   cirm_pin_timing [--batch B] [--tokens T] [--launches N]
//
// Exit status: 0 when every goal is met, 3 when one is not, 77 without a CUDA device, 1 on error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "cirm/cuda/cuda.cuh"
#include "cirm/spec.hpp"
#include "conformance_cases.hpp"

namespace {

constexpr std::size_t width = 4096;

struct options {
    std::size_t batch = 8, tokens = 512, launches = 200;
};

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        const auto value = static_cast<std::size_t>(std::strtoull(argv[i + 1], nullptr, 10));
        if (value == 0) throw cirm::error("option " + name + " needs a positive number");
        if (name == "--batch")
            o.batch = value;
        else if (name == "--tokens")
            o.tokens = value;
        else if (name == "--launches")
            o.launches = value;
        else
            throw cirm::error("unknown option " + name);
    }
    return o;
}

/// Median of the per-launch times (µs) of `launch`, each between two events on `stream`.
template <class Launch>
double median_us(cudaStream_t stream, std::size_t launches, Launch&& launch) {
    for (int warm = 0; warm < 5; ++warm) launch();
    std::vector<cudaEvent_t> start(launches), stop(launches);
    for (std::size_t i = 0; i < launches; ++i) {
        cirm::cuda::check(cudaEventCreate(&start[i]), "cudaEventCreate");
        cirm::cuda::check(cudaEventCreate(&stop[i]), "cudaEventCreate");
    }
    for (std::size_t i = 0; i < launches; ++i) {
        cirm::cuda::check(cudaEventRecord(start[i], stream), "cudaEventRecord");
        launch();
        cirm::cuda::check(cudaEventRecord(stop[i], stream), "cudaEventRecord");
    }
    cirm::cuda::check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    std::vector<double> us(launches);
    for (std::size_t i = 0; i < launches; ++i) {
        float ms = 0.0f;
        cirm::cuda::check(cudaEventElapsedTime(&ms, start[i], stop[i]), "cudaEventElapsedTime");
        us[i] = 1000.0 * ms;
        (void)cudaEventDestroy(start[i]);
        (void)cudaEventDestroy(stop[i]);
    }
    std::nth_element(us.begin(), us.begin() + static_cast<std::ptrdiff_t>(launches / 2), us.end());
    return us[launches / 2];
}

int run(const options& o) {
    if (cirm::cuda::device_count() == 0) {
        std::printf("skipped: no CUDA device here (cudaGetDeviceCount found none)\n");
        return 77;
    }
    cudaDeviceProp properties{};
    cirm::cuda::check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
    std::printf("card: %s (compute capability %d.%d)\n", properties.name, properties.major, properties.minor);

    const cirm::site_layout layout{{{"model.layers.0.mlp.down_proj", 0, cirm::module_kind::down_proj, width}}};
    std::mt19937 random(4096);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    cirm::spec neurons;  // 2 % of the neurons, spread over the row
    neurons.sites.push_back(cirm::spec_site{layout[0].name, {}, {}, {}, {}});
    for (std::size_t i = 0; i < width; i += 50) {
        neurons.sites[0].indices.push_back(static_cast<std::int64_t>(i));
        neurons.sites[0].values.push_back(value(random));
    }
    cirm::spec directions;
    directions.sites.push_back(cirm::spec_site{layout[0].name, {}, {}, {}, {}});
    for (auto& u : conformance::orthonormal_vectors(5, width, random))
        directions.sites[0].directions.push_back({"", value(random), std::move(u)});

    const std::size_t elements = o.batch * o.tokens * width;
    std::vector<cirm::bfloat16> host(elements);
    std::normal_distribution<float> activation(0.0f, 1.0f);
    for (auto& x : host) x = cirm::bfloat16(activation(random));
    cirm::cuda::device_buffer<cirm::bfloat16> buffer(std::span<const cirm::bfloat16>(host), "the activations");
    cirm::cuda::device_buffer<cirm::bfloat16> copy(elements, "the copy");
    const auto view = cirm::cuda::make_device_batch_view(buffer.data(), cirm::dtype::bf16, o.batch, o.tokens, width,
                                                         static_cast<std::ptrdiff_t>(o.tokens * width),
                                                         static_cast<std::ptrdiff_t>(width));
    cudaStream_t stream = nullptr;
    cirm::cuda::check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");

    const double floor = median_us(stream, o.launches, [&] {
        cirm::cuda::check(cudaMemcpyAsync(copy.data(), buffer.data(), elements * sizeof(cirm::bfloat16),
                                          cudaMemcpyDeviceToDevice, stream),
                          "cudaMemcpyAsync");
    });
    std::printf("buffer: %zu × %zu × %zu bfloat16 (%.1f MiB), %zu launches each, median per launch\n", o.batch,
                o.tokens, width, static_cast<double>(elements * 2) / (1 << 20), o.launches);
    std::printf("| measure | µs per launch | goal | met |\n|---|---|---|---|\n");
    std::printf("| device-to-device copy of the buffer (floor) | %.2f | | |\n", floor);
    bool all_met = true;
    for (const bool with_directions : {false, true})
        for (const cirm::positions mode : {cirm::positions::last_token, cirm::positions::all}) {
            cirm::spec s = with_directions ? directions : neurons;
            s.positions = mode;
            const cirm::cuda::device_pin pin(s, layout);  // uploaded once, outside the timed launches
            const double us = median_us(stream, o.launches, [&] { cirm::cuda::apply(pin, 0, view, stream); });
            const bool last = mode == cirm::positions::last_token;
            const double goal = last ? 10.0 : 2.0 * floor;
            const bool met = us <= goal;
            all_met = all_met && met;
            std::printf(
                "| %s, %s | %.2f | ≤ %.2f%s | %s |\n", with_directions ? "5 directions" : "2 % of the neurons (82)",
                last ? "last token" : "every position", us, goal, last ? "" : " (2× copy)", met ? "yes" : "**no**");
        }
    cirm::cuda::check(cudaStreamDestroy(stream), "cudaStreamDestroy");
    return all_met ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cirm_pin_timing: %s\n", e.what());
        return 1;
    }
}
