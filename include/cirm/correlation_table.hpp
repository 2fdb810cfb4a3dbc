#pragma once
/// \file
/// The result of localization's statistics (docs/method.md §5 steps 2 and 5): for every neuron of a
/// site layout, its Spearman ρ against every bias attribute, whether its activations were
/// constant, and its median and mean over the validation samples.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cirm {

struct correlation_table {
    std::vector<std::string> attributes;           ///< column names, in order
    std::size_t neurons = 0;                       ///< rows: flat neuron indices of a site_layout
    std::size_t samples = 0;                       ///< validation samples the statistics are over
    std::vector<double> rho;                       ///< neurons × attributes, row-major: rho[n * A + b]
    std::vector<std::uint8_t> constant;            ///< per neuron: 1 if its activations had zero variance (ρ = 0)
    std::vector<std::uint8_t> attribute_constant;  ///< per attribute: 1 if it was constant over the samples (ρ = 0)
    std::vector<float> median;                     ///< per neuron (even counts: mean of the two middle values)
    std::vector<float> mean;                       ///< per neuron

    std::size_t biases() const noexcept { return attributes.size(); }
    double at(std::size_t neuron, std::size_t bias) const noexcept { return rho[neuron * attributes.size() + bias]; }
};

}  // namespace cirm
