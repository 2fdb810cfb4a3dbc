// `cirm search --intervention directions` (beyond the method) on the fixture model: the written
// spec's directions and values recomputed here from the model's activations with plain loops,
// `cirm eval` of that spec against full forwards under the pin, and the option errors.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cirm/intervene/direction_pin.hpp"
#include "cirm/pipeline/locate_and_search.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/search.hpp"
#include "cli_test_support.hpp"

using namespace cli_test;
using nlohmann::json;

namespace {

/// Average ranks (1-based, ties get the mean of their positions), by counting.
std::vector<double> ranks_by_counting(const std::vector<double>& v) {
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        double below = 0, equal = 0;
        for (double x : v) {
            below += x < v[i] ? 1 : 0;
            equal += x == v[i] ? 1 : 0;
        }
        r[i] = below + (equal + 1.0) / 2.0;
    }
    return r;
}

}  // namespace

TEST_CASE("search --intervention directions: the spec's directions and values recomputed from the activations") {
    const auto dir = scratch("search_directions");
    cirm::cli::search_options o;
    on_fixture(o);
    o.data = validation();
    o.intervention = "directions";
    o.sampler = "grid";
    o.trials = 40;
    o.sites = "first-half";
    o.out = dir.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_search(o, out, err) == 0);
    const json summary = json::parse(out.str());
    CHECK(summary["intervention"] == "directions");
    CHECK(summary["selector"] == "covariance");
    const auto trials = read_jsonl(dir / "trials.jsonl");
    REQUIRE(trials.size() == 32);  // the base and the 31 other subsets of five attributes: the space is exhausted
    for (const auto& t : trials) {
        std::size_t on = 0;
        for (const auto& [name, k] : t["k"].items()) on += k.get<std::size_t>();
        CHECK(t["edited"] == 0);
        CHECK(t["directions"].get<std::size_t>() <=
              on * 14);  // at most one per attribute and site: 2 layers of 7 sites
    }

    // the activations and attributes of every validation response, by hand
    auto model = cirm::cli::load_model(llama(), cirm::cli::common_options{});
    const auto& layout = model.layout();
    const auto pairs = cirm::cli::load_pairs(validation());
    std::vector<std::vector<float>> rows;
    std::vector<std::vector<double>> f(5);
    for (const auto& p : pairs)
        for (const std::string* r : {&p.chosen, &p.rejected}) {
            flat_row_sink sink{&layout, std::vector<float>(layout.neurons())};
            const cirm::sample s{p.prompt, *r};
            model.collect(std::span<const cirm::sample>(&s, 1), sink);
            rows.push_back(sink.row);
            for (std::size_t b = 0; b < 5; ++b) f[b].push_back(ref_attribute(five()[b], p.prompt, *r));
        }
    const std::size_t n = rows.size();
    std::vector<std::vector<double>> z(5);  // standardized ranks (population sd)
    for (std::size_t b = 0; b < 5; ++b) {
        z[b] = ranks_by_counting(f[b]);
        const double mean = std::accumulate(z[b].begin(), z[b].end(), 0.0) / static_cast<double>(n);
        double ss = 0;
        for (double x : z[b]) ss += (x - mean) * (x - mean);
        REQUIRE(ss > 0);
        for (double& x : z[b]) x = (x - mean) / std::sqrt(ss / static_cast<double>(n));
    }

    // the written spec is the best trial's (on this random-weight fixture it may be the base)
    const json best = json::parse(read_text(dir / "spec.json"));
    std::size_t best_directions = 0;
    for (const auto& site : best["sites"]) best_directions += site["directions"].size();
    CHECK(best_directions == summary["best"]["directions"].get<std::size_t>());
    for (const auto& b : best["budgets"]) CHECK(b["k"] == summary["best"]["k"][b["bias"].get<std::string>()]);

    // the spec of three attributes, from the same localization the search used
    cirm::search_config settings;
    settings.trials = 1;
    settings.sampler = cirm::sampler_kind::exhaustive;
    settings.sites = cirm::site_selection::parse("first-half");
    settings.intervention = cirm::intervention_kind::directions;
    const auto outcome = cirm::locate_and_search(model, pairs, settings);
    const std::vector<std::size_t> three{1, 0, 1, 0, 1};
    const cirm::spec three_spec = outcome.spec_for(three);
    cirm::save_spec_json(dir / "three.json", three_spec);
    const json spec = json::parse(read_text(dir / "three.json"));
    const std::vector<std::string> chosen{"length", "overlap", "bold"};
    std::size_t checked = 0;
    for (const auto& site : spec["sites"]) {
        const std::size_t s = layout.at(site["name"].get<std::string>()), w = layout[s].width, off = layout.offset(s);
        CHECK(layout[s].layer < 2);  // the first half of the fixture's 3 layers, rounded up: layers 0 and 1
        std::vector<std::vector<double>> basis;
        std::size_t d = 0;
        for (std::size_t b = 0; b < 5; ++b) {
            if (std::find(chosen.begin(), chosen.end(), five()[b]) == chosen.end()) continue;
            std::vector<double> u(w, 0.0), mean(w, 0.0);
            for (const auto& r : rows)
                for (std::size_t k = 0; k < w; ++k) mean[k] += r[off + k] / static_cast<double>(n);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < w; ++k)
                    u[k] += (rows[i][off + k] - mean[k]) * z[b][i] / static_cast<double>(n);
            double norm = 0;
            for (double x : u) norm += x * x;
            if (norm == 0.0) continue;  // a constant site has no direction
            for (const auto& v : basis) {
                const double dot = std::inner_product(u.begin(), u.end(), v.begin(), 0.0);
                for (std::size_t k = 0; k < w; ++k) u[k] -= dot * v[k];
            }
            double rest = 0;
            for (double x : u) rest += x * x;
            if (rest <= 1e-12 * norm) continue;
            for (double& x : u) x /= std::sqrt(rest);
            std::vector<double> c;
            for (const auto& r : rows) {
                double dot = 0;
                for (std::size_t k = 0; k < w; ++k) dot += u[k] * r[off + k];
                c.push_back(dot);
            }
            std::sort(c.begin(), c.end());
            const double median = (c[n / 2 - 1] + c[n / 2]) / 2.0;  // n is even: two responses per pair
            REQUIRE(d < site["directions"].size());
            const auto& got = site["directions"][d];
            CHECK(got["bias"] == five()[b]);
            for (std::size_t k = 0; k < w; ++k) CHECK(got["vector"][k].get<double>() == Approx(u[k]).margin(1e-5));
            CHECK(got["value"].get<double>() == Approx(median).margin(1e-4));
            basis.push_back(u);
            ++d;
            ++checked;
        }
        CHECK(site["directions"].size() == d);
    }
    CHECK(checked == three_spec.pinned_directions());
    CHECK(checked >= 10);  // most sites of layers 0 and 1 carry all three

    // cirm eval of the spec: the cached last-token path agrees with full forwards under the pin
    cirm::cli::eval_options eo;
    on_fixture(eo);
    eo.data = test_set();
    eo.spec = (dir / "three.json").string();
    eo.baselines = "none";
    eo.flip_rates = false;
    std::ostringstream eout, eerr;
    REQUIRE(cirm::cli::run_eval(eo, eout, eerr) == 0);
    const json e = json::parse(eout.str());
    CHECK(e["spec"]["directions"] == checked);
    const cirm::direction_pin pin(cirm::load_spec_json(dir / "three.json"), layout);
    const auto test_pairs = cirm::cli::load_pairs(test_set());
    std::size_t right = 0;
    for (const auto& p : test_pairs) {
        const std::vector<cirm::sample> two{{p.prompt, p.chosen}, {p.prompt, p.rejected}};
        const auto r = cirm::score_samples(model, std::span<const cirm::sample>(two), pin, 1);
        right += r[0] > r[1] ? 1 : 0;
    }
    CHECK(e["methods"]["cirm"]["all"].get<double>() ==
          Approx(static_cast<double>(right) / static_cast<double>(test_pairs.size()))
              .margin(1.0 / static_cast<double>(test_pairs.size())));
}

TEST_CASE("search --intervention directions: options that concern neurons are refused") {
    const auto dir = scratch("search_directions_errors");
    cirm::cli::search_options o;
    on_fixture(o);
    o.data = validation();
    o.intervention = "directions";
    o.out = dir.string();
    std::ostringstream out, err;
    o.selector = "shift";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err),
                      "--selector chooses neurons; --intervention directions pins directions (see --direction-kind)");
    o.selector = "spearman";
    o.k_grid = "1,5";
    CHECK_THROWS_WITH(
        cirm::cli::run_search(o, out, err),
        Catch::Contains("--k-grid with --intervention directions lists candidates among 0 (not pinned) and "
                        "1 (pinned): 0,1 searches which attributes to pin, 1 pins every attribute; got 5"));
    o.k_grid = "";
    o.direction_kind = "pca";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err),
                      "unknown direction kind 'pca' (expected covariance or shift)");
    o.direction_kind = "shift";
    o.attributes = "length,emoji";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err),
                      Catch::Contains("no built-in style edit for bias attribute 'emoji'"));
    o.intervention = "tensors";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err),
                      "unknown intervention 'tensors' (expected neurons or directions)");
    CHECK(files_in(dir).empty());
}
