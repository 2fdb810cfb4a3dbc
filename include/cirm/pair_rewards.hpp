#pragma once
/// \file
/// The rewards of a preference dataset's pairs: what scoring a dataset returns
/// (eval/score_pairs.hpp, and intervene/pair_swap.hpp with the swap replacement).

#include <vector>

namespace cirm {

/// Rewards of the two responses of every pair, in dataset order.
struct pair_rewards {
    std::vector<double> chosen;
    std::vector<double> rejected;
};

}  // namespace cirm
