// Uses the installed cirm::torch headers: pins a neuron of a [tokens × width] CPU tensor with a
// spec read from JSON. Exits non-zero on any mismatch.
#include <cstdio>

#include <torch/torch.h>

#include <cirm/cirm.hpp>
#include <cirm/io/spec_json.hpp>
#include <cirm/libtorch/intervene.hpp>

int main() {
    const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
    const auto spec = cirm::spec_from_json(R"({"format": "cirm-spec", "version": 1,
        "sites": [{"name": "model.layers.0.mlp.up_proj", "neurons": [{"index": 2, "value": 0.5}]}]})");
    const cirm::neuron_pin pin(spec, layout);
    torch::NoGradGuard no_grad;
    auto activations = torch::ones({3, 4});
    cirm::libtorch::apply(pin, layout, 0, activations);
    if (activations[2][2].item<float>() != 0.5f || activations.sum().item<float>() != 11.5f) return 1;
    std::puts("torch consumer: ok");
    return 0;
}
