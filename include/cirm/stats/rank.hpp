#pragma once
/// \file
/// Average ranks (docs/method.md §5 step 2: "ties get average ranks"): the rank of a value is its
/// 1-based position in ascending order, and every member of a group of equal values gets the
/// mean of the positions the group occupies — the same as scipy.stats.rankdata(method='average').
/// -0.0 and +0.0 compare equal and therefore tie. NaN has no place in an order and is an error;
/// ±infinity ranks like any other value.
///
/// Also here, in cirm::detail, the sorting machinery shared with the Spearman table: an
/// order-preserving map from floating-point values to unsigned integers, and an LSD radix sort of
/// (key, index) pairs packed into 64-bit words.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

namespace detail {

/// Maps a float to an unsigned integer with the same order: negative values have all bits
/// flipped, non-negative ones only the sign bit. -0.0 is mapped like +0.0 so that the two tie.
inline std::uint32_t ordered_key(float value) noexcept {
    const std::uint32_t bits = value == 0.0f ? 0u : std::bit_cast<std::uint32_t>(value);
    const std::uint32_t flip = (0u - (bits >> 31)) | 0x80000000u;
    return bits ^ flip;
}

/// The double counterpart of ordered_key(float).
inline std::uint64_t ordered_key(double value) noexcept {
    const std::uint64_t bits = value == 0.0 ? 0u : std::bit_cast<std::uint64_t>(value);
    const std::uint64_t flip = (std::uint64_t{0} - (bits >> 63)) | 0x8000000000000000ull;
    return bits ^ flip;
}

/// A float's sort entry: its ordered key in the upper half, the sample index in the lower half,
/// so that one integer sort orders the values and carries their positions along.
inline std::uint64_t pack_entry(std::uint32_t key, std::uint32_t index) noexcept {
    return (std::uint64_t{key} << 32) | index;
}
inline std::uint32_t entry_key(std::uint64_t entry) noexcept { return static_cast<std::uint32_t>(entry >> 32); }
inline std::uint32_t entry_index(std::uint64_t entry) noexcept { return static_cast<std::uint32_t>(entry); }

/// A double's sort entry (its key needs all 64 bits).
struct wide_entry {
    std::uint64_t key;
    std::uint32_t index;
};
inline std::uint64_t entry_key(const wide_entry& entry) noexcept { return entry.key; }
inline std::uint32_t entry_index(const wide_entry& entry) noexcept { return entry.index; }

/// Digit histograms of 32-bit keys for a three-pass radix sort (11, 11 and 10 bits: three passes
/// instead of four 8-bit ones, with tables small enough to clear per column), filled while the
/// keys are made so that the sort needs no counting pass of its own.
struct radix_histogram {
    static constexpr unsigned digit_bits[3] = {11, 11, 10};
    static constexpr unsigned digit_shift[3] = {0, 11, 22};
    std::uint32_t count[3][2048];

    void clear() noexcept {
        for (unsigned digit = 0; digit < 3; ++digit)
            std::fill(count[digit], count[digit] + (std::size_t{1} << digit_bits[digit]), 0u);
    }
    void add(std::uint32_t key) noexcept {
        ++count[0][key & 0x7ffu];
        ++count[1][(key >> 11) & 0x7ffu];
        ++count[2][key >> 22];
    }
};

/// Sorts packed float entries by key with a stable LSD radix sort (entries with equal keys keep
/// their order). `histogram` must hold the counts of exactly these keys and is consumed. Digits
/// on which every key agrees are skipped. Returns whichever of the two buffers holds the result.
inline std::uint64_t* radix_sort_entries(std::uint64_t* entries, std::uint64_t* spare, std::size_t n,
                                         radix_histogram& histogram) noexcept {
    std::uint64_t* source = entries;
    std::uint64_t* target = spare;
    if (n < 2) return source;
    for (unsigned digit = 0; digit < 3; ++digit) {
        std::uint32_t* count = histogram.count[digit];
        const unsigned shift = 32 + radix_histogram::digit_shift[digit];
        const std::uint64_t mask = (std::uint64_t{1} << radix_histogram::digit_bits[digit]) - 1;
        if (count[(source[0] >> shift) & mask] == n) continue;  // one digit value for all: nothing moves
        std::uint32_t offset = 0;
        const std::size_t bins = std::size_t{1} << radix_histogram::digit_bits[digit];
        for (std::size_t bin = 0; bin < bins; ++bin) {  // counts become start offsets
            const std::uint32_t c = count[bin];
            count[bin] = offset;
            offset += c;
        }
        // Four entries are loaded ahead of their stores: a load placed after a scatter store waits
        // for that store's address once the CPU has seen such loads collide with it (they do,
        // through the counters, when neighbours share a digit), which would serialise the loop.
        const std::size_t whole = n - n % 4;
        for (std::size_t p = 0; p < whole; p += 4) {
            const std::uint64_t e0 = source[p], e1 = source[p + 1], e2 = source[p + 2], e3 = source[p + 3];
            target[count[(e0 >> shift) & mask]++] = e0;
            target[count[(e1 >> shift) & mask]++] = e1;
            target[count[(e2 >> shift) & mask]++] = e2;
            target[count[(e3 >> shift) & mask]++] = e3;
        }
        for (std::size_t p = whole; p < n; ++p) {
            const std::uint64_t entry = source[p];
            target[count[(entry >> shift) & mask]++] = entry;
        }
        std::swap(source, target);
    }
    return source;
}

/// Calls emit(first, last) for every run [first, last) of equal keys in sorted entries.
template <class Entry, class Emit>
void for_each_tie_group(const Entry* sorted, std::size_t n, Emit&& emit) {
    std::size_t first = 0;
    while (first < n) {
        const auto key = entry_key(sorted[first]);
        std::size_t last = first + 1;
        while (last < n && entry_key(sorted[last]) == key) ++last;
        emit(first, last);
        first = last;
    }
}

inline void check_rankable(std::size_t n, std::size_t ranks_size, const char* who) {
    if (ranks_size != n)
        throw error(std::string(who) + ": output has " + std::to_string(ranks_size) + " elements for " +
                    std::to_string(n) + " values");
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw error(std::string(who) + ": " + std::to_string(n) + " values are more than 2^32 - 1");
}

template <class T>
void reject_nan(std::span<const T> values, const char* who) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (std::isnan(values[i])) throw error(std::string(who) + ": value " + std::to_string(i) + " is NaN");
}

}  // namespace detail

/// Scratch memory for average_ranks. Reusing one across calls means that ranking allocates only
/// when the number of values grows; one scratch must not be shared between threads.
class rank_scratch {
public:
    std::uint64_t* packed(std::size_t n) {
        grow(packed_, 2 * n);
        return packed_.data();
    }
    detail::wide_entry* wide(std::size_t n) {
        grow(wide_, n);
        return wide_.data();
    }
    detail::radix_histogram& histogram() noexcept { return histogram_; }

private:
    template <class T>
    static void grow(std::vector<T>& buffer, std::size_t n) {
        if (buffer.size() < n) buffer.resize(n);
    }
    std::vector<std::uint64_t> packed_;  // entries and the radix sort's second buffer
    std::vector<detail::wide_entry> wide_;
    detail::radix_histogram histogram_{};
};

namespace detail {

/// Sorts float values into (key, index) entries; returns a pointer to n sorted entries.
inline const std::uint64_t* sorted_entries(std::span<const float> values, rank_scratch& scratch) {
    const std::size_t n = values.size();
    std::uint64_t* entries = scratch.packed(n);
    radix_histogram& histogram = scratch.histogram();
    histogram.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t key = ordered_key(values[i]);
        entries[i] = pack_entry(key, static_cast<std::uint32_t>(i));
        histogram.add(key);
    }
    return radix_sort_entries(entries, entries + n, n, histogram);
}

/// Sorts double values into (key, index) entries; returns a pointer to n sorted entries.
inline const wide_entry* sorted_entries(std::span<const double> values, rank_scratch& scratch) {
    const std::size_t n = values.size();
    wide_entry* entries = scratch.wide(n);
    for (std::size_t i = 0; i < n; ++i) entries[i] = {ordered_key(values[i]), static_cast<std::uint32_t>(i)};
    std::sort(entries, entries + n, [](const wide_entry& a, const wide_entry& b) {
        return a.key != b.key ? a.key < b.key : a.index < b.index;
    });
    return entries;
}

template <class T>
void average_ranks_into(std::span<const T> values, std::span<double> ranks, rank_scratch& scratch) {
    check_rankable(values.size(), ranks.size(), "average_ranks");
    reject_nan(values, "average_ranks");
    const auto* sorted = sorted_entries(values, scratch);
    for_each_tie_group(sorted, values.size(), [&](std::size_t first, std::size_t last) {
        // positions first..last-1 hold ranks first+1..last; their mean is (first + 1 + last) / 2
        const double rank = 0.5 * static_cast<double>(first + 1 + last);
        for (std::size_t p = first; p < last; ++p) ranks[entry_index(sorted[p])] = rank;
    });
}

/// Writes 2·(rank − (n + 1)/2) of every sorted entry to centered[its index] and returns the sum of
/// their squares. Doubling keeps every value an integer (a tie group at positions [first, last)
/// gets first + last − n), so sums of products of these are exact in double for n < 2^17 and
/// Spearman's ρ can be formed with a single rounding at the end.
///
/// Values are first written as if all were distinct (position p gets 2p + 1 − n, and the squares
/// sum to n(n² − 1)/3); tie groups, if any, are then rewritten to their mean, each lowering the
/// sum by t(t² − 1)/3 for a group of t.
template <class Entry>
double assign_doubled_centered_ranks(const Entry* sorted, std::size_t n, double* centered) noexcept {
    const double count = static_cast<double>(n);
    double value = 1.0 - count;
    for (std::size_t p = 0; p < n; ++p, value += 2.0) centered[entry_index(sorted[p])] = value;
    double squares = count * (count * count - 1.0) / 3.0;
    bool tied = false;
    for (std::size_t p = 1; p < n; ++p) tied |= entry_key(sorted[p]) == entry_key(sorted[p - 1]);
    if (!tied) return squares;
    for_each_tie_group(sorted, n, [&](std::size_t first, std::size_t last) {
        if (last - first < 2) return;
        const double group_value = static_cast<double>(first + last) - count;
        const double size = static_cast<double>(last - first);
        squares -= size * (size * size - 1.0) / 3.0;
        for (std::size_t p = first; p < last; ++p) centered[entry_index(sorted[p])] = group_value;
    });
    return squares;
}

/// The doubled centered ranks (see assign_doubled_centered_ranks) of `values`, in their order.
template <class T>
double doubled_centered_ranks(std::span<const T> values, double* centered, rank_scratch& scratch) {
    return assign_doubled_centered_ranks(sorted_entries(values, scratch), values.size(), centered);
}

}  // namespace detail

/// Average ranks of `values` (1..n, ties get the mean of their positions) written into `ranks`,
/// which must have values.size() elements. Allocates nothing once `scratch` is large enough.
/// Throws cirm::error on NaN (naming its index) or a size mismatch.
inline void average_ranks(std::span<const float> values, std::span<double> ranks, rank_scratch& scratch) {
    detail::average_ranks_into(values, ranks, scratch);
}
inline void average_ranks(std::span<const double> values, std::span<double> ranks, rank_scratch& scratch) {
    detail::average_ranks_into(values, ranks, scratch);
}

/// Average ranks of `values` as a new vector (see the overloads above).
inline std::vector<double> average_ranks(std::span<const float> values) {
    std::vector<double> ranks(values.size());
    rank_scratch scratch;
    detail::average_ranks_into(values, std::span<double>(ranks), scratch);
    return ranks;
}
inline std::vector<double> average_ranks(std::span<const double> values) {
    std::vector<double> ranks(values.size());
    rank_scratch scratch;
    detail::average_ranks_into(values, std::span<double>(ranks), scratch);
    return ranks;
}

}  // namespace cirm
