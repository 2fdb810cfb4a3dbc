#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/testing/small_planted.hpp"
#include "cirm/testing/synthetic_pairs.hpp"

namespace {
// Rewards scored one sample at a time, straight from the source: an independent path to the
// numbers compare_methods computes in batches.
std::vector<double> one_by_one(const cirm::testing::planted_source& src,
                               const std::vector<cirm::preference_pair>& pairs, bool chosen) {
    std::vector<double> out;
    for (const auto& p : pairs) {
        const cirm::sample s{p.prompt, chosen ? p.chosen : p.rejected};
        float r = 0;
        src.score(std::span<const cirm::sample>(&s, 1), cirm::no_intervention{}, std::span<float>(&r, 1));
        out.push_back(r);
    }
    return out;
}
}  // namespace

TEST_CASE("compare_methods: base and LP agree with rewards computed independently") {
    auto source = cirm::testing::small_planted_source();
    const auto pairs = cirm::testing::make_arithmetic_pairs(150, 9);
    const auto c = cirm::compare_methods(source, std::span<const cirm::preference_pair>(pairs));
    REQUIRE(c.methods.size() == 3);  // no intervention given: base, lp, lwr
    CHECK(c.methods[0].first == "base");
    CHECK(c.methods[2].first == "lwr");

    const auto rc = one_by_one(source, pairs, true), rr = one_by_one(source, pairs, false);
    std::size_t base_right = 0, lp_right = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        base_right += rc[i] > rr[i];
        // the synthetic texts are ASCII, so length in code points is the byte count
        lp_right += rc[i] - 0.001 * static_cast<double>(pairs[i].chosen.size()) >
                    rr[i] - 0.001 * static_cast<double>(pairs[i].rejected.size());
    }
    CHECK(c.at("base").all.value == Approx(static_cast<double>(base_right) / 150.0).epsilon(0));
    CHECK(c.at("lp").all.value == Approx(static_cast<double>(lp_right) / 150.0).epsilon(0));
    REQUIRE(c.at("base").subsets.size() == 5);
    CHECK(c.at("base").flip_rate.size() == 5);
    CHECK_THROWS_WITH(c.at("cirm"), Catch::Contains("no method 'cirm'"));
}

TEST_CASE("compare_methods: pinning the planted neurons removes the style preference") {
    auto source = cirm::testing::small_planted_source();
    const auto validation = cirm::testing::make_arithmetic_pairs(300, 21);
    const auto test = cirm::testing::make_arithmetic_pairs(400, 22);
    const auto samples = cirm::response_samples(validation);
    const auto loc = cirm::localize(source, samples, cirm::make_attributes(cirm::testing::method_names()));
    const std::vector<std::size_t> k(5, 4);  // the planted k
    const cirm::neuron_pin pin(cirm::spec_for_budgets(loc, k), source.layout());
    const auto c = cirm::compare_methods(source, std::span<const cirm::preference_pair>(test), &pin);
    REQUIRE(c.methods.size() == 4);
    const auto& base = c.at("base");
    const auto& cirm_eval = c.at("cirm");
    for (std::size_t a = 0; a < 5; ++a) {
        INFO(base.subsets[a].first);
        // the biased toy RM loses on the unbiased subsets; with the pins it no longer does
        CHECK(cirm_eval.subsets[a].second.unbiased > base.subsets[a].second.unbiased + 0.15);
        CHECK(cirm_eval.subsets[a].second.biased >= base.subsets[a].second.biased - 0.01);
        CHECK(cirm_eval.flip_rate[a].second.value < base.flip_rate[a].second.value);
    }
    CHECK_THROWS_WITH(cirm::compare_methods(source, std::span<const cirm::preference_pair>(), &pin),
                      Catch::Contains("no pairs"));
}

TEST_CASE("compare_methods with the swap replacement: accuracy and flip rates recomputed pair by pair") {
    auto source = cirm::testing::small_planted_source();
    const auto validation = cirm::testing::make_arithmetic_pairs(200, 31);
    const auto test = cirm::testing::make_arithmetic_pairs(120, 32);
    const auto loc = cirm::localize(source, cirm::response_samples(validation),
                                    cirm::make_attributes(cirm::testing::method_names()));
    const std::vector<std::size_t> k(5, 4);
    const cirm::neuron_pin pin(cirm::spec_for_budgets(loc, k, cirm::replacement::swap), source.layout());
    const cirm::swapped_pairs swapped{pin};
    const auto c = cirm::compare_methods(source, std::span<const cirm::preference_pair>(test), &swapped);
    const auto& e = c.at("cirm");

    // by hand: each pair scored jointly, then each correctly ranked pair against its edited rejected response
    std::size_t right = 0;
    std::vector<bool> correct;
    for (const auto& p : test) {
        const auto [rc, rr] = cirm::score_pair_swapped(source, pin, {p.prompt, p.chosen}, {p.prompt, p.rejected});
        correct.push_back(rc > rr);
        right += rc > rr ? 1 : 0;
    }
    CHECK(e.all.value == Approx(static_cast<double>(right) / static_cast<double>(test.size())).epsilon(0));
    REQUIRE(e.flip_rate.size() == 5);
    for (const auto& [attribute, share] : e.flip_rate) {
        std::size_t over = 0, flipped = 0;
        for (std::size_t i = 0; i < test.size(); ++i) {
            const auto edited = cirm::inject_style(attribute, test[i].prompt, test[i].rejected);
            if (!edited || !correct[i]) continue;
            ++over;
            const auto [rc, re] =
                cirm::score_pair_swapped(source, pin, {test[i].prompt, test[i].chosen}, {test[i].prompt, *edited});
            flipped += rc <= re ? 1 : 0;
        }
        INFO(attribute);
        CHECK(share.pairs == over);
        CHECK(share.value == Approx(over ? static_cast<double>(flipped) / static_cast<double>(over) : 0.0).epsilon(0));
    }
    // swapping the neurons that carry the planted styles lifts the unbiased subsets on average
    double swapped_mean = 0.0, base_mean = 0.0;
    for (std::size_t a = 0; a < 5; ++a) {
        INFO(e.subsets[a].first << ": base " << c.at("base").subsets[a].second.unbiased << ", swap "
                                << e.subsets[a].second.unbiased);
        swapped_mean += e.subsets[a].second.unbiased / 5.0;
        base_mean += c.at("base").subsets[a].second.unbiased / 5.0;
    }
    CHECK(swapped_mean > base_mean + 0.1);
}
