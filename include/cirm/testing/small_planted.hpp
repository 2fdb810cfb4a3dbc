#pragma once
/// \file
/// A small planted source (cirm/testing/planted_source.hpp) over the five method attributes: a
/// biased toy reward model for tests, examples and method research that need one but not a
/// large one.

#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/testing/planted_source.hpp"

namespace cirm::testing {

/// The names of the five method attributes, as strings.
inline std::vector<std::string> method_names() {
    std::vector<std::string> names;
    for (auto n : method_attribute_names()) names.emplace_back(n);
    return names;
}

/// 3 layers × (q_proj 32, up_proj 64): 288 neurons, 4 + 4 planted per method attribute.
inline planted_source small_planted_source(std::uint64_t seed = 5) {
    planted_source::options o;
    for (int l = 0; l < 3; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        o.sites.push_back({p + ".self_attn.q_proj", l, module_kind::q_proj, 32});
        o.sites.push_back({p + ".mlp.up_proj", l, module_kind::up_proj, 64});
    }
    o.attributes = make_attributes(method_names());
    o.planted_per_side = 4;
    o.seed = seed;
    return planted_source(std::move(o));
}

}  // namespace cirm::testing
