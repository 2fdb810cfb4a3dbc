// Direction localization (calibrate/localize_directions.hpp): against numpy/scipy on the fixture
// neuron table, on the planted toy RM (pinning the directions removes the planted biases from
// its reward), the shift kind against the counterfactual shifts, and the errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_directions.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/direction_pin.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/testing/small_planted.hpp"
#include "cirm/testing/synthetic_pairs.hpp"
#include "support/fixtures.hpp"

namespace {

/// The fixture's neuron table as an ActivationSource: sample i (response "i") has row i of the
/// table's activations, split over two sites as make_fixtures.py splits them.
class table_source {
public:
    explicit table_source(const nlohmann::json& table)
        : neurons_(table.at("neurons").get<std::size_t>()),
          activations_(table.at("activations").get<std::vector<float>>()),
          layout_({{"site_a", 0, cirm::module_kind::o_proj, 24}, {"site_b", 1, cirm::module_kind::o_proj, 16}}) {}

    const cirm::site_layout& layout() const { return layout_; }

    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const std::size_t i = std::stoul(std::string(batch[b].response));
            const float* row = activations_.data() + i * neurons_;
            sink.put(b, 0, std::span<const float>(row, 24));
            sink.put(b, 1, std::span<const float>(row + 24, 16));
        }
    }

    template <cirm::Intervention I>
    void score(std::span<const cirm::sample> batch, const I& intervention, std::span<float> rewards) {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const std::size_t i = std::stoul(std::string(batch[b].response));
            std::vector<float> row(activations_.begin() + static_cast<std::ptrdiff_t>(i * neurons_),
                                   activations_.begin() + static_cast<std::ptrdiff_t>((i + 1) * neurons_));
            intervention.apply(0, cirm::make_view(row.data(), 1, 24));
            intervention.apply(1, cirm::make_view(row.data() + 24, 1, 16));
            float sum = 0.0f;
            for (float x : row) sum += x;
            rewards[b] = sum;
        }
    }

private:
    std::size_t neurons_;
    std::vector<float> activations_;
    cirm::site_layout layout_;
};
static_assert(cirm::ActivationSource<table_source>);

/// Attribute `column` of the fixture's attribute values, looked up by the sample's index.
struct table_attribute {
    std::string label;
    std::shared_ptr<const std::vector<double>> values;  // samples × attributes
    std::size_t column = 0, attributes = 0;
    std::string_view name() const noexcept { return label; }
    double operator()(std::string_view, std::string_view response) const {
        return (*values)[std::stoul(std::string(response)) * attributes + column];
    }
};

struct fixture_run {
    nlohmann::json expected;
    std::vector<cirm::sample> samples;
    cirm::direction_localization loc;
};

fixture_run localize_fixture() {
    const auto table = cirm::testing::load_fixture("spearman.json").at("table");
    auto expected = cirm::testing::load_fixture("directions.json").at("directions");
    table_source source(table);
    const auto names = table.at("attributes").get<std::vector<std::string>>();
    auto values = std::make_shared<const std::vector<double>>(table.at("attribute_values").get<std::vector<double>>());
    std::vector<cirm::any_attribute> attributes;
    for (std::size_t b = 0; b < names.size(); ++b)
        attributes.emplace_back(table_attribute{names[b], values, b, names.size()});
    std::vector<cirm::sample> samples;
    const std::size_t n = table.at("samples").get<std::size_t>();
    static std::vector<std::string> texts;  // the samples view these
    texts.clear();
    for (std::size_t i = 0; i < n; ++i) texts.push_back(std::to_string(i));
    for (std::size_t i = 0; i < n; ++i) samples.push_back({"", texts[i]});
    cirm::direction_options o;
    o.batch_size = 7;
    auto loc = cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes, o);
    return {std::move(expected), std::move(samples), std::move(loc)};
}

/// The spec's directions against one of the fixture's cases (per site: vectors, medians, means).
void check_spec(const cirm::spec& s, const nlohmann::json& expected, const char* statistic) {
    REQUIRE(s.sites.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& e = expected[i];
        const cirm::spec_site& site = s.sites[i];
        CHECK(site.name == e.at("site").get<std::string>());
        CHECK(site.indices.empty());
        const auto biases = e.at("biases").get<std::vector<std::string>>();
        const auto vectors = e.at("vectors").get<std::vector<std::vector<double>>>();
        const auto values = e.at(statistic).get<std::vector<double>>();
        REQUIRE(site.directions.size() == biases.size());
        for (std::size_t d = 0; d < biases.size(); ++d) {
            INFO(site.name << " direction " << d);
            CHECK(site.directions[d].bias == biases[d]);
            REQUIRE(site.directions[d].vector.size() == vectors[d].size());
            for (std::size_t k = 0; k < vectors[d].size(); ++k)
                CHECK(site.directions[d].vector[k] == Approx(vectors[d][k]).margin(1e-6));
            CHECK(site.directions[d].value == Approx(values[d]).margin(1e-5));
        }
    }
}

}  // namespace

TEST_CASE("covariance directions, their orthonormal basis and pinned values match numpy/scipy") {
    const auto run = localize_fixture();
    const auto& loc = run.loc;
    REQUIRE(loc.layout.neurons() == 40);
    CHECK(loc.kind == cirm::direction_kind::covariance);
    CHECK(loc.samples() == 300);
    CHECK(loc.attribute_constant == std::vector<std::uint8_t>{0, 0, 0, 1});
    CHECK(loc.data_hash == cirm::hash_samples(run.samples));
    const auto raw = run.expected.at("raw").get<std::vector<double>>();
    for (std::size_t k = 0; k < 40; ++k)
        for (std::size_t b = 0; b < 4; ++b) {
            INFO("neuron " << k << " bias " << b);
            CHECK(loc.at(k, b) == Approx(raw[k * 4 + b]).margin(1e-12).epsilon(1e-9));
        }

    const auto every = cirm::direction_spec(loc);
    CHECK(every.replacement == cirm::replacement::median);
    CHECK(every.positions == cirm::positions::last_token);
    CHECK(every.provenance.samples == 300);
    CHECK(every.provenance.total_neurons == 40);
    CHECK(every.provenance.attributes == std::vector<std::string>{"length", "paragraphs", "overlap", "exclamation"});
    check_spec(every, run.expected.at("every_bias"), "median");
    check_spec(cirm::direction_spec(loc, {}, cirm::replacement::mean), run.expected.at("every_bias"), "mean");
    // names in any order: the basis is built in attribute order
    const std::vector<std::string> two{"overlap", "length"};
    check_spec(cirm::direction_spec(loc, two), run.expected.at("overlap_and_length"), "median");

    const auto zero = cirm::direction_spec(loc, two, cirm::replacement::zero, cirm::positions::all);
    CHECK(zero.positions == cirm::positions::all);
    for (const auto& site : zero.sites)
        for (const auto& d : site.directions) CHECK(d.value == 0.0f);
}

TEST_CASE("direction_spec refuses unknown and constant biases and the swap replacement") {
    const auto run = localize_fixture();
    const std::vector<std::string> unknown{"bold"}, constant{"exclamation"};
    CHECK_THROWS_WITH(cirm::direction_spec(run.loc, unknown), "direction spec: bias 'bold' was not localized");
    CHECK_THROWS_WITH(
        cirm::direction_spec(run.loc, constant),
        "direction spec: bias 'exclamation' is constant over the validation samples, so it has no direction");
    CHECK_THROWS_WITH(cirm::direction_spec(run.loc, {}, cirm::replacement::swap),
                      Catch::Contains("defined for neurons only"));
}

TEST_CASE("pinning the covariance directions removes the planted biases from the toy reward") {
    auto source = cirm::testing::small_planted_source(3);
    const auto pairs = cirm::testing::make_arithmetic_pairs(600, 17);
    const auto samples = cirm::response_samples(pairs);
    const auto names = cirm::testing::method_names();
    const auto attributes = cirm::make_attributes(names);
    const auto loc = cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes);
    const auto s = cirm::direction_spec(loc);
    CHECK(s.edited() == 0);
    const cirm::direction_pin pin(s, source.layout());

    std::vector<float> base(samples.size()), pinned(samples.size());
    source.score(samples, cirm::no_intervention{}, base);
    source.score(samples, pin, pinned);
    const std::vector<double> base_d(base.begin(), base.end()), pinned_d(pinned.begin(), pinned.end());
    std::vector<double> content(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        content[i] = cirm::testing::arithmetic_content(samples[i].prompt, samples[i].response);
    for (std::size_t b = 0; b < names.size(); ++b) {
        std::vector<double> f(samples.size());
        for (std::size_t i = 0; i < samples.size(); ++i) f[i] = loc.attributes.at(i, b);
        const double before = cirm::spearman(base_d, f), after = cirm::spearman(pinned_d, f);
        INFO(names[b] << ": rho(reward, attribute) " << before << " -> " << after);
        if (std::abs(before) < 0.1) continue;  // an attribute constant in this data has no bias to remove
        CHECK(std::abs(after) < 0.05);
    }
    // the content the toy reward is about survives
    CHECK(cirm::spearman(pinned_d, content) > 0.5);
}

TEST_CASE("shift directions are the counterfactual shifts' mean changes") {
    auto source = cirm::testing::small_planted_source(4);
    const auto pairs = cirm::testing::make_arithmetic_pairs(60, 5);
    const auto samples = cirm::response_samples(pairs);
    const std::vector<std::string> names{"length", "exclamation"};
    const auto attributes = cirm::make_attributes(names);
    cirm::direction_options o;
    o.kind = cirm::direction_kind::shift;
    o.sites = {"model.layers.1.mlp.up_proj", "model.layers.0.self_attn.q_proj"};
    const auto loc = cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes, o);
    REQUIRE(loc.layout.size() == 2);
    CHECK(loc.layout[0].name == "model.layers.1.mlp.up_proj");

    cirm::shift_options so;
    so.sites = o.sites;
    const auto edits = cirm::builtin_style_edits(names);
    const auto shifts = cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples),
                                                            std::span<const cirm::named_style_edit>(edits), so);
    REQUIRE(shifts.neurons == loc.layout.neurons());
    double largest = 0.0;
    for (std::size_t k = 0; k < shifts.neurons; ++k)
        for (std::size_t b = 0; b < names.size(); ++b) {
            CHECK(loc.at(k, b) == shifts.mean_delta[k * 2 + b]);
            largest = std::max(largest, std::abs(loc.at(k, b)));
        }
    CHECK(largest > 0.1);  // the edits move the planted neurons

    // an attribute without a built-in edit is named before any forward pass
    const auto with_custom = cirm::make_attributes(std::vector<std::string>{"length", "headers"});
    CHECK_THROWS_WITH(cirm::localize_directions(source, std::span<const cirm::sample>(samples), with_custom, o),
                      Catch::Contains("no built-in style edit for bias attribute 'headers'"));
    o.edits = {{"length", [](std::string_view, std::string_view r) {
                    return std::optional<std::string>(std::string(r) + " x");
                }}};
    CHECK_THROWS_WITH(cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes, o),
                      "localize directions: no style edit given for bias attribute 'exclamation'");
}

TEST_CASE("localize_directions checks its inputs") {
    auto source = cirm::testing::small_planted_source(3);
    const auto pairs = cirm::testing::make_arithmetic_pairs(4, 5);
    const auto samples = cirm::response_samples(pairs);
    const auto attributes = cirm::make_attributes(cirm::testing::method_names());
    CHECK_THROWS_WITH(cirm::localize_directions(source, std::span<const cirm::sample>(samples).first(1), attributes),
                      Catch::Contains("need at least 2 samples"));
    CHECK_THROWS_WITH(cirm::localize_directions(source, std::span<const cirm::sample>(samples), {}),
                      Catch::Contains("no bias attributes"));
    cirm::direction_options o;
    o.sites = {"model.layers.7.mlp.up_proj"};
    CHECK_THROWS_WITH(cirm::localize_directions(source, std::span<const cirm::sample>(samples), attributes, o),
                      Catch::Contains("unknown site 'model.layers.7.mlp.up_proj'"));
    CHECK(cirm::parse_mode<cirm::direction_kind>("shift") == cirm::direction_kind::shift);
    CHECK_THROWS_WITH(cirm::parse_mode<cirm::direction_kind>("pca"),
                      "unknown direction kind 'pca' (expected covariance or shift)");
}

TEST_CASE("search_directions: the candidates, the trials and the objective recomputed by hand") {
    auto source = cirm::testing::small_planted_source(6);
    const auto pairs = cirm::testing::make_arithmetic_pairs(80, 9);
    const auto samples = cirm::response_samples(pairs);
    const std::vector<std::string> names{"length", "exclamation", "bold"};
    const auto loc =
        cirm::localize_directions(source, std::span<const cirm::sample>(samples), cirm::make_attributes(names));

    // {0, 1} for each of 3 biases, exhaustively: the base and the 7 others
    cirm::budget_search_options o;
    o.sampler = cirm::sampler_kind::exhaustive;
    o.trials = 20;
    const auto all = cirm::search_directions(source, loc, pairs, o);
    REQUIRE(all.search.trials.size() == 8);
    for (const auto& t : all.search.trials) {
        const auto s = cirm::direction_spec_for_budgets(loc, t.budgets);
        const cirm::direction_pin pin(s, source.layout());
        const auto r = cirm::score_pairs(source, pairs, pin);
        std::size_t right = 0;
        for (std::size_t i = 0; i < pairs.size(); ++i) right += r.chosen[i] > r.rejected[i] ? 1 : 0;
        CHECK(t.objective == Approx(static_cast<double>(right) / static_cast<double>(pairs.size())).margin(1e-12));
        std::size_t on = 0;
        for (auto k : t.budgets) on += k;
        CHECK(s.pinned_directions() <= on * source.layout().size());
        CHECK(s.budgets.size() == 3);
    }
    CHECK(all.best == cirm::direction_spec_for_budgets(loc, all.search.best_trial().budgets));
    CHECK(all.search.base_trial().budgets == std::vector<std::size_t>{0, 0, 0});
    CHECK(cirm::direction_spec_for_budgets(loc, std::vector<std::size_t>{0, 0, 0}).sites.empty());

    // {1}: every bias pinned, compared with the base only
    o.k_grid = {1};
    const auto every = cirm::search_directions(source, loc, pairs, o);
    REQUIRE(every.search.trials.size() == 2);
    CHECK(every.search.trials[1].budgets == std::vector<std::size_t>{1, 1, 1});
    CHECK(cirm::direction_spec_for_budgets(loc, std::vector<std::size_t>{1, 1, 1}) == [&] {
        auto s = cirm::direction_spec(loc);
        s.budgets = {{"length", 1}, {"exclamation", 1}, {"bold", 1}};
        return s;
    }());

    o.k_grid = {0, 2};
    CHECK_THROWS_WITH(cirm::search_directions(source, loc, pairs, o),
                      "search: a direction search's candidates are 0 (not pinned) and 1 (pinned), not 2");
    CHECK_THROWS_WITH(cirm::direction_spec_for_budgets(loc, std::vector<std::size_t>{1, 0}),
                      "direction spec: 2 budgets for 3 attributes");
    CHECK_THROWS_WITH(cirm::direction_spec_for_budgets(loc, std::vector<std::size_t>{1, 3, 0}),
                      "direction spec: the budget of 'exclamation' is 3; a direction is pinned (1) or not (0)");
}
