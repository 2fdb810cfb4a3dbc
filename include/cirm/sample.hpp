#pragma once
/// \file
/// What an activation source is run on: a prompt and a response, as UTF-8 text.

#include <string>
#include <string_view>

namespace cirm {

/// One prompt–response pair x = (q, y), non-owning.
struct sample {
    std::string_view prompt;
    std::string_view response;
};

/// One preference pair of a dataset: the chosen and the rejected response to a prompt.
struct preference_pair {
    std::string id;
    std::string prompt;
    std::string chosen;
    std::string rejected;
    std::string subset;
};

}  // namespace cirm
