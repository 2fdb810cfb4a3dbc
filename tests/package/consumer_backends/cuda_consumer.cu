// Uses the installed cirm::cuda headers from a .cu file: describes a device buffer, uploads a
// spec and pins it where a GPU is present; without one it checks the host side only.
#include <cstdio>

#include <cirm/cuda/cuda.cuh>
#include <cirm/cuda/define_compiled_launchers.cuh>

int main() {
    if (cirm::cuda::device_count() == 0) {
        // host side only: the view checks run without a device
        try {
            (void)cirm::cuda::make_device_view(nullptr, cirm::dtype::f16, 2, 4, 4);
            return 1;
        } catch (const cirm::error&) {
        }
        std::puts("cuda consumer: ok (no GPU here: built, device part not run)");
        return 0;
    }
    const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
    cirm::spec spec;
    spec.sites = {{"model.layers.0.mlp.up_proj", {2}, {0.5f}, {}}};
    const cirm::cuda::device_pin pin(spec, layout);
    std::vector<float> host(12, 1.0f);
    cirm::cuda::device_buffer<float> device(std::span<const float>(host), "activations");
    cirm::cuda::apply(pin, 0, cirm::cuda::make_device_view(device.data(), cirm::dtype::f32, 3, 4, 4), nullptr);
    device.copy_to(host, "activations");
    if (host[2 * 4 + 2] != 0.5f || host[0 * 4 + 2] != 1.0f) return 1;
    std::puts("cuda consumer: ok");
    return 0;
}
