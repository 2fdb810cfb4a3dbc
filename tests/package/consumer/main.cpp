// Uses the installed headers of cirm::core and cirm::cpu the way an engine would: pins a
// neuron of an Eigen activation matrix with a spec read from JSON. Exits non-zero on any mismatch.
#include <cstdio>

#include <Eigen/Core>

#include <cirm/cirm.hpp>
#include <cirm/cpu/eigen.hpp>
#include <cirm/io/spec_json.hpp>

int main() {
    const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
    const auto spec = cirm::spec_from_json(R"({"format": "cirm-spec", "version": 1,
        "sites": [{"name": "model.layers.0.mlp.up_proj", "neurons": [{"index": 2, "value": 0.5}]}]})");
    const cirm::neuron_pin pin(spec, layout);
    Eigen::MatrixXf activations = Eigen::MatrixXf::Ones(3, 4);  // 3 tokens × 4 neurons
    pin.apply(0, cirm::cpu::view(activations));
    if (activations(2, 2) != 0.5f || activations.sum() != 11.5f) return 1;
    std::puts("consumer: ok");
    return 0;
}
