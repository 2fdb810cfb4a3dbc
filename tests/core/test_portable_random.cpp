#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "cirm/portable_random.hpp"

using cirm::random_engine;
using cirm::uniform_index;
using cirm::uniform_unit;
using cirm::weighted_index;

namespace {
/// An engine that returns a scripted sequence of 64-bit words.
struct scripted_engine {
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
    std::vector<result_type> outputs;
    std::size_t next = 0;
    result_type operator()() { return outputs.at(next++); }
};
constexpr std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();
}  // namespace

TEST_CASE("mt19937_64 gives the sequence the standard specifies") {
    random_engine e;  // default seed 5489
    // First output of mt19937_64 with seed 5489 (published reference value).
    CHECK(e() == 14514284786278117030ull);
    random_engine f;
    f.discard(9999);
    CHECK(f() == 9981545732273789042ull);  // [rand.predef]: the 10000th output
}

TEST_CASE("uniform_index reduces the engine word modulo n") {
    random_engine e;
    // 14514284786278117030 mod 8: 1000 ≡ 0 (mod 8), so only the last digits 030 count → 30 mod 8 = 6.
    CHECK(uniform_index(e, 8) == 6);
    CHECK_THROWS_WITH(uniform_index(e, 0), Catch::Contains("empty range"));
}

TEST_CASE("uniform_index rejects words from the incomplete last block") {
    // n = 10: 2^64 mod 10 = 6, so the top 6 words (max − 5 … max) would favour 0…5 and are
    // redrawn; max − 6 is the largest accepted word: (2^64 − 7) mod 10 = (6 − 7) mod 10 = 9.
    scripted_engine e{{max64, max64 - 5, max64 - 6}};
    CHECK(uniform_index(e, 10) == 9);
    CHECK(e.next == 3);
    // n = 8 divides 2^64: nothing is rejected, max mod 8 = 7.
    scripted_engine f{{max64}};
    CHECK(uniform_index(f, 8) == 7);
    scripted_engine g{{17}};
    CHECK(uniform_index(g, 10) == 7);
}

TEST_CASE("uniform_unit keeps the top 53 bits exactly") {
    scripted_engine e{{0, max64, std::uint64_t{1} << 63, std::uint64_t{1} << 62}};
    CHECK(uniform_unit(e) == 0.0);
    CHECK(uniform_unit(e) == 1.0 - 0x1.0p-53);  // largest value, below 1
    CHECK(uniform_unit(e) == 0.5);
    CHECK(uniform_unit(e) == 0.25);
}

TEST_CASE("weighted_index picks by cumulative weight and never a zero weight") {
    // weights {1, 0, 3}: total 4; unit u selects the first i with u·4 < cumulative weight.
    const std::vector<double> w{1.0, 0.0, 3.0};
    scripted_engine e{{0, std::uint64_t{1} << 62, std::uint64_t{1} << 63, max64, std::uint64_t{1} << 61}};
    CHECK(weighted_index(e, w) == 0);  // u = 0    → 0 < 1
    CHECK(weighted_index(e, w) == 2);  // u = 0.25 → 1 is not < 1; index 1 has weight 0 → 2
    CHECK(weighted_index(e, w) == 2);  // u = 0.5  → 2 < 4
    CHECK(weighted_index(e, w) == 2);  // u = 1 − 2^-53 → 4 − 2^-51 < 4
    CHECK(weighted_index(e, w) == 0);  // u = 0.125 → 0.5 < 1
    scripted_engine z{{0}};
    CHECK_THROWS_WITH(weighted_index(z, std::vector<double>{0.0, 0.0}), Catch::Contains("positive"));
}
