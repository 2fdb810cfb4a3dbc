#pragma once
/// \file
/// The candidate budgets k_b of the joint search (docs/method.md §7): the method's grid, a grid scaled
/// to a small model, the default between the two, and clamping to the neurons a model has.
/// Every grid includes 0, "leave this bias unedited" (a choice of this implementation: the paper's
/// grid has no 0), so that the search can decide that a bias is better left alone.

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

/// The paper's budgets without the 0: a geometric-ish 7-step grid whose largest value is 5000.
inline constexpr std::array<std::size_t, 7> method_k_steps{50, 100, 200, 500, 1000, 2000, 5000};

/// Models with at least this many neurons use the method's grid unscaled.
inline constexpr std::size_t method_grid_min_neurons = 500'000;

/// The method's grid plus 0: {0, 50, 100, 200, 500, 1000, 2000, 5000}.
inline std::vector<std::size_t> method_k_grid() {
    std::vector<std::size_t> grid{0};
    grid.insert(grid.end(), method_k_steps.begin(), method_k_steps.end());
    return grid;
}

/// The method's 7 steps scaled so that the largest is 5 % of the model's neurons, plus 0.
/// Step r becomes round(r · 0.05 · M / 5000) = round(r · M / 100000), rounding halves up, and at
/// least 1; steps that round to the same value are kept once. Ascending. Example: M = 10,000
/// gives {0, 5, 10, 20, 50, 100, 200, 500}; M = 1,000 gives {0, 1, 2, 5, 10, 20, 50}.
inline std::vector<std::size_t> scaled_k_grid(std::size_t total_neurons) {
    if (total_neurons == 0) throw error("scaled_k_grid: the model has no neurons");
    constexpr std::size_t denominator = 100'000;  // 5000 / 0.05
    // Split M so that r · M never overflows: r · M / D = r · (M / D) + r · (M % D) / D.
    const std::size_t whole = total_neurons / denominator;
    const std::size_t rest = total_neurons % denominator;
    std::vector<std::size_t> grid{0};
    for (std::size_t step : method_k_steps) {
        const std::size_t k = std::max<std::size_t>(1, step * whole + (step * rest + denominator / 2) / denominator);
        if (k != grid.back()) grid.push_back(k);  // steps ascend, so equal values are adjacent
    }
    return grid;
}

/// The grid the search uses by default: the method's grid for models with at least 500,000
/// neurons (the sizes it was designed for), the scaled grid for smaller models, whose neurons the
/// method's budgets would otherwise mostly exceed.
inline std::vector<std::size_t> default_k_grid(std::size_t total_neurons) {
    return total_neurons >= method_grid_min_neurons ? method_k_grid() : scaled_k_grid(total_neurons);
}

/// The grid with every value above `available` (the neurons a bias can take from each end of
/// its ranking) replaced by `available` (docs/method.md §7: values above the number of neurons are
/// clamped). The result is ascending with each value once, whatever the input order.
inline std::vector<std::size_t> clamp_k_grid(std::vector<std::size_t> grid, std::size_t available) {
    for (auto& k : grid) k = std::min(k, available);
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    return grid;
}

}  // namespace cirm
