// Search quality against peers: cirm's TPE sampler driving joint_search over
// a recorded landscape of validation accuracies, best objective after 100 trials, one search per
// seed 0..9; cirm's random sampler on the same table for reference. The table is written by
// bench/peers/search_landscape.py (which also runs Optuna's TPE on it), so both sides optimise
// the same function of the same categorical space (5 biases × the method's 8-value grid).
//
//   bench_search_quality LANDSCAPE [--seeds=10] [--trials=100]
// prints one JSON object: per-seed bests and medians for TPE and random, the table's optimum.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cirm/search/joint_search.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/search/random_sampler.hpp"
#include "cirm/search/tpe_sampler.hpp"

namespace {
const std::vector<std::string> bias_names{"length", "paragraphs", "overlap", "exclamation", "bold"};

/// The accuracies in enumeration order (last bias fastest), read from the landscape file.
std::vector<double> read_landscape(const std::string& path, std::size_t biases, std::size_t grid_size) {
    std::ifstream in(path);
    if (!in) throw cirm::error("bench_search_quality: cannot open " + path);
    std::size_t expected = 1;
    for (std::size_t b = 0; b < biases; ++b) expected *= grid_size;
    std::vector<double> table(expected, -1.0);
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::size_t flat = 0;
        for (std::size_t b = 0; b < biases; ++b) {
            std::size_t index = grid_size;
            fields >> index;
            if (index >= grid_size)
                throw cirm::error(path + ":" + std::to_string(line_number) + ": bad candidate index");
            flat = flat * grid_size + index;
        }
        if (!(fields >> table[flat])) throw cirm::error(path + ":" + std::to_string(line_number) + ": no accuracy");
    }
    if (std::count(table.begin(), table.end(), -1.0) != 0) throw cirm::error(path + ": configurations are missing");
    return table;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string json_list(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_search_quality LANDSCAPE [--seeds=10] [--trials=100]\n");
        return 2;
    }
    std::size_t seeds = 10, trials = 100;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--seeds=", 0) == 0)
            seeds = std::stoul(arg.substr(8));
        else if (arg.rfind("--trials=", 0) == 0)
            trials = std::stoul(arg.substr(9));
    }
    const auto grid = cirm::method_k_grid();
    const auto table = read_landscape(argv[1], bias_names.size(), grid.size());
    const cirm::space space(bias_names, grid);

    auto objective = [&](std::span<const std::size_t> budgets) {
        std::size_t flat = 0;
        for (std::size_t k : budgets)
            flat = flat * grid.size() + static_cast<std::size_t>(std::find(grid.begin(), grid.end(), k) - grid.begin());
        return table[flat];
    };
    std::vector<double> tpe_best, random_best;
    std::string tpe_configs;  // the best budgets and distinct evaluations of each TPE search
    for (std::size_t seed = 0; seed < seeds; ++seed) {
        cirm::tpe_sampler tpe(space, seed);
        const auto result = cirm::joint_search(space, tpe, objective, trials);
        tpe_best.push_back(result.best_trial().objective);
        std::size_t distinct = 0;
        for (const auto& t : result.trials) distinct += t.cached ? 0 : 1;
        tpe_configs += std::string(seed ? ", " : "") + "\"";
        for (std::size_t b = 0; b < bias_names.size(); ++b)
            tpe_configs += (b ? " " : "") + std::to_string(result.best_trial().budgets[b]);
        tpe_configs += " (" + std::to_string(distinct) + " distinct)\"";
        cirm::random_sampler random(space, seed);
        random_best.push_back(cirm::joint_search(space, random, objective, trials).best_trial().objective);
    }
    std::printf(
        "{\"trials\": %zu, \"tpe\": {\"best\": %s, \"median\": %.4f}, \"random\": {\"best\": %s, \"median\": %.4f}, "
        "\"tpe_best_budgets\": [%s], \"optimum\": %.4f, \"base\": %.4f}\n",
        trials, json_list(tpe_best).c_str(), median(tpe_best), json_list(random_best).c_str(), median(random_best),
        tpe_configs.c_str(), *std::max_element(table.begin(), table.end()), table[0]);
    return 0;
}
