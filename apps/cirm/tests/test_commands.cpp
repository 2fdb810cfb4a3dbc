// locate, score (single responses), annotate, RM-Bench eval, report and demo in-process on the
// fixture model, checked against the engine's own full forward (model.score), an independent
// ranking of the saved correlation table, and hand-computed RM-Bench cells.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cirm/io/safetensors.hpp"
#include "cirm/reference/model.hpp"
#include "cirm_cli/annotate.hpp"
#include "cirm_cli/demo.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/locate.hpp"
#include "cirm_cli/report.hpp"
#include "cirm_cli/score.hpp"
#include "cli_test_support.hpp"

using namespace cli_test;
using nlohmann::json;

TEST_CASE("locate: the correlation table and a spec of the top/bottom-k of each attribute") {
    const auto dir = scratch("locate");
    cirm::cli::locate_options o;
    o.common.model = llama();
    o.data = validation();
    o.budgets = "length=4,bold=2";
    o.out = dir.string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_locate(o, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("localized 80 responses x 1536 neurons x 5 attributes"));

    const cirm::safetensors::mapped_file file(dir / "correlation.safetensors");
    const auto& rho = file.contents().at("rho");
    REQUIRE(rho.shape == std::vector<std::size_t>{1536, 5});
    std::vector<double> table(1536 * 5);
    REQUIRE(rho.bytes.size() == table.size() * sizeof(double));
    std::memcpy(table.data(), rho.bytes.data(), rho.bytes.size());
    for (double v : table) CHECK((v >= -1.0 && v <= 1.0));

    // The spec holds, for length (column 0) the 4 largest and 4 smallest rho, for bold (column 4)
    // the 2 largest and 2 smallest: rank the saved column here and compare the neuron sets.
    const json summary = json::parse(read_text(dir / "localization.json"));
    std::map<std::string, std::size_t> offset;
    for (const auto& s : summary["sites"]) offset[s["name"]] = s["offset"];
    std::set<std::size_t> expected;
    for (const auto& entry : std::vector<std::pair<std::size_t, std::size_t>>{{0, 4}, {4, 2}}) {
        const std::size_t column = entry.first, k = entry.second;  // clang 14 cannot capture a structured binding
        std::vector<std::size_t> order(1536);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return table[a * 5 + column] > table[b * 5 + column]; });
        for (std::size_t i = 0; i < k; ++i) {
            expected.insert(order[i]);
            expected.insert(order[1535 - i]);
        }
    }
    const json spec = json::parse(read_text(dir / "spec.json"));
    std::set<std::size_t> got;
    for (const auto& site : spec["sites"])
        for (const auto& neuron : site["neurons"])
            got.insert(offset.at(site["name"]) + neuron["index"].get<std::size_t>());
    CHECK(got == expected);
    CHECK(fs::exists(dir / "spec.safetensors"));
}

TEST_CASE("score: single responses agree with the engine's full forward") {
    const auto dir = scratch("score_single");
    cirm::cli::score_options o;
    o.common.model = llama();
    o.data = fixture("cli/responses.jsonl");
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_score(o, out, err) == 0);  // no --out: JSONL on stdout
    std::istringstream lines(out.str());
    const cirm::reference::llama_reward_model model{fs::path(llama())};
    const auto inputs = read_jsonl(fixture("cli/responses.jsonl"));
    std::size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
        const json j = json::parse(line);
        REQUIRE(n < inputs.size());
        CHECK(j["id"] == inputs[n]["id"]);
        const std::string prompt = inputs[n]["prompt"], response = inputs[n]["response"];
        const float full = model.score(cirm::sample{prompt, response});
        CHECK(j["reward"].get<double>() == Approx(full).margin(1e-4));
    }
    CHECK(n == 5);
}

TEST_CASE("score --spec says on stderr what the spec applies, counted from the spec file") {
    const auto dir = scratch("score_spec");
    cirm::cli::locate_options l;
    l.common.model = llama();
    l.data = validation();
    l.budgets = "length=3,bold=1";
    l.out = (dir / "locate").string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_locate(l, out, err) == 0);
    // the spec's neurons and sites, counted here from its JSON
    const json spec = json::parse(read_text(dir / "locate" / "spec.json"));
    std::size_t neurons = 0;
    for (const auto& site : spec["sites"]) neurons += site["neurons"].size();
    REQUIRE(neurons > 0);

    cirm::cli::score_options o;
    o.common.model = llama();
    o.data = fixture("cli/responses.jsonl");
    o.spec = (dir / "locate" / "spec.json").string();
    std::ostringstream score_out, score_err;
    REQUIRE(cirm::cli::run_score(o, score_out, score_err) == 0);
    CHECK(score_err.str() == "applying spec " + o.spec + ": " + std::to_string(neurons) + " neurons at " +
                                 std::to_string(spec["sites"].size()) +
                                 " sites, pinned to the median at the last token\n");
    // quiet: nothing on stderr
    o.common.quiet = true;
    std::ostringstream quiet_out, quiet_err;
    REQUIRE(cirm::cli::run_score(o, quiet_out, quiet_err) == 0);
    CHECK(quiet_err.str().empty());
    CHECK(quiet_out.str() == score_out.str());
}

TEST_CASE("custom attributes from the command line (NAME=regex:PATTERN)") {
    const auto dir = scratch("custom_attribute");
    // "bangs" counts matches of "!", which is what the built-in exclamation attribute counts: the
    // two must give the same subsets
    cirm::cli::eval_options e;
    e.common.model = llama();
    e.common.json = true;
    e.common.quiet = true;
    e.data = test_set();
    e.attributes = "exclamation";
    e.custom_attributes = {"bangs=regex:!"};
    e.flip_rates = false;
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_eval(e, out, err) == 0);
    const json d = json::parse(out.str());
    for (const auto& [method, m] : d["methods"].items()) {
        INFO(method);
        REQUIRE(m["subsets"].contains("bangs"));
        CHECK(m["subsets"]["bangs"] == m["subsets"]["exclamation"]);
    }
    CHECK(d["methods"]["base"]["subsets"]["bangs"]["n_biased"].get<std::size_t>() > 0);

    // an attribute that no response matches is constant on the data: said, and nothing selected
    cirm::cli::locate_options l;
    l.common.model = llama();
    l.data = validation();
    l.attributes = "length";
    l.custom_attributes = {"never=regex:QQQ[0-9]ZZZ"};
    l.budgets = "length=2";
    l.out = (dir / "locate").string();
    std::ostringstream lout, lerr;
    REQUIRE(cirm::cli::run_locate(l, lout, lerr) == 0);
    CHECK_THAT(lout.str(), Catch::Contains("never        constant on this data"));
    const json summary = json::parse(read_text(dir / "locate" / "localization.json"));
    CHECK(summary["constant_attributes"] == json::array({"never"}));
    const json spec = json::parse(read_text(dir / "locate" / "spec.json"));
    for (const auto& site : spec["sites"])
        for (const auto& neuron : site["neurons"]) CHECK_FALSE(neuron["chosen_by"].contains("never"));

    // a bad pattern is an error naming it
    l.custom_attributes = {"broken=regex:(unclosed"};
    CHECK_THROWS_WITH(cirm::cli::run_locate(l, lout, lerr), Catch::Contains("broken"));
}

TEST_CASE("annotate: chosen and rejected are the best and worst candidates by the full forward") {
    const auto dir = scratch("annotate");
    cirm::cli::annotate_options o;
    o.common.model = llama();
    o.common.quiet = true;
    o.data = fixture("cli/prompts.jsonl");
    o.out = (dir / "dpo.jsonl").string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_annotate(o, out, err) == 0);
    const auto got = read_jsonl(dir / "dpo.jsonl");
    const auto inputs = read_jsonl(fixture("cli/prompts.jsonl"));
    REQUIRE(got.size() == inputs.size());
    const cirm::reference::llama_reward_model model{fs::path(llama())};
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const std::string prompt = inputs[i]["prompt"];
        std::vector<float> r;
        for (const auto& c : inputs[i]["responses"])
            r.push_back(model.score(cirm::sample{prompt, c.get_ref<const std::string&>()}));
        const auto best = static_cast<std::size_t>(std::max_element(r.begin(), r.end()) - r.begin());
        const auto worst = static_cast<std::size_t>(std::min_element(r.begin(), r.end()) - r.begin());
        CHECK(got[i]["id"] == inputs[i]["id"]);
        CHECK(got[i]["prompt"] == prompt);
        CHECK(got[i]["chosen"] == inputs[i]["responses"][best]);
        CHECK(got[i]["rejected"] == inputs[i]["responses"][worst]);
    }
}

TEST_CASE("annotate --report: share of correct picks and mean styles, with LP recomputed by hand") {
    const auto dir = scratch("annotate_report");
    // the fixture's candidate sets with a 'correct' index each (an assignment for this test)
    auto inputs = read_jsonl(fixture("cli/prompts.jsonl"));
    std::string text;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        inputs[i]["correct"] = i % 3;
        text += inputs[i].dump() + "\n";
    }
    write_text(dir / "candidates.jsonl", text);
    const cirm::reference::llama_reward_model model{fs::path(llama())};
    for (const std::string baseline : {"", "lp"}) {
        cirm::cli::annotate_options o;
        o.common.model = llama();
        o.common.quiet = true;
        o.data = (dir / "candidates.jsonl").string();
        o.baseline = baseline;
        o.report = (dir / ("report" + baseline + ".json")).string();
        o.out = (dir / "dpo.jsonl").string();
        std::ostringstream out, err;
        REQUIRE(cirm::cli::run_annotate(o, out, err) == 0);
        const json report = json::parse(read_text(o.report));
        std::size_t correct = 0;
        double picked_length = 0.0, picked_bold = 0.0, all_length = 0.0;
        std::size_t candidates = 0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            const std::string prompt = inputs[i]["prompt"];
            std::vector<double> r;
            for (const auto& c : inputs[i]["responses"]) {
                const std::string& response = c.get_ref<const std::string&>();
                double reward = model.score(cirm::sample{prompt, response});
                if (baseline == "lp") reward -= 0.001 * ref_length(response);
                r.push_back(reward);
                all_length += ref_length(response);
                ++candidates;
            }
            const auto best = static_cast<std::size_t>(std::max_element(r.begin(), r.end()) - r.begin());
            correct += best == inputs[i]["correct"].get<std::size_t>();
            const std::string picked = inputs[i]["responses"][best];
            picked_length += ref_length(picked);
            picked_bold += ref_count(picked, "**");
        }
        const double n = static_cast<double>(inputs.size());
        CHECK(report["prompts"] == inputs.size());
        CHECK(report["method"] == (baseline.empty() ? "base" : baseline));
        CHECK(report["spec"] == false);
        CHECK(report["correct_picked"] == correct);
        CHECK(report["correct_share"].get<double>() == Approx(static_cast<double>(correct) / n));
        CHECK(report["picked"]["length"].get<double>() == Approx(picked_length / n));
        CHECK(report["picked"]["bold"].get<double>() == Approx(picked_bold / n));
        CHECK(report["candidates"]["length"].get<double>() == Approx(all_length / static_cast<double>(candidates)));
    }

    // refusals leave no file behind
    cirm::cli::annotate_options o;
    o.common.model = llama();
    o.common.quiet = true;
    o.data = fixture("cli/prompts.jsonl");
    o.report = (dir / "none.json").string();
    o.out = (dir / "none.jsonl").string();
    std::ostringstream out, err;
    CHECK_THROWS_WITH(cirm::cli::run_annotate(o, out, err), Catch::Contains("has no 'correct' index"));
    o.report.clear();
    o.baseline = "median";
    CHECK_THROWS_WITH(cirm::cli::run_annotate(o, out, err), Catch::Contains("unknown baseline 'median'"));
    inputs[0]["correct"] = 3;
    write_text(dir / "bad.jsonl", inputs[0].dump() + "\n");
    o.baseline.clear();
    o.data = (dir / "bad.jsonl").string();
    CHECK_THROWS_WITH(cirm::cli::run_annotate(o, out, err),
                      Catch::Contains("'correct' must be the index of one of the 3"));
    CHECK(!fs::exists(dir / "none.json"));
    CHECK(!fs::exists(dir / "none.jsonl"));
}

TEST_CASE("eval: RM-Bench data gives easy / normal / hard from the 3x3 matrix") {
    cirm::cli::eval_options o;
    o.common.model = llama();
    o.common.json = true;
    o.data = fixture("cli/rmbench.jsonl");
    o.flip_rates = false;
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_eval(o, out, err) == 0);
    const json d = json::parse(out.str());
    CHECK(d["pairs"] == 24);  // 8 items x 3 variants
    REQUIRE(d.contains("rm_bench"));
    CHECK(d["rm_bench"]["items"] == 8);

    // the matrix by hand from full-forward rewards: M[i][j] = share of items with r(chosen_i) > r(rejected_j)
    const cirm::reference::llama_reward_model model{fs::path(llama())};
    double cells[3][3] = {};
    const auto items = read_jsonl(fixture("cli/rmbench.jsonl"));
    for (const auto& item : items) {
        const std::string prompt = item["prompt"];
        float c[3], r[3];
        for (std::size_t v = 0; v < 3; ++v) {
            c[v] = model.score(cirm::sample{prompt, item["chosen"][v].get_ref<const std::string&>()});
            r[v] = model.score(cirm::sample{prompt, item["rejected"][v].get_ref<const std::string&>()});
        }
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 3; ++j) cells[i][j] += c[i] > r[j] ? 1.0 / 8 : 0.0;
    }
    const json& base = d["rm_bench"]["methods"]["base"];
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) CHECK(base["matrix"][i][j].get<double>() == Approx(cells[i][j]));
    CHECK(base["hard"].get<double>() == Approx((cells[0][1] + cells[0][2] + cells[1][2]) / 3));
    CHECK(base["normal"].get<double>() == Approx((cells[0][0] + cells[1][1] + cells[2][2]) / 3));
    CHECK(base["easy"].get<double>() == Approx((cells[1][0] + cells[2][0] + cells[2][1]) / 3));
    CHECK(d["rm_bench"]["methods"].contains("lp"));
    CHECK(d["rm_bench"]["methods"].contains("lwr"));
}

TEST_CASE("eval --flip-pairs: flip rates over the first N pairs equal those of eval on those pairs") {
    const auto dir = scratch("flip_pairs");
    std::string first20;
    {
        std::istringstream all(read_text(test_set()));
        std::string line;
        for (int i = 0; i < 20 && std::getline(all, line); ++i) first20 += line + "\n";
    }
    cirm::write_file_atomically(dir / "first20.jsonl", first20);
    const auto run = [](const std::string& data, std::size_t flip_pairs) {
        cirm::cli::eval_options o;
        o.common.model = llama();
        o.common.json = true;
        o.data = data;
        o.flip_pairs = flip_pairs;
        std::ostringstream out, err;
        REQUIRE(cirm::cli::run_eval(o, out, err) == 0);
        return json::parse(out.str());
    };
    const json subset = run(test_set(), 20), small = run((dir / "first20.jsonl").string(), 0);
    CHECK(subset["flip_pairs"] == 20);
    CHECK(subset["pairs"] == 60);
    CHECK(subset["methods"]["base"]["flip_rate"] == small["methods"]["base"]["flip_rate"]);
    CHECK(subset["methods"]["lp"]["flip_rate"] == small["methods"]["lp"]["flip_rate"]);
}

TEST_CASE("demo writes its files and a self-contained HTML report with the charts") {
    const auto dir = scratch("demo");
    cirm::cli::demo_options o;
    o.common.model = llama();
    o.common.json = true;
    o.validation = validation();
    o.test = test_set();
    o.out = (dir / "out").string();
    o.trials = 20;
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_demo(o, out, err) == 0);
    const json d = json::parse(out.str());
    for (const char* key : {"model", "data", "pairs", "methods", "spec", "files", "search"}) CHECK(d.contains(key));
    CHECK(d["methods"].contains("cirm"));
    for (const char* f : {"report.html", "spec.json", "spec.safetensors", "trials.jsonl", "eval.json"})
        CHECK(fs::exists(dir / "out" / f));
    CHECK(read_jsonl(dir / "out" / "trials.jsonl").size() == 20);

    // the variant column: the same as a plain `cirm search` with the variant's settings on the
    // validation set, then `cirm eval` of that spec on the test set (its base = the demo's base)
    REQUIRE(d["methods"].contains("variant"));
    CHECK(d["variant"]["intervention"] == cirm::cli::default_variant.intervention);
    CHECK(d["variant"]["direction_kind"] == cirm::cli::default_variant.direction_kind);
    CHECK(d["variant"]["selector"] == cirm::cli::default_variant.selector);
    CHECK(d["variant"]["objective"] == cirm::cli::default_variant.objective);
    for (const char* f : {"spec.json", "spec.safetensors", "trials.jsonl"})
        CHECK(fs::exists(dir / "out" / "variant" / f));
    {
        cirm::cli::search_options so;
        on_fixture(so);
        so.data = validation();
        so.trials = 20;
        so.intervention = std::string(cirm::cli::default_variant.intervention);
        so.direction_kind = std::string(cirm::cli::default_variant.direction_kind);
        so.sampler = std::string(cirm::cli::default_variant.sampler);
        so.k_grid = std::string(cirm::cli::default_variant.k_grid);
        so.selector = std::string(cirm::cli::default_variant.selector);
        so.replacement = std::string(cirm::cli::default_variant.replacement);
        so.sites = std::string(cirm::cli::default_variant.sites);
        so.objective = std::string(cirm::cli::default_variant.objective);
        so.robust_weight = cirm::cli::default_variant.robust_weight;
        so.out = (dir / "variant_search").string();
        std::ostringstream sout, serr;
        REQUIRE(cirm::cli::run_search(so, sout, serr) == 0);
        CHECK(read_text(dir / "variant_search" / "spec.json") == read_text(dir / "out" / "variant" / "spec.json"));

        cirm::cli::eval_options eo;
        on_fixture(eo);
        eo.data = test_set();
        eo.spec = (dir / "variant_search" / "spec.json").string();
        eo.baselines = "none";
        eo.flip_pairs = o.flip_pairs;
        std::ostringstream eout, eerr;
        REQUIRE(cirm::cli::run_eval(eo, eout, eerr) == 0);
        const json e = json::parse(eout.str());
        CHECK(e["methods"]["cirm"] == d["methods"]["variant"]);
        CHECK(e["methods"]["base"] == d["methods"]["base"]);
    }

    const std::string html = read_text(dir / "out" / "report.html");
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
    // self-contained: no script, no external resource
    for (const char* forbidden : {"<script", "src=", "href=", "url(", "@import"})
        CHECK_THAT(html, !Catch::Contains(forbidden));
    std::size_t svgs = 0;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
    CHECK(svgs == 3);  // accuracy per subset, flip rates, edited neurons per layer x kind
    CHECK_THAT(html,
               Catch::Contains("edited neurons per layer x module kind") && Catch::Contains("accuracy per subset"));
    CHECK_THAT(html, Catch::Contains("Goal check (cirm vs base)") && Catch::Contains("Goal check (variant vs base)"));

    // `cirm report` from the demo's files reproduces the page (the same inputs, title aside)
    cirm::cli::report_options r;
    r.eval = (dir / "out" / "eval.json").string();
    r.spec = (dir / "out" / "spec.json").string();
    r.trials = (dir / "out" / "trials.jsonl").string();
    r.model = llama();
    r.title = "cirm demo report";
    r.out = (dir / "report.html").string();
    std::ostringstream rout, rerr;
    REQUIRE(cirm::cli::run_report(r, rout, rerr) == 0);
    CHECK(read_text(dir / "report.html") == html);
}

TEST_CASE("demo prints both goal checks, and --no-variant runs the method alone") {
    const auto dir = scratch("demo_text");
    cirm::cli::demo_options o;
    on_fixture(o);
    o.common.json = false;  // the text output
    o.validation = validation();
    o.test = test_set();
    o.out = (dir / "out").string();
    o.trials = 6;
    o.flip_rates = false;
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_demo(o, out, err) == 0);
    CHECK_THAT(out.str(),
               Catch::Contains("goal check (cirm vs base):") && Catch::Contains("goal check (variant vs base):") &&
                   Catch::Contains("variant (" + cirm::cli::variant_label(o) + "): 0 of 1536 neurons edited, "));
    CHECK(fs::exists(dir / "out" / "variant" / "spec.json"));

    o.variant = false;
    o.out = (dir / "alone").string();
    std::ostringstream alone, alone_err;
    REQUIRE(cirm::cli::run_demo(o, alone, alone_err) == 0);
    CHECK_THAT(alone.str(), Catch::Contains("goal check (cirm vs base") && !Catch::Contains("variant"));
    CHECK_FALSE(fs::exists(dir / "alone" / "variant"));

    o.variant = true;
    o.variant_intervention = "neurons";
    o.variant_selector = "gradient";
    CHECK_THROWS_WITH(cirm::cli::run_demo(o, alone, alone_err), Catch::Contains("unknown selector 'gradient'"));
    o.variant_intervention = "tensors";
    CHECK_THROWS_WITH(cirm::cli::run_demo(o, alone, alone_err), Catch::Contains("unknown intervention 'tensors'"));
}

TEST_CASE("demo: the variant's label names what it edits") {
    cirm::cli::demo_options o;
    o.variant_intervention = "directions";
    o.variant_direction_kind = "covariance";
    o.variant_replacement = "median";
    o.variant_sites = "first-half";
    o.variant_objective = "accuracy";
    o.variant_k_grid = "1";
    CHECK(cirm::cli::variant_label(o) ==
          "directions (covariance, every attribute), pin median, sites first-half, objective accuracy");
    o.variant_k_grid = "0,1";
    CHECK(cirm::cli::variant_label(o) == "directions (covariance), pin median, sites first-half, objective accuracy");
    o.variant_intervention = "neurons";
    o.variant_selector = "shift";
    o.variant_replacement = "zero";
    o.variant_objective = "robust";
    o.variant_robust_weight = 1.0;
    CHECK(cirm::cli::variant_label(o) == "selector shift, pin zero, sites first-half, objective robust (weight 1)");
}

TEST_CASE("report: the heat map counts every edited neuron of the spec in its layer and kind") {
    cirm::spec s;
    s.sites.push_back({"model.layers.0.self_attn.q_proj", {1, 2, 3}, {0, 0, 0}, {}});
    s.sites.push_back({"model.layers.2.mlp.up_proj", {4, 9}, {0, 0}, {}});
    s.sites.push_back({"model.layers.2.mlp.down_proj", {0}, {0}, {}});
    const auto counts = cirm::edited_per_layer_kind(s, nullptr);
    REQUIRE(counts.size() == 3);  // layers 0..2 from the names
    // columns q, k, v, o, gate, up, down
    CHECK(counts[0] == std::vector<std::size_t>{3, 0, 0, 0, 0, 0, 0});
    CHECK(counts[1] == std::vector<std::size_t>{0, 0, 0, 0, 0, 0, 0});
    CHECK(counts[2] == std::vector<std::size_t>{0, 0, 0, 0, 0, 2, 1});
    const auto svg = cirm::svg_heatmap({"a", "b<"}, {"q"}, {{1}, {0}}, "t&");
    CHECK_THAT(svg, Catch::Contains("b&lt;") && Catch::Contains("t&amp;") && Catch::Contains("width=\""));
}

TEST_CASE(
    "report --ablations: the table of tools/experiments/ablate.py's rows, and a spec's pinned directions listed") {
    const auto dir = scratch("report_ablations");
    cirm::cli::eval_options eo;
    on_fixture(eo);
    eo.data = test_set();
    eo.flip_rates = false;
    eo.out = (dir / "eval.json").string();
    std::ostringstream eout, eerr;
    REQUIRE(cirm::cli::run_eval(eo, eout, eerr) == 0);

    write_text(dir / "ablations.json",
               R"({"format": "cirm-ablations", "set": "validation", "total_neurons": 1536, "rows": [
        {"row": "base", "trials": 0, "edited": 0, "directions": 0, "accuracy": 0.778, "neutral": 0.92,
         "mean_unbiased": 0.646, "worst_biased_change": null, "mean_flip": 0.123, "flip_ratio": 1.0},
        {"row": "directions-first-half<x>", "trials": 2, "edited": 0, "directions": 55, "accuracy": 0.908,
         "neutral": 0.94, "mean_unbiased": 0.858, "worst_biased_change": 0.056, "mean_flip": 0.045, "flip_ratio": 0.3659}]})");
    cirm::spec s;
    cirm::spec_site site;
    site.name = "model.layers.0.self_attn.o_proj";
    std::vector<float> e0(64, 0.0f), e1(64, 0.0f);
    e0[0] = 1.0f;
    e1[5] = 1.0f;
    site.directions = {{"length", 0.5f, e0}, {"bold", -0.25f, e1}};
    s.sites.push_back(site);
    cirm::save_spec_json(dir / "spec.json", s);

    cirm::cli::report_options r;
    r.eval = (dir / "eval.json").string();
    r.spec = (dir / "spec.json").string();
    r.ablations = (dir / "ablations.json").string();
    r.model = llama();
    r.out = (dir / "report.html").string();
    std::ostringstream rout, rerr;
    REQUIRE(cirm::cli::run_report(r, rout, rerr) == 0);
    const std::string html = read_text(dir / "report.html");
    CHECK_THAT(html, Catch::Contains("<h2>Ablations on the validation set (1 configurations)</h2>"));
    CHECK_THAT(html, Catch::Contains("<tr><td>base</td><td>0</td><td>0</td><td>77.8</td><td>92.0</td><td>64.6</td>"
                                     "<td>&ndash;</td><td>12.3</td><td>1.00</td></tr>"));
    CHECK_THAT(
        html, Catch::Contains("<tr><td>directions-first-half&lt;x&gt;</td><td>2</td><td>55 directions</td><td>90.8</td>"
                              "<td>94.0</td><td>85.8</td><td>+5.6</td><td>4.5</td><td>0.37</td></tr>"));
    CHECK_THAT(html, Catch::Contains("2 directions pinned (beyond the method)") &&
                         Catch::Contains("<li><code>model.layers.0.self_attn.o_proj</code>: length, bold</li>"));

    write_text(dir / "bad.json", R"({"format": "cirm-ablations", "rows": [{"row": "x", "trials": 1, "edited": 0,
        "directions": 0, "accuracy": 1.5, "neutral": 0.9, "mean_unbiased": 0.5, "worst_biased_change": null,
        "mean_flip": 0.1, "flip_ratio": 1.0}]})");
    r.ablations = (dir / "bad.json").string();
    CHECK_THROWS_WITH(cirm::cli::run_report(r, rout, rerr),
                      Catch::Contains("bad.json: rows[0]: 'accuracy' is not a fraction or null"));
    write_text(dir / "bad.json", R"({"format": "cirm-eval", "rows": []})");
    CHECK_THROWS_WITH(cirm::cli::run_report(r, rout, rerr),
                      Catch::Contains("bad.json: format is not \"cirm-ablations\""));
}
