#pragma once
/// \file
/// SHA-256 (FIPS 180-4), incremental. Used to fingerprint validation data in a spec's
/// provenance, so that a spec can say which data its statistics were taken over.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cirm::detail {

/// Incremental SHA-256: update() any number of times, then finish() once.
class sha256 {
public:
    using digest = std::array<std::uint8_t, 32>;

    sha256() noexcept { reset(); }

    /// Starts a new message.
    void reset() noexcept {
        state_ = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                  0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
        buffered_ = 0;
        total_bytes_ = 0;
    }

    void update(const void* data, std::size_t size) noexcept {
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        total_bytes_ += size;
        if (buffered_ > 0) {  // top up a partial block first
            const std::size_t take = size < block_size - buffered_ ? size : block_size - buffered_;
            for (std::size_t i = 0; i < take; ++i) buffer_[buffered_ + i] = bytes[i];
            buffered_ += take;
            bytes += take;
            size -= take;
            if (buffered_ < block_size) return;
            compress(buffer_.data());
            buffered_ = 0;
        }
        for (; size >= block_size; size -= block_size, bytes += block_size) compress(bytes);
        for (std::size_t i = 0; i < size; ++i) buffer_[i] = bytes[i];
        buffered_ = size;
    }
    void update(std::string_view text) noexcept { update(text.data(), text.size()); }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns its digest. Call reset() to reuse.
    digest finish() noexcept {
        const std::uint64_t bit_length = total_bytes_ * 8u;
        buffer_[buffered_++] = 0x80u;
        if (buffered_ > block_size - 8) {  // no room for the length: pad out this block
            while (buffered_ < block_size) buffer_[buffered_++] = 0;
            compress(buffer_.data());
            buffered_ = 0;
        }
        while (buffered_ < block_size - 8) buffer_[buffered_++] = 0;
        for (int i = 7; i >= 0; --i) buffer_[buffered_++] = static_cast<std::uint8_t>(bit_length >> (8 * i));
        compress(buffer_.data());
        buffered_ = 0;

        digest out{};
        for (std::size_t i = 0; i < 8; ++i)
            for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::uint8_t>(state_[i] >> (24 - 8 * b));
        return out;
    }

    /// Lowercase hex of a digest (64 characters).
    static std::string to_hex(const digest& d) {
        static constexpr char hex_digits[] = "0123456789abcdef";
        std::string s;
        s.reserve(64);
        for (auto byte : d) {
            s.push_back(hex_digits[byte >> 4]);
            s.push_back(hex_digits[byte & 0x0fu]);
        }
        return s;
    }

private:
    static constexpr std::size_t block_size = 64;

    static constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

    void compress(const std::uint8_t* block) noexcept {
        static constexpr std::array<std::uint32_t, 64> round_constants = {
            0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
            0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
            0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
            0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
            0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
            0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
            0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
            0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

        std::array<std::uint32_t, 64> w{};
        for (std::size_t t = 0; t < 16; ++t)
            w[t] = (std::uint32_t{block[4 * t]} << 24) | (std::uint32_t{block[4 * t + 1]} << 16) |
                   (std::uint32_t{block[4 * t + 2]} << 8) | std::uint32_t{block[4 * t + 3]};
        for (std::size_t t = 16; t < 64; ++t) {
            const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
        for (std::size_t t = 0; t < 64; ++t) {
            const std::uint32_t big_sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            const std::uint32_t choose = (e & f) ^ (~e & g);
            const std::uint32_t t1 = h + big_sigma1 + choose + round_constants[t] + w[t];
            const std::uint32_t big_sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t t2 = big_sigma0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

    std::array<std::uint32_t, 8> state_{};
    std::array<std::uint8_t, block_size> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

/// SHA-256 of a byte string, as 64 lowercase hex digits.
inline std::string sha256_hex(std::string_view bytes) {
    sha256 hasher;
    hasher.update(bytes);
    return sha256::to_hex(hasher.finish());
}

}  // namespace cirm::detail
