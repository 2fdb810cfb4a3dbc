#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/stats/spearman.hpp"
#include "cirm/testing/rng.hpp"
#include "support/fixtures.hpp"

namespace {

/// The fixture's neuron table: inputs from a fixed seed, expected values from scipy/numpy.
struct table_fixture {
    std::size_t samples = 0, neurons = 0;
    std::vector<std::string> names;
    std::vector<float> activations;  // samples × neurons
    std::vector<double> attributes;  // samples × names.size()
    nlohmann::json expected;
};

table_fixture load_table() {
    table_fixture f;
    f.expected = cirm::testing::load_fixture("spearman.json").at("table");
    f.samples = f.expected.at("samples").get<std::size_t>();
    f.neurons = f.expected.at("neurons").get<std::size_t>();
    f.names = f.expected.at("attributes").get<std::vector<std::string>>();
    for (double v : f.expected.at("activations").get<std::vector<double>>())
        f.activations.push_back(static_cast<float>(v));
    f.attributes = f.expected.at("attribute_values").get<std::vector<double>>();
    return f;
}

void check_against_fixture(const cirm::correlation_table& t, const table_fixture& f) {
    const std::size_t a = f.names.size();
    REQUIRE(t.neurons == f.neurons);
    REQUIRE(t.samples == f.samples);
    REQUIRE(t.attributes == f.names);
    REQUIRE(t.rho.size() == f.neurons * a);
    const auto& rho = f.expected.at("rho");
    const auto constant = f.expected.at("constant").get<std::vector<int>>();
    const auto attribute_constant = f.expected.at("attribute_constant").get<std::vector<int>>();
    const auto median = f.expected.at("median").get<std::vector<double>>();
    const auto mean = f.expected.at("mean").get<std::vector<double>>();
    for (std::size_t b = 0; b < a; ++b) CHECK(t.attribute_constant[b] == attribute_constant[b]);
    for (std::size_t n = 0; n < f.neurons; ++n) {
        INFO("neuron " << n);
        CHECK(t.constant[n] == constant[n]);
        CHECK(t.median[n] == static_cast<float>(median[n]));  // numpy's float32 median, exactly
        CHECK(static_cast<double>(t.mean[n]) == Approx(mean[n]).epsilon(1e-6).margin(1e-12));
        for (std::size_t b = 0; b < a; ++b) {
            INFO("attribute " << f.names[b]);
            const auto& expected = rho.at(n * a + b);
            if (expected.is_null()) {
                CHECK(t.at(n, b) == 0.0);  // scipy: NaN (constant input); the method: 0
            } else {
                CHECK(t.at(n, b) == Approx(expected.get<double>()).margin(1e-9).epsilon(0));
            }
        }
    }
}

/// Random activations with ties, a constant column and both signed zeros, for invariance checks.
std::vector<float> random_activations(std::size_t samples, std::size_t neurons, std::uint64_t seed) {
    cirm::testing::splitmix64 rng{seed};
    std::vector<float> a(samples * neurons);
    for (std::size_t s = 0; s < samples; ++s)
        for (std::size_t n = 0; n < neurons; ++n) {
            float v;
            switch (n % 4) {
                case 0: v = static_cast<float>(rng.normal()); break;
                case 1: v = static_cast<float>(rng.below(6)) - 2.0f; break;  // heavy ties
                case 2: v = rng.below(2) == 0 ? -0.0f : 0.0f; break;         // one value: constant
                default: v = static_cast<float>(std::round(rng.normal() * 4.0) / 4.0); break;
            }
            a[s * neurons + n] = v;
        }
    return a;
}

std::vector<double> random_attributes(std::size_t samples, std::size_t count, std::uint64_t seed) {
    cirm::testing::splitmix64 rng{seed};
    std::vector<double> a(samples * count);
    for (auto& v : a) v = static_cast<double>(rng.below(50));
    return a;
}

}  // namespace

TEST_CASE("spearman_table: matches scipy/numpy on the fixture") {
    const auto f = load_table();
    const auto t = cirm::spearman_table(f.activations.data(), f.samples, f.neurons, f.neurons, f.attributes.data(),
                                        f.names.size(), f.names, 1);
    check_against_fixture(t, f);
}

TEST_CASE("spearman_table: reads rows with a stride and never touches the padding") {
    const auto f = load_table();
    const std::size_t stride = f.neurons + 7;
    std::vector<float> padded(f.samples * stride, std::numeric_limits<float>::quiet_NaN());
    for (std::size_t s = 0; s < f.samples; ++s)
        for (std::size_t n = 0; n < f.neurons; ++n) padded[s * stride + n] = f.activations[s * f.neurons + n];
    const auto t = cirm::spearman_table(padded.data(), f.samples, f.neurons, stride, f.attributes.data(),
                                        f.names.size(), f.names, 3);
    check_against_fixture(t, f);
}

TEST_CASE("spearman_table: each row agrees with the scalar spearman") {
    const std::size_t samples = 97, neurons = 45, attribute_count = 2;
    const auto acts = random_activations(samples, neurons, 11);
    const auto attrs = random_attributes(samples, attribute_count, 12);
    const auto t =
        cirm::spearman_table(acts.data(), samples, neurons, neurons, attrs.data(), attribute_count, {"a", "b"}, 2);
    for (std::size_t n = 0; n < neurons; ++n)
        for (std::size_t b = 0; b < attribute_count; ++b) {
            std::vector<double> x(samples), y(samples);
            for (std::size_t s = 0; s < samples; ++s) {
                x[s] = acts[s * neurons + n];
                y[s] = attrs[s * attribute_count + b];
            }
            CHECK(t.at(n, b) == Approx(cirm::spearman(x, y)).margin(1e-14));
        }
    // the constant columns (n % 4 == 2, a mix of -0.0 and +0.0) are flagged
    for (std::size_t n = 0; n < neurons; ++n) CHECK(t.constant[n] == (n % 4 == 2 ? 1 : 0));
}

TEST_CASE("spearman_table: bit-identical for 1, 2 and 3 threads") {
    // 150 neurons: several blocks and a partial last block
    const std::size_t samples = 64, neurons = 150, attribute_count = 3;
    const auto acts = random_activations(samples, neurons, 21);
    const auto attrs = random_attributes(samples, attribute_count, 22);
    const std::vector<std::string> names{"a", "b", "c"};
    const auto one =
        cirm::spearman_table(acts.data(), samples, neurons, neurons, attrs.data(), attribute_count, names, 1);
    for (unsigned threads : {2u, 3u, 0u}) {
        INFO("threads " << threads);
        const auto other =
            cirm::spearman_table(acts.data(), samples, neurons, neurons, attrs.data(), attribute_count, names, threads);
        CHECK(other.rho == one.rho);  // exact equality, element by element
        CHECK(other.median == one.median);
        CHECK(other.mean == one.mean);
        CHECK(other.constant == one.constant);
        CHECK(other.attribute_constant == one.attribute_constant);
    }
}

TEST_CASE("spearman_table: two samples, odd and even medians, no attributes, no neurons") {
    // two samples: the median is the mean of both, computed in double: (1 + (1 + 2^-23)) / 2
    const std::vector<float> acts{1.0f, 4.0f, 1.0f + 0x1p-23f, 2.0f};
    const std::vector<double> attrs{0.0, 1.0};
    const auto t = cirm::spearman_table(acts.data(), 2, 2, 2, attrs.data(), 1, {"x"}, 1);
    CHECK(t.at(0, 0) == 1.0);    // rises with x
    CHECK(t.at(1, 0) == -1.0);   // falls with x
    CHECK(t.median[0] == 1.0f);  // 1 + 2^-24 is halfway between floats: to even, 1.0f
    CHECK(t.median[1] == 3.0f);
    CHECK(t.mean[1] == 3.0f);

    const std::vector<float> three{5.0f, 1.0f, 3.0f};  // 3 samples × 1 neuron
    const auto odd = cirm::spearman_table(three.data(), 3, 1, 1, nullptr, 0, {}, 1);
    CHECK(odd.rho.empty());
    CHECK(odd.median[0] == 3.0f);
    CHECK(odd.mean[0] == 3.0f);

    const auto empty = cirm::spearman_table(nullptr, 3, 0, 0, nullptr, 0, {}, 1);
    CHECK(empty.neurons == 0);
    CHECK(empty.median.empty());
}

TEST_CASE("spearman_table: errors") {
    const std::vector<double> attrs{1, 2, 3, 4};
    std::vector<float> acts(4 * 40, 1.0f);
    for (std::size_t i = 0; i < acts.size(); ++i) acts[i] = static_cast<float>(i % 7);
    CHECK_THROWS_WITH(cirm::spearman_table(acts.data(), 1, 40, 40, attrs.data(), 1, {"a"}, 1),
                      Catch::Contains("spearman_table: needs at least 2 samples, got 1"));
    CHECK_THROWS_WITH(cirm::spearman_table(acts.data(), 4, 40, 39, attrs.data(), 1, {"a"}, 1),
                      Catch::Contains("row_stride 39 is smaller than the 40 neurons"));
    CHECK_THROWS_WITH(cirm::spearman_table(acts.data(), 4, 40, 40, attrs.data(), 1, {"a", "b"}, 1),
                      Catch::Contains("2 attribute names for 1 attributes"));

    auto with_nan = acts;
    with_nan[2 * 40 + 37] = std::numeric_limits<float>::quiet_NaN();  // neuron 37, sample 2
    with_nan[3 * 40 + 35] = std::numeric_limits<float>::infinity();   // neuron 35, sample 3: lower index
    for (unsigned threads : {1u, 2u, 3u})
        CHECK_THROWS_WITH(cirm::spearman_table(with_nan.data(), 4, 40, 40, attrs.data(), 1, {"a"}, threads),
                          Catch::Contains("activation of neuron 35 at sample 3 is infinite"));
    with_nan[3 * 40 + 35] = 0.0f;
    with_nan[1 * 40 + 3] = -std::numeric_limits<float>::infinity();  // neuron 3, an earlier block
    with_nan[0 * 40 + 3] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(cirm::spearman_table(with_nan.data(), 4, 40, 40, attrs.data(), 1, {"a"}, 2),
                      Catch::Contains("activation of neuron 3 at sample 0 is NaN"));

    const std::vector<double> bad_attrs{1, 2, std::numeric_limits<double>::quiet_NaN(), 4};
    CHECK_THROWS_WITH(cirm::spearman_table(acts.data(), 4, 40, 40, bad_attrs.data(), 1, {"length"}, 1),
                      Catch::Contains("attribute 'length' at sample 2 is NaN"));
}

TEST_CASE("spearman_table: the same table wherever the matrix starts relative to a cache line") {
    // the blocks follow the first row's 64-byte boundaries, so each offset of the data within a
    // line gives another partition of the neurons into blocks; the table must not change
    const std::size_t samples = 40, neurons = 77, attribute_count = 2;
    const auto acts = random_activations(samples, neurons, 31);
    const auto attrs = random_attributes(samples, attribute_count, 32);
    const std::vector<std::string> names{"a", "b"};
    std::vector<float> shifted(samples * neurons + 16);
    cirm::correlation_table first;
    for (std::size_t offset = 0; offset < 16; ++offset) {
        INFO("offset " << offset << " floats");
        std::copy(acts.begin(), acts.end(), shifted.begin() + static_cast<std::ptrdiff_t>(offset));
        auto t = cirm::spearman_table(shifted.data() + offset, samples, neurons, neurons, attrs.data(), attribute_count,
                                      names, static_cast<unsigned>(offset % 3 + 1));
        if (offset == 0) {
            first = std::move(t);
            continue;
        }
        CHECK(t.rho == first.rho);
        CHECK(t.median == first.median);
        CHECK(t.mean == first.mean);
        CHECK(t.constant == first.constant);
    }
}
