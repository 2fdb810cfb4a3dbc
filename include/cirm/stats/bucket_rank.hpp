#pragma once
/// \file
/// The Spearman table's per-neuron kernel: a column's doubled centered average ranks, its tie
/// correction and its median, without sorting the column.
///
/// The ranks are found by bucketing on value. The column's values are spread over B ≈ 2n buckets
/// that split [min, max] into equal widths. bucket(x) = ⌊(x − min) · B / (max − min)⌋ is computed
/// in double, and each step of it (a subtraction, a product by a positive constant, a truncation)
/// is monotone under rounding, so x ≤ y implies bucket(x) ≤ bucket(y). The order of the buckets
/// is therefore the order of the values, and a bucket's first sorted position is the number of
/// values in the buckets below it, read from a histogram and its prefix sums.
///
/// Most buckets hold zero or one value; a value alone in its bucket has its rank then and there.
/// The members of each bucket that holds several are compared with one another:
/// - up to bucket_rank_small members: every pair, counting for each member the members below it
///   and equal to it;
/// - more, all equal (a heavily tied column): one tie group;
/// - more, not all equal (values clumped by outliers that stretch [min, max]): the bucket's
///   (key, sample) entries are sorted.
/// Ties come out exactly as with a sort: equal values always share a bucket, and -0.0 and +0.0 are
/// compared through ordered_key, so they tie.
///
/// The ranks are stored doubled and centered (2·rank − n − 1, an integer of magnitude below n) as
/// int16, so that the correlations are integer dot products that no summation order changes: the
/// results are bit-identical to those of a sort-based ranking (assign_doubled_centered_ranks).
/// The kernel applies for 2 ≤ n ≤ bucket_rank_max_samples; the Spearman table uses the radix sort
/// above that.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "cirm/stats/rank.hpp"

namespace cirm::detail {

/// The largest sample count whose doubled centered ranks (magnitude ≤ n − 1) fit int16.
inline constexpr std::size_t bucket_rank_max_samples = 32768;

/// Up to this many members, a bucket is resolved by comparing every pair of its members.
inline constexpr std::size_t bucket_rank_small = 16;

/// Σ a[i]·b[i] of two vectors of doubled centered ranks (each a permutation of the values
/// 1 − n, 3 − n, …, n − 1, tie groups replaced by their mean), exactly. Every partial sum of such
/// products is bounded by Σ|a[i]·b[i]| ≤ √(Σa² · Σb²) ≤ n(n² − 1)/3, which is below 2^31 for
/// n ≤ bucket_rank_int32_samples, so 32-bit accumulators are exact there (and the compiler can use
/// multiply-add instructions on pairs of int16); larger n accumulate in 64 bits.
inline constexpr std::size_t bucket_rank_int32_samples = 1860;

inline std::int64_t exact_dot_i16(const std::int16_t* a, const std::int16_t* b, std::size_t n) noexcept {
    if (n <= bucket_rank_int32_samples) {
        std::int32_t sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += static_cast<std::int32_t>(a[i]) * static_cast<std::int32_t>(b[i]);
        return sum;
    }
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i)
        sum += static_cast<std::int64_t>(static_cast<std::int32_t>(a[i]) * static_cast<std::int32_t>(b[i]));
    return sum;
}

/// Maps an ordered key back to its float (the inverse of ordered_key, -0.0 coming back as +0.0).
inline float key_value(std::uint32_t key) noexcept {
    const std::uint32_t bits = (key & 0x80000000u) != 0 ? key ^ 0x80000000u : ~key;
    return std::bit_cast<float>(bits);
}

/// Per-thread memory of bucket_rank_column, sized for one sample count.
struct bucket_rank_scratch {
    explicit bucket_rank_scratch(std::size_t samples)
        : buckets(samples == 0 ? 0 : std::size_t{1} << std::bit_width(std::max<std::size_t>(2 * samples - 1, 15))),
          keys(samples),
          bucket_of(samples),
          count(buckets),
          position(buckets),
          bucket_keys(samples + 16),
          bucket_samples(samples),
          crowded(buckets + 16),
          sort_entries(samples),
          centered(samples) {}
    std::size_t buckets;                        ///< B: a power of two ≥ 2n (at least 16; 0 for an unused scratch)
    std::vector<std::uint32_t> keys;            ///< each sample's ordered_key
    std::vector<std::uint16_t> bucket_of;       ///< each sample's bucket (B ≤ 65536)
    std::vector<std::uint32_t> count;           ///< values per bucket
    std::vector<std::uint32_t> position;        ///< a bucket's first sorted position, then one past its last
    std::vector<std::uint32_t> bucket_keys;     ///< keys in bucket order (16 spare: whole-vector loads)
    std::vector<std::uint16_t> bucket_samples;  ///< their samples (n ≤ 32768 fits)
    std::vector<std::uint32_t> crowded;         ///< the buckets that hold more than one value
    std::vector<std::uint64_t> sort_entries;    ///< a large mixed bucket's (key, sample) entries
    std::vector<std::int16_t> centered;         ///< doubled centered ranks, in sample order
};

/// What bucket_rank_column reports besides the ranks it leaves in scratch.centered.
struct bucket_rank_result {
    bool constant = false;  ///< every value equal: no ranks are written
    double squares = 0.0;   ///< Σ centered², i.e. n(n² − 1)/3 less t(t² − 1)/3 per tie group of t
    float median = 0.0f;    ///< the middle value, or the mean of the two middle ones (in double)
};

/// Exclusive prefix sums of count[0..buckets) into position[], and the indices of the buckets
/// whose count exceeds 1 into crowded[]; returns how many there are. buckets is a multiple of 16.
inline std::size_t bucket_positions(const std::uint32_t* count, std::uint32_t* position, std::uint32_t* crowded,
                                    std::size_t buckets) noexcept {
    std::size_t crowded_count = 0;
#if defined(__AVX512F__)
    const __m512i zero = _mm512_setzero_si512();
    const __mmask16 all_lanes = 0xffff;
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i last_lane = _mm512_set1_epi32(15);
    __m512i carry = zero;
    __m512i index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i sixteen = _mm512_set1_epi32(16);
    for (std::size_t b = 0; b < buckets; b += 16) {
        const __m512i c = _mm512_loadu_si512(count + b);
        // inclusive scan in 4 steps: lane i adds lane i − 1, i − 2, i − 4, i − 8 (zeros shifted in).
        // The zero-masked forms with a full mask are the same instructions; the unmasked ones make
        // GCC 12 warn about the undefined source operand inside its own header.
        __m512i sum = _mm512_add_epi32(c, _mm512_maskz_alignr_epi32(all_lanes, c, zero, 15));
        sum = _mm512_add_epi32(sum, _mm512_maskz_alignr_epi32(all_lanes, sum, zero, 14));
        sum = _mm512_add_epi32(sum, _mm512_maskz_alignr_epi32(all_lanes, sum, zero, 12));
        sum = _mm512_add_epi32(sum, _mm512_maskz_alignr_epi32(all_lanes, sum, zero, 8));
        _mm512_storeu_si512(position + b, _mm512_add_epi32(carry, _mm512_sub_epi32(sum, c)));
        carry = _mm512_add_epi32(carry, _mm512_maskz_permutexvar_epi32(all_lanes, last_lane, sum));
        const __mmask16 many = _mm512_cmpgt_epu32_mask(c, one);
        // compress in a register, then a whole store (crowded has 16 spare): the compress-to-memory
        // form is microcoded on some CPUs (AMD Zen 4) and far slower
        _mm512_storeu_si512(crowded + crowded_count, _mm512_maskz_compress_epi32(many, index));
        crowded_count += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(many)));
        index = _mm512_add_epi32(index, sixteen);
    }
#else
    std::uint32_t running = 0;
    for (std::size_t b = 0; b < buckets; ++b) {  // branch-free: whether a bucket is crowded is as
        const std::uint32_t c = count[b];        // unpredictable as the data
        position[b] = running;
        crowded[crowded_count] = static_cast<std::uint32_t>(b);
        crowded_count += c > 1 ? 1 : 0;
        running += c;
    }
#endif
    return crowded_count;
}

/// For every member j of a bucket of `members` ≤ bucket_rank_small keys: how many members are
/// below it and how many equal it (itself included); calls emit(j, below, equal).
template <class Emit>
void small_bucket_ranks(const std::uint32_t* keys, std::uint32_t members, Emit&& emit) noexcept {
    if (members == 2) {
        const std::uint32_t a = keys[0], b = keys[1];
        if (a == b) {
            emit(0u, 0u, 2u);
            emit(1u, 0u, 2u);
        } else {
            emit(0u, a < b ? 0u : 1u, 1u);
            emit(1u, a < b ? 1u : 0u, 1u);
        }
        return;
    }
#if defined(__AVX512F__)
    const auto valid = static_cast<__mmask16>((1u << members) - 1u);
    const __m512i all = _mm512_maskz_loadu_epi32(valid, keys);
    for (std::uint32_t j = 0; j < members; ++j) {
        const __m512i key = _mm512_set1_epi32(static_cast<int>(keys[j]));
        const auto below = static_cast<std::uint32_t>(
            std::popcount(static_cast<unsigned>(_mm512_mask_cmplt_epu32_mask(valid, all, key))));
        const auto equal = static_cast<std::uint32_t>(
            std::popcount(static_cast<unsigned>(_mm512_mask_cmpeq_epu32_mask(valid, all, key))));
        emit(j, below, equal);
    }
#else
    for (std::uint32_t j = 0; j < members; ++j) {
        const std::uint32_t key = keys[j];
        std::uint32_t below = 0, equal = 0;
        for (std::uint32_t k = 0; k < members; ++k) {
            below += keys[k] < key ? 1u : 0u;
            equal += keys[k] == key ? 1u : 0u;
        }
        emit(j, below, equal);
    }
#endif
}

/// The doubled centered average ranks of column[0..n) (finite floats, 2 ≤ n ≤
/// bucket_rank_max_samples) into scratch.centered, with their sum of squares and the column's
/// median. A constant column writes no ranks; its median is the value at the middle sample(s),
/// as a stable sort would place it. Otherwise the median is read back from the ordered key of the
/// value at each middle position (so a tie of -0.0 and +0.0 gives +0.0).
inline bucket_rank_result bucket_rank_column(const float* column, std::size_t n,
                                             bucket_rank_scratch& scratch) noexcept {
    bucket_rank_result result;
    std::uint32_t* keys = scratch.keys.data();
    std::uint32_t low_key = 0xffffffffu, high_key = 0;
    for (std::size_t s = 0; s < n; ++s) {  // integer min/max: vectorized without fast-math
        const std::uint32_t key = ordered_key(column[s]);
        keys[s] = key;
        low_key = std::min(low_key, key);
        high_key = std::max(high_key, key);
    }
    const std::size_t lower_middle = (n - 1) / 2, upper_middle = n / 2;
    auto middle_of = [n](float lower, float upper) {
        return n % 2 == 1 ? upper : static_cast<float>(0.5 * (static_cast<double>(lower) + static_cast<double>(upper)));
    };
    if (low_key == high_key) {  // one value (-0.0 and +0.0 are one value): zero variance
        result.constant = true;
        result.median = middle_of(column[lower_middle], column[upper_middle]);
        return result;
    }

    const std::size_t buckets = scratch.buckets;
    std::uint16_t* bucket_of = scratch.bucket_of.data();
    std::uint32_t* count = scratch.count.data();
    std::uint32_t* position = scratch.position.data();
    std::uint32_t* bucket_keys = scratch.bucket_keys.data();
    std::uint16_t* bucket_samples = scratch.bucket_samples.data();
    std::uint32_t* crowded = scratch.crowded.data();
    std::int16_t* centered = scratch.centered.data();

    // 1. buckets and their histogram
    const double base = static_cast<double>(key_value(low_key));
    const double scale = static_cast<double>(buckets) / (static_cast<double>(key_value(high_key)) - base);
    const auto last_bucket = static_cast<std::uint32_t>(buckets - 1);
    for (std::size_t s = 0; s < n; ++s) {
        const auto b = static_cast<std::uint32_t>((static_cast<double>(column[s]) - base) * scale);
        bucket_of[s] = static_cast<std::uint16_t>(std::min(b, last_bucket));
    }
    std::fill(count, count + buckets, 0u);
    for (std::size_t s = 0; s < n; ++s) ++count[bucket_of[s]];

    // 2. each bucket's first sorted position, the crowded buckets, and the buckets that hold the
    // middle positions (the last bucket that starts at or before a position holds it)
    const std::size_t crowded_count = bucket_positions(count, position, crowded, buckets);
    auto holding = [&](std::size_t target) {
        return static_cast<std::uint32_t>(
            std::upper_bound(position, position + buckets, static_cast<std::uint32_t>(target)) - position - 1);
    };
    const std::uint32_t lower_middle_bucket = holding(lower_middle), upper_middle_bucket = holding(upper_middle);

    // 3. keys and samples in bucket order (within a bucket: sample order); position[b] then ends one
    // past the bucket's last entry. Four samples are loaded ahead of their stores (as in the radix sort).
    {
        const std::size_t whole = n - n % 4;
        for (std::size_t s = 0; s < whole; s += 4) {
            const std::uint32_t b0 = bucket_of[s], b1 = bucket_of[s + 1], b2 = bucket_of[s + 2], b3 = bucket_of[s + 3];
            const std::uint32_t k0 = keys[s], k1 = keys[s + 1], k2 = keys[s + 2], k3 = keys[s + 3];
            std::uint32_t p = position[b0]++;
            bucket_keys[p] = k0, bucket_samples[p] = static_cast<std::uint16_t>(s);
            p = position[b1]++;
            bucket_keys[p] = k1, bucket_samples[p] = static_cast<std::uint16_t>(s + 1);
            p = position[b2]++;
            bucket_keys[p] = k2, bucket_samples[p] = static_cast<std::uint16_t>(s + 2);
            p = position[b3]++;
            bucket_keys[p] = k3, bucket_samples[p] = static_cast<std::uint16_t>(s + 3);
        }
        for (std::size_t s = whole; s < n; ++s) {
            const std::uint32_t p = position[bucket_of[s]]++;
            bucket_keys[p] = keys[s], bucket_samples[p] = static_cast<std::uint16_t>(s);
        }
    }

    // 4. every value as if alone in its bucket (its bucket's last position); crowded ones follow
    const auto n32 = static_cast<std::int32_t>(n);
    for (std::size_t s = 0; s < n; ++s)
        centered[s] = static_cast<std::int16_t>(2 * static_cast<std::int32_t>(position[bucket_of[s]]) - n32 - 1);

    // 5. crowded buckets: Σ over members of (members equal to it)² − 1 = Σ over tie groups of
    // t(t² − 1). Large buckets that are not one tie group are sorted (in sort_entries) and stay so
    // for the median's look-up.
    std::int64_t tie_sum = 0;
    for (std::size_t i = 0; i < crowded_count; ++i) {
        const std::uint32_t b = crowded[i];
        const std::uint32_t members = count[b];
        const std::uint32_t first = position[b] - members;
        const std::uint32_t* member_keys = bucket_keys + first;
        const std::uint16_t* member_samples = bucket_samples + first;
        if (members <= bucket_rank_small) {
            small_bucket_ranks(member_keys, members, [&](std::uint32_t j, std::uint32_t below, std::uint32_t equal) {
                centered[member_samples[j]] = static_cast<std::int16_t>(2 * static_cast<std::int32_t>(first + below) +
                                                                        static_cast<std::int32_t>(equal) - n32);
                tie_sum += static_cast<std::int64_t>(equal) * equal - 1;
            });
            continue;
        }
        const std::uint32_t key0 = member_keys[0];
        bool uniform = true;
        for (std::uint32_t k = 1; k < members; ++k) uniform &= member_keys[k] == key0;
        if (uniform) {
            const auto value = static_cast<std::int16_t>(2 * static_cast<std::int32_t>(first) +
                                                         static_cast<std::int32_t>(members) - n32);
            for (std::uint32_t k = 0; k < members; ++k) centered[member_samples[k]] = value;
            const auto t = static_cast<std::int64_t>(members);
            tie_sum += t * (t * t - 1);
            continue;
        }
        std::uint64_t* sorted = scratch.sort_entries.data();
        for (std::uint32_t k = 0; k < members; ++k) sorted[k] = pack_entry(member_keys[k], member_samples[k]);
        std::sort(sorted, sorted + members);           // by key, then sample
        for (std::uint32_t k = 0; k < members; ++k) {  // the bucket in sorted order, for the median
            bucket_keys[first + k] = entry_key(sorted[k]);
            bucket_samples[first + k] = static_cast<std::uint16_t>(entry_index(sorted[k]));
        }
        std::uint32_t group = 0;
        while (group < members) {
            std::uint32_t end = group + 1;
            while (end < members && member_keys[end] == member_keys[group]) ++end;
            const auto t = static_cast<std::int32_t>(end - group);
            const auto value = static_cast<std::int16_t>(2 * static_cast<std::int32_t>(first + group) + t - n32);
            for (std::uint32_t k = group; k < end; ++k) centered[member_samples[k]] = value;
            tie_sum += static_cast<std::int64_t>(t) * (static_cast<std::int64_t>(t) * t - 1);
            group = end;
        }
    }

    // 6. the median: the key at each middle position. Large buckets are in order now (sorted, or one
    // tie group); in a small one, the member whose positions [first + below, first + below + equal)
    // cover the middle is the one.
    auto key_at = [&](std::size_t target, std::uint32_t b) {
        const std::uint32_t members = count[b];
        const std::uint32_t first = position[b] - members;
        const std::uint32_t* member_keys = bucket_keys + first;
        if (members == 1 || members > bucket_rank_small) return member_keys[target - first];
        std::uint32_t found = member_keys[0];
        small_bucket_ranks(member_keys, members, [&](std::uint32_t j, std::uint32_t below, std::uint32_t equal) {
            if (first + below <= target && target < first + below + equal) found = member_keys[j];
        });
        return found;
    };
    result.median = middle_of(key_value(key_at(lower_middle, lower_middle_bucket)),
                              key_value(key_at(upper_middle, upper_middle_bucket)));

    const auto nn = static_cast<std::int64_t>(n);
    result.squares = static_cast<double>((nn * (nn * nn - 1) - tie_sum) / 3);
    return result;
}

}  // namespace cirm::detail
