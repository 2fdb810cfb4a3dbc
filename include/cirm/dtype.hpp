#pragma once
/// \file
/// Element types an activation view can hold: float, and 16-bit storage types for IEEE half and
/// bfloat16. The 16-bit types are plain storage (a uint16_t) with conversions to and from float;
/// arithmetic is done in float. Conversions round to nearest even, as hardware does.

#include <cstdint>
#include <cstring>
#include <string_view>

#include "cirm/detail/config.hpp"

namespace cirm {

namespace detail {
CIRM_HOST_DEVICE inline std::uint32_t float_bits(float f) noexcept {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
#endif
}
CIRM_HOST_DEVICE inline float bits_float(std::uint32_t u) noexcept {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
#endif
}
}  // namespace detail

/// bfloat16 storage: the upper 16 bits of an IEEE float32.
struct bfloat16 {
    std::uint16_t bits = 0;

    bfloat16() = default;
    CIRM_HOST_DEVICE explicit bfloat16(float f) noexcept : bits(from_float(f)) {}
    CIRM_HOST_DEVICE explicit operator float() const noexcept {
        return detail::bits_float(static_cast<std::uint32_t>(bits) << 16);
    }
    CIRM_HOST_DEVICE static bfloat16 from_bits(std::uint16_t b) noexcept {
        bfloat16 r;
        r.bits = b;
        return r;
    }
    CIRM_HOST_DEVICE static std::uint16_t from_float(float f) noexcept {
        std::uint32_t u = detail::float_bits(f);
        if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0)  // NaN: keep it a NaN
            return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
        u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
        return static_cast<std::uint16_t>(u >> 16);
    }
};

/// IEEE 754 binary16 storage.
struct float16 {
    std::uint16_t bits = 0;

    float16() = default;
    CIRM_HOST_DEVICE explicit float16(float f) noexcept : bits(from_float(f)) {}
    CIRM_HOST_DEVICE explicit operator float() const noexcept { return to_float(bits); }
    CIRM_HOST_DEVICE static float16 from_bits(std::uint16_t b) noexcept {
        float16 r;
        r.bits = b;
        return r;
    }

    CIRM_HOST_DEVICE static float to_float(std::uint16_t h) noexcept {
        const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
        const std::uint32_t exp = (h >> 10) & 0x1fu;
        std::uint32_t mant = h & 0x3ffu;
        if (exp == 0x1f) return detail::bits_float(sign | 0x7f800000u | (mant << 13));  // inf/NaN
        if (exp != 0) return detail::bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
        if (mant == 0) return detail::bits_float(sign);  // signed zero
        // subnormal half: value = mant * 2^-24
        const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }

    CIRM_HOST_DEVICE static std::uint16_t from_float(float f) noexcept {
        const std::uint32_t u = detail::float_bits(f);
        const std::uint32_t sign = (u >> 16) & 0x8000u;
        const std::uint32_t abs = u & 0x7fffffffu;
        if (abs >= 0x7f800000u)  // inf or NaN
            return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
        if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // overflow → inf
        if (abs < 0x38800000u) {                                                    // result is subnormal or zero
            if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);         // below half of min subnormal
            const std::uint32_t e = abs >> 23;
            const std::uint32_t m = (abs & 0x7fffffu) | 0x800000u;
            const std::uint32_t shift = 126u - e;  // 14 + (113 - e) - 1 … aligns to 2^-24 units
            std::uint32_t q = m >> shift;
            const std::uint32_t rem = m & ((1u << shift) - 1u);
            const std::uint32_t half = 1u << (shift - 1u);
            if (rem > half || (rem == half && (q & 1u))) ++q;
            return static_cast<std::uint16_t>(sign | q);
        }
        std::uint32_t r = abs - 0x38000000u;  // rebias exponent 127 → 15
        r += 0xfffu + ((r >> 13) & 1u);       // round to nearest even
        return static_cast<std::uint16_t>(sign | (r >> 13));
    }
};

/// Element types of activation data, named at run time (files, device buffers).
enum class dtype { f32, f16, bf16 };

/// The dtype tag of a C++ element type.
template <class T>
struct dtype_of;  // only float, float16 and bfloat16 are activation element types
template <>
struct dtype_of<float> {
    static constexpr dtype value = dtype::f32;
};
template <>
struct dtype_of<float16> {
    static constexpr dtype value = dtype::f16;
};
template <>
struct dtype_of<bfloat16> {
    static constexpr dtype value = dtype::bf16;
};

constexpr std::string_view to_string(dtype t) noexcept {
    switch (t) {
        case dtype::f32: return "f32";
        case dtype::f16: return "f16";
        case dtype::bf16: return "bf16";
    }
    return "?";
}

/// Converts any activation element type to float.
CIRM_HOST_DEVICE inline float to_float(float v) noexcept { return v; }
CIRM_HOST_DEVICE inline float to_float(float16 v) noexcept { return static_cast<float>(v); }
CIRM_HOST_DEVICE inline float to_float(bfloat16 v) noexcept { return static_cast<float>(v); }

/// Converts a float to the activation element type T.
template <class T>
CIRM_HOST_DEVICE inline T from_float(float v) noexcept {
    return T(v);
}

}  // namespace cirm
