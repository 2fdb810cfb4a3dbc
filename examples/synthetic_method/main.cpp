// The whole CIRM method on a synthetic reward model whose style biases live in known neurons
// (cirm/testing/planted_source.hpp): localize on a validation set, search the budgets jointly
// with TPE, save the spec, and compare base / LP / LWR / CIRM on a held-out test set.
//
// Usage: example_synthetic_method [OUTPUT_DIR]   (default: cirm-synthetic-out)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/testing/planted_source.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {
std::vector<cirm::site_info> llama_like_sites(int layers) {
    std::vector<cirm::site_info> sites;
    for (int l = 0; l < layers; ++l) {
        const std::string a = "model.layers." + std::to_string(l) + ".self_attn.";
        const std::string m = "model.layers." + std::to_string(l) + ".mlp.";
        sites.push_back({a + "q_proj", l, cirm::module_kind::q_proj, 64});
        sites.push_back({a + "k_proj", l, cirm::module_kind::k_proj, 32});
        sites.push_back({a + "v_proj", l, cirm::module_kind::v_proj, 32});
        sites.push_back({a + "o_proj", l, cirm::module_kind::o_proj, 64});
        sites.push_back({m + "gate_proj", l, cirm::module_kind::gate_proj, 128});
        sites.push_back({m + "up_proj", l, cirm::module_kind::up_proj, 128});
        sites.push_back({m + "down_proj", l, cirm::module_kind::down_proj, 64});
    }
    return sites;
}

std::string percent(double v) {
    if (std::isnan(v)) return "   -  ";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%6.1f", 100.0 * v);
    return buf;
}

void print_table(const cirm::method_comparison& c) {
    std::printf("\n%-28s", "test set, % (pairs)");
    for (const auto& [name, e] : c.methods) std::printf("%8s", name.c_str());
    std::printf("\n");
    const auto row = [&](const std::string& label, auto get) {
        std::printf("%-28s", label.c_str());
        for (const auto& [name, e] : c.methods) std::printf("  %s", percent(get(e)).c_str());
        std::printf("\n");
    };
    row("accuracy", [](const auto& e) { return e.all.value; });
    row("neutral (" + std::to_string(c.methods.front().second.neutral.pairs) + ")",
        [](const auto& e) { return e.neutral.value; });
    const auto& first = c.methods.front().second;
    for (std::size_t a = 0; a < first.subsets.size(); ++a) {
        const auto& [attr, s] = first.subsets[a];
        row("biased   " + attr + " (" + std::to_string(s.n_biased) + ")",
            [a](const auto& e) { return e.subsets[a].second.biased; });
        row("unbiased " + attr + " (" + std::to_string(s.n_unbiased) + ")",
            [a](const auto& e) { return e.subsets[a].second.unbiased; });
    }
    for (std::size_t a = 0; a < first.flip_rate.size(); ++a)
        row("flip rate " + first.flip_rate[a].first, [a](const auto& e) { return e.flip_rate[a].second.value; });
}
}  // namespace

int main(int argc, char** argv) try {
    const std::filesystem::path out_dir = argc > 1 ? argv[1] : "cirm-synthetic-out";
    std::filesystem::create_directories(out_dir);
    const auto start = std::chrono::steady_clock::now();

    // A biased toy RM: 6 layers × 7 sites, 8 + 8 planted neurons per method attribute.
    std::vector<std::string> attribute_names;
    for (auto n : cirm::method_attribute_names()) attribute_names.emplace_back(n);
    cirm::testing::planted_source::options o;
    o.sites = llama_like_sites(6);
    o.attributes = cirm::make_attributes(attribute_names);
    o.planted_per_side = 8;
    o.seed = 2026;
    cirm::testing::planted_source source(std::move(o));
    std::printf("model: synthetic planted source, %zu sites, %zu neurons (%zu planted)\n", source.layout().size(),
                source.layout().neurons(), source.planted().size());

    // Validation and test sets: style independent of preference, disjoint seeds.
    const auto validation = cirm::testing::make_arithmetic_pairs(500, 101);
    const auto test = cirm::testing::make_arithmetic_pairs(2000, 202);

    // 1. localization on the 1000 validation responses
    const auto samples = cirm::response_samples(validation);
    const auto attributes = cirm::make_attributes(attribute_names);
    const auto loc = cirm::localize(source, samples, attributes);
    std::printf("localized: %zu samples × %zu neurons × %zu attributes\n", loc.table.samples, loc.table.neurons,
                loc.table.biases());

    // 2. joint search of k_b on validation accuracy (TPE, 100 trials, grid scaled to the model)
    cirm::budget_search_options so;
    so.trials = 100;
    so.seed = 1;
    const auto found = cirm::search_budgets(source, loc, validation, so);
    const auto& best = found.search.best_trial();
    std::printf("search: %zu trials, base validation accuracy %.1f%%, best %.1f%% with k =", found.search.trials.size(),
                100 * found.search.base_trial().objective, 100 * best.objective);
    for (std::size_t b = 0; b < best.budgets.size(); ++b)
        std::printf(" %s:%zu", found.search.biases[b].c_str(), best.budgets[b]);
    std::printf(" (%zu neurons edited, %.2f%% of the model)\n", found.best.edited(),
                100.0 * static_cast<double>(found.best.edited()) / static_cast<double>(source.layout().neurons()));

    // 3. the spec, as JSON and as safetensors
    cirm::save_spec_json(out_dir / "spec.json", found.best);
    cirm::save_spec_safetensors(out_dir / "spec.safetensors", found.best);

    // 4. evaluation on the test set
    const cirm::neuron_pin pin(found.best, source.layout());
    const auto comparison = cirm::compare_methods(source, test, &pin);
    print_table(comparison);

    nlohmann::ordered_json report;
    report["model"] = "synthetic planted source";
    report["pairs"] = test.size();
    for (const auto& [name, e] : comparison.methods) report["methods"][name] = cirm::to_json(e);
    cirm::write_file_atomically(out_dir / "eval.json", report.dump(2) + "\n");

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("\nwrote %s, %s and %s (%.1f s)\n", (out_dir / "spec.json").c_str(),
                (out_dir / "spec.safetensors").c_str(), (out_dir / "eval.json").c_str(), seconds);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
