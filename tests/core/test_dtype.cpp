#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "cirm/dtype.hpp"

// Reference values are IEEE 754 bit patterns derived by hand from the formats' definitions.
TEST_CASE("float16 converts exact values both ways") {
    CHECK(cirm::float16(1.0f).bits == 0x3c00);
    CHECK(cirm::float16(-2.0f).bits == 0xc000);
    CHECK(cirm::float16(65504.0f).bits == 0x7bff);                 // largest finite half
    CHECK(cirm::float16(6.103515625e-05f).bits == 0x0400);         // smallest normal half, 2^-14
    CHECK(cirm::float16(5.9604644775390625e-08f).bits == 0x0001);  // smallest subnormal, 2^-24
    CHECK(static_cast<float>(cirm::float16::from_bits(0x3555)) == Approx(0.333251953125f).epsilon(0));
    CHECK(static_cast<float>(cirm::float16::from_bits(0x0001)) == 5.9604644775390625e-08f);
    CHECK(static_cast<float>(cirm::float16::from_bits(0x8000)) == 0.0f);
    CHECK(std::signbit(static_cast<float>(cirm::float16::from_bits(0x8000))));
}

TEST_CASE("float16 rounds to nearest even and saturates to infinity") {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0)
    CHECK(cirm::float16(1.0f + 0x1p-11f).bits == 0x3c00);
    // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even)
    CHECK(cirm::float16(1.0f + 3 * 0x1p-11f).bits == 0x3c02);
    CHECK(cirm::float16(65520.0f).bits == 0x7c00);  // rounds past the largest finite value
    CHECK(cirm::float16(std::numeric_limits<float>::infinity()).bits == 0x7c00);
    CHECK(std::isnan(static_cast<float>(cirm::float16(std::numeric_limits<float>::quiet_NaN()))));
    CHECK(cirm::float16(1e-9f).bits == 0x0000);
}

TEST_CASE("bfloat16 keeps the upper half of a float, rounding to nearest even") {
    CHECK(cirm::bfloat16(1.0f).bits == 0x3f80);
    CHECK(cirm::bfloat16(-1.5f).bits == 0xbfc0);
    CHECK(static_cast<float>(cirm::bfloat16::from_bits(0x4049)) == 3.140625f);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even → 1
    CHECK(cirm::bfloat16(1.0f + 0x1p-8f).bits == 0x3f80);
    CHECK(cirm::bfloat16(1.0f + 3 * 0x1p-8f).bits == 0x3f82);
    CHECK(std::isnan(static_cast<float>(cirm::bfloat16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST_CASE("every float16 bit pattern round-trips through float") {
    for (std::uint32_t b = 0; b < 0x10000; ++b) {
        const auto h = cirm::float16::from_bits(static_cast<std::uint16_t>(b));
        const float f = static_cast<float>(h);
        if (std::isnan(f)) continue;
        REQUIRE(cirm::float16(f).bits == b);
    }
}
