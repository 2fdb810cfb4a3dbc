#pragma once
/// \file
/// The measured counterfactual shifts: for every neuron of a site layout and every bias with a
/// style edit, how far the edit alone moves the neuron's last-token activation, in units of the
/// neuron's spread. measure_counterfactual_shifts (calibrate/counterfactual_shift.hpp) fills it;
/// shift_top_bottom_k (select/shift_top_bottom_k.hpp) selects by it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cirm/site.hpp"

namespace cirm {

/// Per neuron and bias: the standardized mean shift of the activation under the bias's edit.
struct shift_table {
    std::vector<std::string> attributes;  ///< column names, in order
    std::size_t neurons = 0;              ///< rows: flat neuron indices of `layout`
    std::size_t samples = 0;              ///< unedited responses the spreads are over
    std::vector<std::size_t> edited;      ///< per attribute: responses its edit applied to
    std::vector<double> shift;            ///< neurons × attributes, row-major
    std::vector<double> mean_delta;       ///< neurons × attributes: mean_i Δ_inb, in activation units
    std::vector<std::uint8_t> constant;   ///< per neuron: 1 if its activations had zero spread
    site_layout layout;                   ///< the sites measured

    std::size_t biases() const noexcept { return attributes.size(); }
    double at(std::size_t neuron, std::size_t bias) const noexcept { return shift[neuron * attributes.size() + bias]; }
};

}  // namespace cirm
