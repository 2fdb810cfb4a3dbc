// The Spearman table's bucket kernel (cirm/stats/bucket_rank.hpp) against a reference written
// here from the definitions: average ranks from a sort of (value, sample) pairs with ties found by
// float equality (so -0.0 and +0.0 tie), Σ of the doubled centered ranks' squares, and the median
// of a sorted copy. Columns are chosen to reach every path of the kernel: lone values, small
// crowded buckets (pairwise), large buckets that are one tie group, large mixed buckets (sorted),
// constant columns, and ranges that stress the bucket arithmetic.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "cirm/stats/bucket_rank.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/testing/rng.hpp"

namespace {

struct reference_ranks {
    bool constant = false;
    std::vector<double> centered;  // 2·rank − n − 1, in sample order
    double squares = 0.0;
    float median = 0.0f;
};

reference_ranks reference(const std::vector<float>& x) {
    const std::size_t n = x.size();
    reference_ranks r;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    r.constant = x[order.front()] == x[order.back()];
    std::vector<float> sorted(n);
    for (std::size_t p = 0; p < n; ++p) sorted[p] = x[order[p]];
    const double lower = sorted[(n - 1) / 2], upper = sorted[n / 2];
    r.median = n % 2 == 1 ? static_cast<float>(upper) : static_cast<float>(0.5 * (lower + upper));
    r.centered.assign(n, 0.0);
    std::size_t first = 0;
    while (first < n) {
        std::size_t last = first + 1;
        while (last < n && x[order[last]] == x[order[first]]) ++last;
        // positions first..last-1 (0-based) share the rank (first + 1 + last) / 2
        const double rank = 0.5 * static_cast<double>(first + 1 + last);
        for (std::size_t p = first; p < last; ++p) r.centered[order[p]] = 2.0 * rank - static_cast<double>(n) - 1.0;
        first = last;
    }
    for (double c : r.centered) r.squares += c * c;
    return r;
}

void check_column(const std::vector<float>& x, const std::string& what) {
    INFO(what << ", n = " << x.size());
    cirm::detail::bucket_rank_scratch scratch(x.size());
    const auto got = cirm::detail::bucket_rank_column(x.data(), x.size(), scratch);
    const auto expected = reference(x);
    REQUIRE(got.constant == expected.constant);
    // the median's value (a tie of -0.0 and +0.0 may give either zero)
    CHECK(got.median == expected.median);
    if (expected.constant) return;
    CHECK(got.squares == expected.squares);
    std::size_t wrong = 0, first_wrong = 0;
    for (std::size_t s = 0; s < x.size(); ++s)
        if (static_cast<double>(scratch.centered[s]) != expected.centered[s] && wrong++ == 0) first_wrong = s;
    INFO("first wrong sample " << first_wrong);
    CHECK(wrong == 0);
}

std::vector<float> column_of(std::size_t n, std::uint64_t seed, int kind) {
    cirm::testing::splitmix64 rng{seed};
    std::vector<float> x(n);
    for (auto& v : x) {
        const double z = rng.normal();
        switch (kind) {
            case 0: v = static_cast<float>(z); break;                                // lone values, some pairs
            case 1: v = static_cast<float>(std::trunc(2.0 * z)); break;              // few values: tie groups
            case 2: v = static_cast<float>(std::round(z * 4.0) / 4.0); break;        // ties in small buckets
            case 3: v = static_cast<float>(z * z * z * z * z); break;                // heavy tails
            case 4: v = rng.below(100) == 0 ? 1e30f : static_cast<float>(z); break;  // outliers: mixed buckets
            case 5: v = static_cast<float>(std::exp(10.0 * z)); break;               // huge dynamic range
            case 6: v = rng.below(3) == 0 ? -3.4e38f : rng.below(2) == 0 ? 3.4e38f : static_cast<float>(z); break;
            case 7: v = rng.below(2) == 0 ? -0.0f : 0.0f; break;  // constant: signed zeros
            case 8:
                v = rng.below(50) == 0 ? 1.0f : (rng.below(2) == 0 ? -0.0f : 0.0f);
                break;                                             // zeros tie, in a mixed bucket
            case 9: v = static_cast<float>(z) * 1e-40f; break;     // subnormals
            default: v = static_cast<float>(rng.below(3)); break;  // three values
        }
    }
    return x;
}

}  // namespace

TEST_CASE("bucket ranks: hand-derived column") {
    // values 3, 1, 2, 1, -0, +0 → average ranks 6, 3.5, 5, 3.5, 1.5, 1.5; n = 6, so 2·rank − 7
    const std::vector<float> x{3.0f, 1.0f, 2.0f, 1.0f, -0.0f, 0.0f};
    cirm::detail::bucket_rank_scratch scratch(x.size());
    const auto r = cirm::detail::bucket_rank_column(x.data(), x.size(), scratch);
    CHECK_FALSE(r.constant);
    const std::vector<std::int16_t> expected{5, 0, 3, 0, -4, -4};
    CHECK(scratch.centered == expected);
    CHECK(r.squares == 25.0 + 0.0 + 9.0 + 0.0 + 16.0 + 16.0);
    CHECK(r.median == 1.0f);  // (1 + 1) / 2
}

TEST_CASE("bucket ranks: every path against the sort-based reference") {
    for (int kind = 0; kind <= 10; ++kind)
        for (std::size_t n : {2u, 3u, 5u, 16u, 17u, 100u, 257u, 1000u, 2001u})
            for (std::uint64_t seed = 1; seed <= 3; ++seed)
                check_column(column_of(n, seed * 7919 + static_cast<std::uint64_t>(kind), kind),
                             "kind " + std::to_string(kind) + ", seed " + std::to_string(seed));
}

TEST_CASE("bucket ranks: the largest sample count the kernel takes") {
    const std::size_t n = cirm::detail::bucket_rank_max_samples;
    check_column(column_of(n, 5, 0), "normal");
    check_column(column_of(n, 6, 1), "few values");
    check_column(column_of(n, 7, 4), "outliers");
}

TEST_CASE("bucket ranks: exact integer dot products on both sides of the 32-bit limit") {
    // the largest dot product of doubled centered ranks: a ranking with itself, Σ (2p + 1 − n)² =
    // n(n² − 1)/3, which passes 2^31 between n = 1860 and n = 1861; shuffled, so that the order of
    // the terms is not the sorted one
    const std::size_t limit = cirm::detail::bucket_rank_int32_samples;
    for (std::size_t n : {std::size_t{1000}, limit, limit + 1, std::size_t{5000}}) {
        std::vector<std::int16_t> a(n);
        for (std::size_t p = 0; p < n; ++p)
            a[p] = static_cast<std::int16_t>(2 * static_cast<std::int64_t>(p) + 1 - static_cast<std::int64_t>(n));
        cirm::testing::splitmix64 rng{n};
        for (std::size_t i = n - 1; i > 0; --i) std::swap(a[i], a[rng.below(i + 1)]);
        const auto nn = static_cast<std::int64_t>(n);
        const std::int64_t expected = nn * (nn * nn - 1) / 3;
        INFO("n = " << n << ", expected " << expected);
        CHECK(cirm::detail::exact_dot_i16(a.data(), a.data(), n) == expected);
        std::vector<std::int16_t> reversed(n);  // the most negative one: a ranking against its reverse
        for (std::size_t i = 0; i < n; ++i) reversed[i] = static_cast<std::int16_t>(-a[i]);
        CHECK(cirm::detail::exact_dot_i16(a.data(), reversed.data(), n) == -expected);
    }
    CHECK(1860LL * (1860LL * 1860LL - 1) / 3 < (1LL << 31));
    CHECK(1861LL * (1861LL * 1861LL - 1) / 3 >= (1LL << 31));
}

TEST_CASE("spearman_table: above the bucket kernel's sample limit (radix sort) it agrees with the reference") {
    // one sample more than the kernel takes: the table ranks with the radix sort instead
    const std::size_t samples = cirm::detail::bucket_rank_max_samples + 1, neurons = 3;
    std::vector<float> acts(samples * neurons);
    std::vector<double> attrs(samples);
    cirm::testing::splitmix64 rng{99};
    for (std::size_t s = 0; s < samples; ++s) {
        acts[s * neurons + 0] = static_cast<float>(rng.normal());
        acts[s * neurons + 1] = static_cast<float>(rng.below(4));
        acts[s * neurons + 2] = 2.0f;
        // float-representable, so that the reference (which ranks floats) sees the same values
        attrs[s] = static_cast<double>(static_cast<float>(static_cast<double>(rng.below(50)) + acts[s * neurons + 0]));
    }
    const auto t = cirm::spearman_table(acts.data(), samples, neurons, neurons, attrs.data(), 1, {"a"}, 2);
    std::vector<float> attribute_column(samples);
    for (std::size_t s = 0; s < samples; ++s) attribute_column[s] = static_cast<float>(attrs[s]);
    const auto ra = reference(attribute_column);  // exact: these attributes are floats already
    for (std::size_t n = 0; n < neurons; ++n) {
        INFO("neuron " << n);
        std::vector<float> x(samples);
        for (std::size_t s = 0; s < samples; ++s) x[s] = acts[s * neurons + n];
        const auto rx = reference(x);
        CHECK(t.constant[n] == (rx.constant ? 1 : 0));
        CHECK(t.median[n] == rx.median);
        if (rx.constant) {
            CHECK(t.at(n, 0) == 0.0);
            continue;
        }
        double dot = 0.0;
        for (std::size_t s = 0; s < samples; ++s) dot += rx.centered[s] * ra.centered[s];
        CHECK(t.at(n, 0) == Approx(dot / std::sqrt(rx.squares * ra.squares)).margin(1e-12));
    }
}
