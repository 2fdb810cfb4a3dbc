// The commands in-process on the fixture model and the small fixture datasets: search → eval →
// score, with the eval document checked key by key and its accuracies recomputed from the rewards
// that `cirm score` writes, and its subset counts from an independent computation of the five
// attributes (cli_test_support.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cirm/eval/counterfactual.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/score.hpp"
#include "cirm_cli/search.hpp"
#include "cli_test_support.hpp"

using namespace cli_test;
using nlohmann::json;

namespace {

/// Runs `cirm search` on the fixture (30 TPE trials) into dir; returns its --json output.
json run_fixture_search(const fs::path& dir) {
    cirm::cli::search_options o;
    o.common.model = llama();
    o.common.json = true;
    o.data = validation();
    o.trials = 30;
    o.seed = 7;
    o.out = dir.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_search(o, out, err) == 0);
    return json::parse(out.str());
}

struct pair_rewards {
    std::vector<double> chosen, rejected;
};

/// `cirm score` on a preference file, its JSONL output read back.
pair_rewards run_fixture_score(const std::string& data, const std::string& spec, const fs::path& out_file) {
    cirm::cli::score_options o;
    o.common.model = llama();
    o.common.quiet = true;
    o.data = data;
    o.spec = spec;
    o.out = out_file.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_score(o, out, err) == 0);
    CHECK(out.str().empty());  // the rewards went to the file
    pair_rewards r;
    for (const auto& line : read_jsonl(out_file)) {
        r.chosen.push_back(line.at("chosen_reward").get<double>());
        r.rejected.push_back(line.at("rejected_reward").get<double>());
    }
    return r;
}

std::vector<json> pairs_of(const std::string& path) { return read_jsonl(path); }

/// Share of pairs (among `keep`) with chosen > rejected; nothing when none is kept.
template <class Keep>
std::optional<double> share(const pair_rewards& r, Keep keep) {
    std::size_t n = 0, hit = 0;
    for (std::size_t i = 0; i < r.chosen.size(); ++i) {
        if (!keep(i)) continue;
        ++n;
        hit += r.chosen[i] > r.rejected[i];
    }
    if (n == 0) return std::nullopt;
    return static_cast<double>(hit) / static_cast<double>(n);
}

void check_fraction(const json& value, std::optional<double> expected, const std::string& what) {
    INFO(what);
    if (!expected) {
        CHECK(value.is_null());
    } else {
        REQUIRE(value.is_number());
        CHECK(value.get<double>() == Approx(*expected).margin(1e-12));
    }
}

}  // namespace

TEST_CASE("search: trial 0 is the base and the grid is the scaled one and the best spec is written") {
    const auto dir = scratch("search");
    const json summary = run_fixture_search(dir);
    // the fixture has 3 layers x (q 64 + k 32 + v 32 + o 64 + gate 128 + up 128 + down 64) = 1536 neurons;
    // scaled grid round(r * 1536 / 100000) for r = 50..5000: 0.77, 1.54, 3.07, 7.68, 15.4, 30.7, 76.8
    CHECK(summary["k_grid"] == json({0, 1, 2, 3, 8, 15, 31, 77}));
    CHECK(summary["spec"]["total_neurons"] == 1536);

    const auto trials = read_jsonl(dir / "trials.jsonl");
    REQUIRE(trials.size() == 30);
    const json& base = trials.front();
    CHECK(base["trial"] == 0);
    CHECK(base["base"] == true);
    CHECK(base["edited"] == 0);
    for (const auto& [name, k] : base["k"].items()) CHECK(k == 0);
    std::size_t best_lines = 0;
    const std::set<std::size_t> grid{0, 1, 2, 3, 8, 15, 31, 77};
    for (const auto& t : trials) {
        for (const auto& [name, k] : t["k"].items()) CHECK(grid.count(k.get<std::size_t>()) == 1);
        CHECK(t["accuracy"].get<double>() >= 0.0);
        CHECK(t["accuracy"].get<double>() <= 1.0);
        CHECK(t["seconds"].get<double>() >= 0.0);
        if (t["best"] == true) {
            ++best_lines;
            CHECK(t["accuracy"].get<double>() >= base["accuracy"].get<double>());
            CHECK(t["k"] == summary["best"]["k"]);
            CHECK(t["edited"] == summary["best"]["edited"]);
        }
    }
    CHECK(best_lines == 1);
    // the spec written is the best trial's: its budgets and its edited count (read independently)
    const json spec = json::parse(read_text(dir / "spec.json"));
    std::size_t edited = 0;
    for (const auto& site : spec["sites"]) edited += site["neurons"].size();
    CHECK(edited == summary["best"]["edited"].get<std::size_t>());
    for (const auto& b : spec["budgets"]) CHECK(summary["best"]["k"][b["bias"].get<std::string>()] == b["k"]);
    CHECK(fs::exists(dir / "spec.safetensors"));

    // the base's validation accuracy, recomputed from `cirm score` rewards (another code path:
    // batches of 16 instead of the search's groups, so allow one pair of rounding difference)
    const auto r = run_fixture_score(validation(), "", dir / "val_rewards.jsonl");
    const auto acc = share(r, [](std::size_t) { return true; });
    REQUIRE(acc);
    CHECK(std::abs(*acc - base["accuracy"].get<double>()) <= 1.0 / 40 + 1e-12);
}

TEST_CASE("eval --json: every key of the contract with accuracies recomputed from cirm score") {
    const auto dir = scratch("eval");
    run_fixture_search(dir);
    const std::string spec_path = (dir / "spec.json").string();

    cirm::cli::eval_options o;
    o.common.model = llama();
    o.common.json = true;
    o.data = test_set();
    o.spec = spec_path;
    o.out = (dir / "eval.json").string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_eval(o, out, err) == 0);
    const json d = json::parse(out.str());
    CHECK(json::parse(read_text(dir / "eval.json")) == d);  // --out writes the same document

    // top level
    std::set<std::string> keys;
    for (const auto& [k, v] : d.items()) keys.insert(k);
    CHECK(keys ==
          std::set<std::string>{"model", "engine", "data", "pairs", "neutral_pairs", "methods", "spec", "flip_pairs"});
    CHECK(d["engine"] == "reference");
    CHECK(d["model"] == llama());
    CHECK(d["data"] == test_set());
    CHECK(d["pairs"] == 60);
    CHECK(d["flip_pairs"] == 60);
    std::set<std::string> methods;
    for (const auto& [k, v] : d["methods"].items()) methods.insert(k);
    CHECK(methods == std::set<std::string>{"base", "lp", "lwr", "cirm"});

    // spec: read independently from spec.json
    const json spec = json::parse(read_text(spec_path));
    std::size_t edited = 0;
    for (const auto& site : spec["sites"]) edited += site["neurons"].size();
    CHECK(d["spec"]["edited"] == edited);
    CHECK(d["spec"]["total_neurons"] == 1536);
    for (const auto& b : spec["budgets"]) CHECK(d["spec"]["k"][b["bias"].get<std::string>()] == b["k"]);
    CHECK(d["spec"]["k"].size() == 5);

    // rewards of every pair, plain and under the spec, from `cirm score`
    const auto base = run_fixture_score(test_set(), "", dir / "base.jsonl");
    const auto cirm = run_fixture_score(test_set(), spec_path, dir / "cirm.jsonl");
    const auto data = pairs_of(test_set());
    REQUIRE(base.chosen.size() == 60);
    // LP from the base rewards: r - 0.001 * length (characters; the fixture is ASCII)
    pair_rewards lp = base;
    for (std::size_t i = 0; i < data.size(); ++i) {
        lp.chosen[i] -= 0.001 * ref_length(data[i]["chosen"]);
        lp.rejected[i] -= 0.001 * ref_length(data[i]["rejected"]);
    }
    const auto attr = [&](const std::string& a, std::size_t i, const char* side) {
        return ref_attribute(a, data[i]["prompt"], data[i][side]);
    };
    const auto neutral = [&](std::size_t i) {
        for (const auto& a : five())
            if (attr(a, i, "chosen") != attr(a, i, "rejected")) return false;
        return true;
    };
    std::size_t n_neutral = 0;
    for (std::size_t i = 0; i < data.size(); ++i) n_neutral += neutral(i);
    CHECK(n_neutral >= 8);  // the fixture holds 8 neutral pairs by construction
    CHECK(d["neutral_pairs"] == n_neutral);

    for (const auto& [name, rewards] :
         std::vector<std::pair<std::string, const pair_rewards*>>{{"base", &base}, {"lp", &lp}, {"cirm", &cirm}}) {
        INFO("method " << name);
        const json& m = d["methods"][name];
        std::set<std::string> mkeys;
        for (const auto& [k, v] : m.items()) mkeys.insert(k);
        CHECK(mkeys == std::set<std::string>{"all", "neutral", "subsets", "flip_rate"});
        check_fraction(m["all"], share(*rewards, [](std::size_t) { return true; }), "all");
        check_fraction(m["neutral"], share(*rewards, neutral), "neutral");
        CHECK(m["subsets"].size() == 5);
        for (const auto& a : five()) {
            const json& s = m["subsets"][a];
            std::size_t nb = 0, nu = 0;
            for (std::size_t i = 0; i < data.size(); ++i) {
                nb += attr(a, i, "chosen") > attr(a, i, "rejected");
                nu += attr(a, i, "chosen") < attr(a, i, "rejected");
            }
            CHECK(s["n_biased"] == nb);
            CHECK(s["n_unbiased"] == nu);
            check_fraction(
                s["biased"],
                share(*rewards, [&](std::size_t i) { return attr(a, i, "chosen") > attr(a, i, "rejected"); }),
                a + " biased");
            check_fraction(
                s["unbiased"],
                share(*rewards, [&](std::size_t i) { return attr(a, i, "chosen") < attr(a, i, "rejected"); }),
                a + " unbiased");
        }
        CHECK(m["flip_rate"].size() == 5);
        for (const auto& a : five()) {
            const json& f = m["flip_rate"][a];
            CHECK((f.is_null() || (f.get<double>() >= 0.0 && f.get<double>() <= 1.0)));
        }
    }
    // LWR: fractions in [0, 1] with the same subset counts
    for (const auto& a : five())
        CHECK(d["methods"]["lwr"]["subsets"][a]["n_biased"] == d["methods"]["base"]["subsets"][a]["n_biased"]);
}

TEST_CASE("eval without a spec: a text table without goal check and a JSON spec of null") {
    cirm::cli::eval_options o;
    o.common.model = llama();
    o.data = test_set();
    o.baselines = "lp";
    o.flip_rates = false;
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_eval(o, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("accuracy (60)") && Catch::Contains("unbiased B~ bold"));
    CHECK_THAT(out.str(), !Catch::Contains("goal check") && !Catch::Contains("lwr"));

    o.common.json = true;
    std::ostringstream json_out;
    REQUIRE(cirm::cli::run_eval(o, json_out, err) == 0);
    const json d = json::parse(json_out.str());
    CHECK(d["spec"].is_null());
    CHECK(d["flip_pairs"] == 0);
    std::set<std::string> methods;
    for (const auto& [k, v] : d["methods"].items()) methods.insert(k);
    CHECK(methods == std::set<std::string>{"base", "lp"});
    CHECK(d["methods"]["base"]["flip_rate"].empty());
}

TEST_CASE("eval: the goal check is printed with a spec") {
    const auto dir = scratch("eval_goal");
    run_fixture_search(dir);
    cirm::cli::eval_options o;
    o.common.model = llama();
    o.data = test_set();
    o.spec = (dir / "spec.safetensors").string();  // the safetensors form reads the same
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_eval(o, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("goal check (cirm vs base") &&
                              Catch::Contains("mean unbiased-subset accuracy") &&
                              Catch::Contains("worst biased-subset") && Catch::Contains("neutral accuracy") &&
                              Catch::Contains("mean style flip rate") && Catch::Contains("overall: "));
}

TEST_CASE(
    "search --selector shift: every trial edits the top/bottom-k neurons by counterfactual shift, recomputed here") {
    const auto dir = scratch("search_shift");
    cirm::cli::search_options o;
    o.common.model = llama();
    o.common.json = true;
    o.common.quiet = true;
    o.data = validation();
    o.trials = 6;
    o.seed = 3;
    o.k_grid = "2,5";
    o.selector = "shift";
    o.out = dir.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_search(o, out, err) == 0);
    const json summary = json::parse(out.str());
    CHECK(summary["selector"] == "shift");

    // the shifts, computed here with plain loops: mean over the edited responses of (edited − plain)
    // activation, over the sample standard deviation of the plain activations
    auto model = cirm::cli::load_model(llama(), cirm::cli::common_options{});
    const auto& layout = model.layout();
    const std::size_t m = layout.neurons();
    const auto pairs = cirm::cli::load_pairs(validation());
    const auto activations = [&](const std::string& prompt, const std::string& response) {
        flat_row_sink sink{&layout, std::vector<float>(m)};
        const cirm::sample s{prompt, response};
        model.collect(std::span<const cirm::sample>(&s, 1), sink);
        return sink.row;
    };
    std::vector<std::pair<std::string, std::string>> responses;
    for (const auto& p : pairs) {
        responses.emplace_back(p.prompt, p.chosen);
        responses.emplace_back(p.prompt, p.rejected);
    }
    std::vector<std::vector<float>> plain;
    for (const auto& [q, r] : responses) plain.push_back(activations(q, r));
    std::vector<double> sd(m);
    for (std::size_t n = 0; n < m; ++n) {
        double mean = 0.0, ss = 0.0;
        for (const auto& row : plain) mean += row[n];
        mean /= static_cast<double>(plain.size());
        for (const auto& row : plain) ss += (row[n] - mean) * (row[n] - mean);
        sd[n] = std::sqrt(ss / static_cast<double>(plain.size() - 1));
    }
    const auto& names = five();
    std::vector<std::vector<double>> shift(names.size(), std::vector<double>(m, 0.0));
    for (std::size_t b = 0; b < names.size(); ++b) {
        std::vector<double> sum(m, 0.0);
        std::size_t count = 0;
        for (std::size_t i = 0; i < responses.size(); ++i) {
            const auto edited = cirm::inject_style(names[b], responses[i].first, responses[i].second);
            if (!edited) continue;
            ++count;
            const auto row = activations(responses[i].first, *edited);
            for (std::size_t n = 0; n < m; ++n)
                sum[n] += static_cast<double>(row[n]) - static_cast<double>(plain[i][n]);
        }
        REQUIRE(count > 0);
        for (std::size_t n = 0; n < m; ++n)
            if (sd[n] > 0.0) shift[b][n] = sum[n] / static_cast<double>(count) / sd[n];
    }
    // The engine's sums may differ in the last bits between batch sizes (the search collects
    // batches of 16, this loop one response at a time), so a neuron whose shift sits within 1e-4
    // of a bias's k-th value may fall on either side; every other neuron must match exactly.
    struct expectation {
        std::set<std::size_t> chosen;
        std::set<std::size_t> borderline;
    };
    const auto expected_set = [&](const json& k) {
        expectation e;
        for (std::size_t b = 0; b < names.size(); ++b) {
            const std::size_t kb = k.at(names[b]).get<std::size_t>();
            if (kb == 0) continue;
            std::vector<std::size_t> order;
            for (std::size_t n = 0; n < m; ++n)
                if (sd[n] > 0.0) order.push_back(n);
            std::sort(order.begin(), order.end(),
                      [&](std::size_t x, std::size_t y) { return shift[b][x] > shift[b][y]; });
            for (std::size_t i = 0; i < kb; ++i) {
                e.chosen.insert(order[i]);
                e.chosen.insert(order[order.size() - 1 - i]);
            }
            const double top = shift[b][order[kb - 1]], bottom = shift[b][order[order.size() - kb]];
            for (std::size_t n : order)
                if (std::abs(shift[b][n] - top) < 1e-4 || std::abs(shift[b][n] - bottom) < 1e-4) e.borderline.insert(n);
        }
        return e;
    };
    const auto matches = [](const std::set<std::size_t>& got, const expectation& e) {
        for (std::size_t n : got)
            if (!e.chosen.count(n) && !e.borderline.count(n)) return false;
        for (std::size_t n : e.chosen)
            if (!got.count(n) && !e.borderline.count(n)) return false;
        return true;
    };
    const auto trials = read_jsonl(dir / "trials.jsonl");
    REQUIRE(trials.size() == 6);
    for (const auto& t : trials) {
        const auto e = expected_set(t["k"]);
        const auto edited = t["edited"].get<std::size_t>();
        CHECK(edited + e.borderline.size() >= e.chosen.size());
        CHECK(edited <= e.chosen.size() + e.borderline.size());
    }
    // the spec written is the best trial's set, neuron for neuron
    const json spec = json::parse(read_text(dir / "spec.json"));
    std::set<std::size_t> got;
    for (const auto& site : spec["sites"])
        for (const auto& neuron : site["neurons"])
            got.insert(layout.offset(layout.at(site["name"].get<std::string>())) + neuron["index"].get<std::size_t>());
    const auto best = expected_set(summary["best"]["k"]);
    CHECK(got.size() == summary["best"]["edited"].get<std::size_t>());
    CHECK(matches(got, best));
    CHECK(best.borderline.size() <= 4);  // near-ties are rare: the check above is not vacuous

    o.selector = "gradient";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err), Catch::Contains("unknown selector 'gradient'"));
    o.selector = "shift";
    o.attributes = "length,emoji";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err),
                      Catch::Contains("no built-in style edit for bias attribute 'emoji'"));
}

TEST_CASE("search --objective robust: the base trial's objective recomputed from the model's own rewards") {
    const auto dir = scratch("search_robust");
    cirm::cli::search_options o;
    on_fixture(o);
    o.data = validation();
    o.trials = 5;
    o.seed = 3;
    o.k_grid = "2,5";
    o.objective = "robust";
    o.out = dir.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_search(o, out, err) == 0);
    const json summary = json::parse(out.str());
    CHECK(summary["objective"] == "robust");

    // the rewards of every response the objective compares, one forward each, no intervention
    auto model = cirm::cli::load_model(llama(), cirm::cli::common_options{});
    const auto reward = [&](const std::string& prompt, const std::string& response) {
        const cirm::sample s{prompt, response};
        return cirm::score_samples(model, std::span<const cirm::sample>(&s, 1), cirm::no_intervention{}, 1).at(0);
    };
    const auto pairs = cirm::cli::load_pairs(validation());
    std::size_t right = 0;
    for (const auto& p : pairs) right += reward(p.prompt, p.chosen) > reward(p.prompt, p.rejected) ? 1 : 0;
    const double accuracy = static_cast<double>(right) / static_cast<double>(pairs.size());
    double counterfactual = 0.0, tolerance = 0.5 / static_cast<double>(pairs.size());
    std::size_t groups = 0;
    for (const auto& name : five()) {
        std::size_t applies = 0, kept = 0;
        for (const auto& p : pairs) {
            const auto edited = cirm::inject_style(name, p.prompt, p.rejected);
            if (!edited) continue;
            ++applies;
            kept += reward(p.prompt, p.chosen) > reward(p.prompt, *edited) ? 1 : 0;
        }
        if (applies == 0) continue;
        ++groups;
        counterfactual += static_cast<double>(kept) / static_cast<double>(applies);
        tolerance += 0.5 / 5.0 / static_cast<double>(applies);  // one comparison's rounding (cached path) per group
    }
    REQUIRE(groups > 0);
    const double robust = 0.5 * accuracy + 0.5 * counterfactual / static_cast<double>(groups);
    INFO("by hand: accuracy " << accuracy << ", robust " << robust);
    CHECK(std::abs(summary["base"]["accuracy"].get<double>() - accuracy) <=
          1.0 / static_cast<double>(pairs.size()) + 1e-12);
    CHECK(std::abs(summary["base"]["objective"].get<double>() - robust) <= tolerance + 1e-12);

    // every trial line carries both numbers; the best is the best by the objective
    const auto trials = read_jsonl(dir / "trials.jsonl");
    REQUIRE(trials.size() == 5);
    for (const auto& t : trials) {
        CHECK(t["objective"].get<double>() <= summary["best"]["objective"].get<double>());
        CHECK(t["accuracy"].get<double>() >= 0.0);
    }

    CHECK(summary["robust_weight"] == 0.5);
    o.robust_weight = 2.0;
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err), Catch::Contains("--robust-weight must be in [0, 1], got 2"));
    o.robust_weight = 0.5;
    o.objective = "flips";
    CHECK_THROWS_WITH(cirm::cli::run_search(o, out, err), Catch::Contains("unknown search objective 'flips'"));
}
