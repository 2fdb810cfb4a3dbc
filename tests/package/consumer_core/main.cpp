// Uses the installed headers of cirm::core and cirm::cpu_raw, built where neither Eigen nor
// xtensor can be found: pins a neuron of a plain row-major buffer with a spec read from JSON and
// reads the last token back. Exits non-zero on any mismatch.
#include <array>
#include <cstdio>
#include <vector>

#include <cirm/cirm.hpp>
#include <cirm/cpu/raw.hpp>
#include <cirm/io/spec_json.hpp>

int main() {
    const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
    const auto spec = cirm::spec_from_json(R"({"format": "cirm-spec", "version": 1,
        "sites": [{"name": "model.layers.0.mlp.up_proj", "neurons": [{"index": 2, "value": 0.5}]}]})");
    const cirm::neuron_pin pin(spec, layout);
    std::vector<float> activations(3 * 4, 1.0f);  // 3 tokens × 4 neurons, row-major
    pin.apply(0, cirm::cpu::view(activations.data(), 3, 4, 4));
    std::array<float, 4> last{};
    cirm::cpu::gather_last_token(cirm::cpu::view(static_cast<const float*>(activations.data()), 3, 4, 4),
                                 std::span<float>(last));
    if (last != std::array<float, 4>{1.0f, 1.0f, 0.5f, 1.0f} || activations[0 * 4 + 2] != 1.0f) return 1;
    std::puts("core consumer: ok");
    return 0;
}
