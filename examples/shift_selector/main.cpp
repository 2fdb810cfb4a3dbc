// A selector beyond the method: neurons chosen by counterfactual shift (how far a style edit
// alone moves them) instead of Spearman ρ, on a synthetic reward model whose biases live in
// known neurons (cirm/testing/planted_source.hpp).
//
// The validation set is confounded: the chosen (correct) response carries more of each style in
// 9 pairs of 10, so the neurons that carry the answer's correctness co-vary with the styles across
// responses, and the neurons are noisy, so ρ with the attributes is weak. For each attribute the
// program prints how many of the 12 planted neurons each selector finds at k = 6 per side, and how
// many content neurons (pinning those costs accuracy) it takes instead; then it runs the same
// budget search with each selector. Both go through the NeuronSelector interface.
//
// Usage: example_shift_selector
#include <cstdio>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/select/shift_top_bottom_k.hpp"
#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {
struct roles {
    std::size_t planted = 0, content = 0, other = 0;
};

roles count_roles(const cirm::selection& chosen, const std::set<std::size_t>& planted,
                  const std::set<std::size_t>& content) {
    roles r;
    for (const auto& n : chosen.neurons) {
        if (planted.count(n.flat))
            ++r.planted;
        else if (content.count(n.flat))
            ++r.content;
        else
            ++r.other;
    }
    return r;
}
}  // namespace

int main() {
    std::vector<std::string> names;
    for (auto n : cirm::method_attribute_names()) names.emplace_back(n);
    cirm::testing::planted_source::options o;
    for (int l = 0; l < 4; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        o.sites.push_back({p + ".self_attn.q_proj", l, cirm::module_kind::q_proj, 64});
        o.sites.push_back({p + ".mlp.up_proj", l, cirm::module_kind::up_proj, 128});
    }
    o.attributes = cirm::make_attributes(names);
    o.planted_per_side = 6;
    o.content_neurons = 12;
    o.noise = 1.5;  // noisy neurons: ρ with the attributes is weak, so confounds compete
    cirm::testing::planted_source source(std::move(o));

    const auto validation = cirm::testing::make_arithmetic_pairs(400, 11, /*style_bias=*/0.9);
    const auto samples = cirm::response_samples(validation);
    const auto loc = cirm::localize(source, samples, cirm::make_attributes(names));
    const auto shifts = cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples),
                                                            cirm::builtin_style_edits(names));
    const cirm::shift_top_bottom_k by_shift(shifts);
    const cirm::spearman_top_bottom_k by_rho;

    std::printf("%zu neurons, %zu validation responses; style edit applied to:", loc.table.neurons, samples.size());
    for (std::size_t b = 0; b < names.size(); ++b) std::printf(" %s %zu", names[b].c_str(), shifts.edited[b]);
    std::printf("\n\nk = 6 per side for one attribute at a time: what each selector takes\n");
    std::printf("%-12s %-9s %8s %8s %7s\n", "attribute", "selector", "planted", "content", "others");
    const std::set<std::size_t> content(source.content_neurons().begin(), source.content_neurons().end());
    for (std::size_t b = 0; b < names.size(); ++b) {
        std::set<std::size_t> planted;
        for (const auto& p : source.planted())
            if (p.attribute == b) planted.insert(p.flat);
        std::vector<std::size_t> budgets(names.size(), 0);
        budgets[b] = 6;
        for (const auto& [label, chosen] : {std::pair{"spearman", by_rho.select(loc.table, budgets)},
                                            std::pair{"shift", by_shift.select(loc.table, budgets)}}) {
            const auto r = count_roles(chosen, planted, content);
            std::printf("%-12s %-9s %5zu/12 %8zu %7zu\n", names[b].c_str(), label, r.planted, r.content, r.other);
        }
    }

    cirm::budget_search_options so;
    so.k_grid = {0, 3, 6, 12};
    so.trials = 40;
    so.seed = 1;
    const auto with_rho = cirm::search_budgets(source, loc, validation, so, by_rho);
    const auto with_shift = cirm::search_budgets(source, loc, validation, so, by_shift);
    std::printf("\nbudget search, %zu trials each (validation accuracy)\n", so.trials);
    std::printf("  base      %.1f%%\n", 100.0 * with_rho.search.base_trial().objective);
    std::printf("  spearman  %.1f%% (%zu neurons edited)\n", 100.0 * with_rho.search.best_trial().objective,
                with_rho.best.edited());
    std::printf("  shift     %.1f%% (%zu neurons edited)\n", 100.0 * with_shift.search.best_trial().objective,
                with_shift.best.edited());
    return 0;
}
