#pragma once
/// \file
/// What a NeuronSelector returns: the neurons to edit (flat indices of a site_layout, ascending,
/// each once) and, for each, the biases that chose it with their ρ.

#include <cstddef>
#include <vector>

#include "cirm/spec.hpp"

namespace cirm {

struct selected_neuron {
    std::size_t flat = 0;             ///< flat neuron index in the layout the table was computed over
    std::vector<bias_rho> chosen_by;  ///< in attribute-table order
    friend bool operator==(const selected_neuron&, const selected_neuron&) = default;
};

struct selection {
    std::vector<selected_neuron> neurons;  ///< ascending by flat index
    std::size_t size() const noexcept { return neurons.size(); }
};

}  // namespace cirm
