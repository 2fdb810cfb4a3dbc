// A minimal CUDA "engine" that owns its device buffers and calls cirm's hook: one site
// (model.layers.0.mlp.up_proj, width 8) of a batch of 2 right-padded sequences × 5 tokens in
// half precision. A spec is uploaded once (cirm::cuda::device_pin); every forward pass then pins
// the site at each sequence's last token on the engine's stream and gathers the last-token
// activations, with no allocation and no synchronization in between.
//
// Needs an NVIDIA GPU; without one it says so and exits 77 (skipped).
#include <cstdint>
#include <cstdio>
#include <vector>

#include <cuda_runtime.h>

#include "cirm/cuda/cuda.cuh"
#include "cirm/spec.hpp"

namespace {

constexpr std::size_t batch = 2, tokens = 5, width = 8;

/// The engine: device buffers it owns, a stream, and a forward pass with a hook after the projection.
class toy_engine {
public:
    toy_engine()
        : activations_(batch * tokens * width, "the engine's activations"),
          last_(std::vector<std::int64_t>{2, 4}, "the engine's last positions") {
        cirm::cuda::check(cudaStreamCreate(&stream_), "cudaStreamCreate");
    }
    ~toy_engine() { (void)cudaStreamDestroy(stream_); }
    toy_engine(const toy_engine&) = delete;
    toy_engine& operator=(const toy_engine&) = delete;

    /// "Runs the projection" (fills the site with b + r/10 + i/100), then calls hook(site, view, last).
    template <class Hook>
    void forward(Hook&& hook) {
        std::vector<cirm::float16> host(activations_.size());
        for (std::size_t b = 0; b < batch; ++b)
            for (std::size_t r = 0; r < tokens; ++r)
                for (std::size_t i = 0; i < width; ++i)
                    host[(b * tokens + r) * width + i] = cirm::float16(
                        static_cast<float>(b) + 0.1f * static_cast<float>(r) + 0.01f * static_cast<float>(i));
        cirm::cuda::check(cudaMemcpyAsync(activations_.data(), host.data(), host.size() * sizeof(cirm::float16),
                                          cudaMemcpyHostToDevice, stream_),
                          "upload of the toy activations");
        const auto view = cirm::cuda::make_device_batch_view(activations_.data(), cirm::dtype::f16, batch, tokens,
                                                             width, static_cast<std::ptrdiff_t>(tokens * width),
                                                             static_cast<std::ptrdiff_t>(width));
        hook(std::size_t{0}, view, last_.data());
        cirm::cuda::check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");  // the engine's own end of pass
    }
    cudaStream_t stream() const { return stream_; }

private:
    cirm::cuda::device_buffer<cirm::float16> activations_;
    cirm::cuda::device_buffer<std::int64_t> last_;
    cudaStream_t stream_ = nullptr;
};

}  // namespace

int main() {
    if (cirm::cuda::device_count() == 0) {
        std::puts("cuda_pin: no CUDA device here; this example needs an NVIDIA GPU (skipped)");
        return 77;
    }
    try {
        const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, width}});
        cirm::spec spec;
        spec.sites = {{"model.layers.0.mlp.up_proj", {1, 5}, {0.25f, -1.0f}, {}}};
        const cirm::cuda::device_pin pin(spec, layout);  // uploaded once
        cirm::cuda::device_collection collected(layout, batch);

        toy_engine engine;
        engine.forward([&](std::size_t site, const cirm::cuda::device_view& view, const std::int64_t* last) {
            cirm::cuda::apply(pin, site, view, engine.stream(), last);
            cirm::cuda::gather_last_tokens(view, collected, 0, site, engine.stream(), last);
        });

        cirm::activation_store store(layout, batch);
        collected.copy_to(store);
        for (std::size_t b = 0; b < batch; ++b) {
            std::printf("sequence %zu, last token:", b);
            for (std::size_t i = 0; i < width; ++i) std::printf(" %.3f", static_cast<double>(store.at(b, i)));
            std::printf("\n");
        }
        // neurons 1 and 5 of every sequence's last token are pinned
        const bool ok = store.at(0, 1) == 0.25f && store.at(1, 5) == -1.0f;
        std::puts(ok ? "cuda_pin: ok" : "cuda_pin: pinned values are wrong");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cuda_pin: %s\n", e.what());
        return 1;
    }
}
