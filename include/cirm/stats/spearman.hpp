#pragma once
/// \file
/// Spearman rank correlation (docs/method.md §5 step 2): ρ is the Pearson correlation of the average
/// ranks of the two variables (ties get the mean of their positions, as in scipy.stats.spearmanr).
/// The method's rule for a constant variable — zero variance, where ρ is undefined and scipy
/// returns NaN — is ρ = 0, so that such a neuron is never selected.
///
/// spearman_table() computes, for a whole activation matrix, every neuron's ρ against every bias
/// attribute, together with each neuron's median (step 5) and mean, as a correlation_table.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cirm/correlation_table.hpp"
#include "cirm/error.hpp"
#include "cirm/stats/bucket_rank.hpp"
#include "cirm/stats/rank.hpp"

namespace cirm {

namespace detail {

/// Σ a[i]·b[i] with four independent accumulators in a fixed order (the result never depends on
/// how the caller partitioned its work). For the integer-valued doubled centered ranks used here
/// every partial sum is an exact integer, so the order does not even affect the rounding.
inline double dot(const double* a, const double* b, std::size_t n) noexcept {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    const std::size_t whole = n - n % 4;
    for (std::size_t i = 0; i < whole; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (std::size_t i = whole; i < n; ++i) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/// ρ from the dot product of doubled centered ranks and their sums of squares. One square root
/// of the product (rather than a product of roots) makes identical rankings give exactly ±1;
/// the clamp guards against the last rounding.
inline double rho_from(double dot_product, double squares_x, double squares_y) noexcept {
    return std::clamp(dot_product / std::sqrt(squares_x * squares_y), -1.0, 1.0);
}

inline void check_sample_count(std::size_t n, const char* who) {
    if (n < 2) throw error(std::string(who) + ": needs at least 2 samples, got " + std::to_string(n));
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw error(std::string(who) + ": " + std::to_string(n) + " samples are more than 2^32 - 1");
}

}  // namespace detail

/// Spearman's ρ of x and y: the Pearson correlation of their average ranks. If either variable is
/// constant, ρ = 0 (the method's rule; scipy gives NaN). ±infinity ranks like any value.
/// Throws cirm::error on a size mismatch, fewer than 2 samples, or NaN.
inline double spearman(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size())
        throw error("spearman: x has " + std::to_string(x.size()) + " values, y has " + std::to_string(y.size()));
    detail::check_sample_count(x.size(), "spearman");
    detail::reject_nan(x, "spearman (x)");
    detail::reject_nan(y, "spearman (y)");
    const std::size_t n = x.size();
    std::vector<double> centered_x(n), centered_y(n);
    rank_scratch scratch;
    const double squares_x = detail::doubled_centered_ranks(x, centered_x.data(), scratch);
    const double squares_y = detail::doubled_centered_ranks(y, centered_y.data(), scratch);
    if (squares_x == 0.0 || squares_y == 0.0) return 0.0;
    return detail::rho_from(detail::dot(centered_x.data(), centered_y.data(), n), squares_x, squares_y);
}

namespace detail {

/// Neuron columns processed together: their activations are copied out of the sample-major
/// matrix one row segment (32 floats, 128 bytes) at a time, into a column-major block that stays
/// in the L2 cache while its columns are ranked.
inline constexpr std::size_t spearman_block_width = 32;

/// The attributes, ranked once for all neurons.
struct ranked_attributes {
    std::size_t count = 0;
    std::vector<double> centered;          ///< count × samples, attribute-major: doubled centered ranks
    std::vector<double> squares;           ///< per attribute: Σ centered²; 0 for a constant attribute
    std::vector<std::int16_t> centered16;  ///< the same as int16, when samples ≤ bucket_rank_max_samples
};

inline ranked_attributes rank_attributes(const double* attributes, std::size_t samples, std::size_t count,
                                         const std::vector<std::string>& names) {
    ranked_attributes ranked;
    ranked.count = count;
    ranked.centered.resize(count * samples);
    ranked.squares.resize(count);
    std::vector<double> column(samples);
    rank_scratch scratch;
    for (std::size_t b = 0; b < count; ++b) {
        for (std::size_t s = 0; s < samples; ++s) {
            const double v = attributes[s * count + b];
            if (!std::isfinite(v))
                throw error("spearman_table: attribute '" + names[b] + "' at sample " + std::to_string(s) + " is " +
                            (std::isnan(v) ? "NaN" : "infinite"));
            column[s] = v;
        }
        ranked.squares[b] =
            doubled_centered_ranks(std::span<const double>(column), &ranked.centered[b * samples], scratch);
    }
    if (samples <= bucket_rank_max_samples) {  // |doubled centered rank| ≤ samples − 1 fits int16
        ranked.centered16.resize(count * samples);
        for (std::size_t i = 0; i < ranked.centered.size(); ++i)
            ranked.centered16[i] = static_cast<std::int16_t>(ranked.centered[i]);
    }
    return ranked;
}

/// Where the first non-finite activation of a block is (lowest neuron, then lowest sample).
struct nonfinite_activation {
    std::size_t neuron = 0;
    std::size_t sample = 0;
    bool nan = false;
};

/// Asks the cache for one row segment of the block that comes next. The rows of a block lie one
/// activation row apart, too far apart for the hardware prefetcher to follow; asking for the next
/// block's rows one at a time while the current block is copied keeps the requests in step with
/// the copy (asking for a whole block at once measured slower than not asking at all).
inline void prefetch_row(const float* segment, std::size_t width) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    const char* bytes = reinterpret_cast<const char*>(segment);
    __builtin_prefetch(bytes);
    __builtin_prefetch(bytes + (width * sizeof(float) - 1) / 64 * 64);  // a 32-float segment spans two lines
#else
    (void)segment, (void)width;
#endif
}

/// Per-thread memory for spearman_table, allocated once per thread and reused for every block.
struct spearman_block_scratch {
    explicit spearman_block_scratch(std::size_t samples)
        : columns(spearman_block_width * samples),
          entries(samples <= bucket_rank_max_samples ? 0 : 2 * samples),
          centered(samples <= bucket_rank_max_samples ? 0 : samples),
          buckets(samples <= bucket_rank_max_samples ? samples : 0) {}
    std::vector<float> columns;          ///< the block, column-major: columns[c * samples + s]
    std::vector<std::uint64_t> entries;  ///< sort entries and the radix sort's second buffer
    std::vector<double> centered;        ///< one column's doubled centered ranks, in sample order
    double sums[spearman_block_width] = {};
    radix_histogram histogram{};
    bucket_rank_scratch buckets;  ///< the bucket kernel's memory (samples ≤ bucket_rank_max_samples)
};

/// Copies neurons [first, first + width) into scratch.columns (column-major) and sums each
/// column in sample order, prefetching the rows of the next block [next_first, next_first +
/// next_width) as it goes (none if next_width is 0). Returns false, with `bad` filled, if the
/// block holds a non-finite activation.
inline bool copy_block(const float* activations, std::size_t samples, std::size_t row_stride, std::size_t first,
                       std::size_t width, spearman_block_scratch& scratch, nonfinite_activation& bad,
                       std::size_t next_first, std::size_t next_width) noexcept {
    float* columns = scratch.columns.data();
    double sums[spearman_block_width] = {};  // local, so that the compiler sees no aliasing
    std::uint32_t nonfinite = 0;
    for (std::size_t s = 0; s < samples; ++s) {
        const float* row = activations + s * row_stride + first;
        if (next_width > 0) prefetch_row(activations + s * row_stride + next_first, next_width);
        for (std::size_t c = 0; c < width; ++c) {
            const float v = row[c];
            columns[c * samples + s] = v;
            sums[c] += static_cast<double>(v);
            nonfinite |= (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) == 0x7f800000u ? 1u : 0u;
        }
    }
    std::copy(sums, sums + width, scratch.sums);
    if (nonfinite == 0) return true;
    for (std::size_t c = 0; c < width; ++c)
        for (std::size_t s = 0; s < samples; ++s)
            if (!std::isfinite(columns[c * samples + s])) {
                bad = {first + c, s, std::isnan(columns[c * samples + s])};
                return false;
            }
    return false;  // unreachable: a non-finite value was seen above
}

/// The statistics of the neurons [first, first + width) that copy_block put into `scratch`.
/// Each neuron's results depend only on its own column, never on the block it shares, so any
/// partition of the neurons gives bit-identical tables.
inline void rank_block(std::size_t samples, std::size_t first, std::size_t width, const ranked_attributes& attributes,
                       spearman_block_scratch& scratch, correlation_table& table) noexcept {
    const std::size_t attribute_count = attributes.count;
    const double inverse_samples = 1.0 / static_cast<double>(samples);
    std::uint64_t* entries = scratch.entries.data();
    double* centered = scratch.centered.data();
    radix_histogram& histogram = scratch.histogram;
    if (samples <= bucket_rank_max_samples) {
        for (std::size_t c = 0; c < width; ++c) {
            const std::size_t neuron = first + c;
            const bucket_rank_result column =
                bucket_rank_column(scratch.columns.data() + c * samples, samples, scratch.buckets);
            table.median[neuron] = column.median;
            table.mean[neuron] = static_cast<float>(scratch.sums[c] * inverse_samples);
            double* rho = table.rho.data() + neuron * attribute_count;
            if (column.constant) {
                table.constant[neuron] = 1;
                std::fill(rho, rho + attribute_count, 0.0);
                continue;
            }
            for (std::size_t b = 0; b < attribute_count; ++b) {
                const double attribute_squares = attributes.squares[b];
                rho[b] = attribute_squares == 0.0 ? 0.0
                                                  : rho_from(static_cast<double>(exact_dot_i16(
                                                                 scratch.buckets.centered.data(),
                                                                 attributes.centered16.data() + b * samples, samples)),
                                                             column.squares, attribute_squares);
            }
        }
        return;
    }
    for (std::size_t c = 0; c < width; ++c) {
        const std::size_t neuron = first + c;
        const float* column = scratch.columns.data() + c * samples;
        histogram.clear();
        for (std::size_t s = 0; s < samples; ++s) {
            const std::uint32_t key = ordered_key(column[s]);
            entries[s] = pack_entry(key, static_cast<std::uint32_t>(s));
            histogram.add(key);
        }
        const std::uint64_t* sorted = radix_sort_entries(entries, entries + samples, samples, histogram);

        // the median from the same sort: the middle value, or the mean of the two middle values
        const float lower = column[entry_index(sorted[(samples - 1) / 2])];
        const float upper = column[entry_index(sorted[samples / 2])];
        table.median[neuron] =
            samples % 2 == 1 ? upper
                             : static_cast<float>(0.5 * (static_cast<double>(lower) + static_cast<double>(upper)));
        table.mean[neuron] = static_cast<float>(scratch.sums[c] * inverse_samples);

        double* rho = table.rho.data() + neuron * attribute_count;
        if (entry_key(sorted[0]) == entry_key(sorted[samples - 1])) {  // one value: zero variance
            table.constant[neuron] = 1;
            std::fill(rho, rho + attribute_count, 0.0);
            continue;
        }
        const double squares = assign_doubled_centered_ranks(sorted, samples, centered);
        for (std::size_t b = 0; b < attribute_count; ++b) {
            const double attribute_squares = attributes.squares[b];
            rho[b] = attribute_squares == 0.0
                         ? 0.0
                         : rho_from(dot(centered, attributes.centered.data() + b * samples, samples), squares,
                                    attribute_squares);
        }
    }
}

}  // namespace detail

/// Spearman's ρ of every neuron against every attribute, with each neuron's median, mean and
/// constant flag (docs/method.md §5 steps 2 and 5).
///
/// - activations: samples × neurons floats, sample-major; row s starts at activations + s·row_stride
///   (row_stride ≥ neurons).
/// - attributes: samples × attribute_count doubles, row-major; attribute_names names the columns.
/// - threads: worker threads (0 = std::thread::hardware_concurrency()). The table is
///   bit-identical for every thread count.
///
/// Ranks: ties get average ranks. A neuron whose activations are all equal is flagged constant and
/// gets ρ = 0 against every attribute; a constant attribute is flagged and gets ρ = 0 for every
/// neuron. Median: the middle value, or for an even sample count the mean of the two middle values
/// computed in double and stored as float. Mean: accumulated in double, stored as float.
///
/// Throws cirm::error for fewer than 2 samples, row_stride < neurons, a name count that differs
/// from attribute_count, a non-finite attribute value (naming attribute and sample), or a NaN or
/// infinite activation (naming the flat neuron index and the sample; the lowest neuron index is
/// reported if there are several).
inline correlation_table spearman_table(const float* activations, std::size_t samples, std::size_t neurons,
                                        std::size_t row_stride, const double* attributes, std::size_t attribute_count,
                                        std::vector<std::string> attribute_names, unsigned threads = 0) {
    detail::check_sample_count(samples, "spearman_table");
    if (row_stride < neurons)
        throw error("spearman_table: row_stride " + std::to_string(row_stride) + " is smaller than the " +
                    std::to_string(neurons) + " neurons of a row");
    if (attribute_names.size() != attribute_count)
        throw error("spearman_table: " + std::to_string(attribute_names.size()) + " attribute names for " +
                    std::to_string(attribute_count) + " attributes");
    if (neurons > 0 && activations == nullptr) throw error("spearman_table: activations is null");
    if (attribute_count > 0 && attributes == nullptr) throw error("spearman_table: attributes is null");

    const detail::ranked_attributes ranked =
        detail::rank_attributes(attributes, samples, attribute_count, attribute_names);

    correlation_table table;
    table.attributes = std::move(attribute_names);
    table.neurons = neurons;
    table.samples = samples;
    table.rho.assign(neurons * attribute_count, 0.0);
    table.constant.assign(neurons, 0);
    table.attribute_constant.resize(attribute_count);
    for (std::size_t b = 0; b < attribute_count; ++b) table.attribute_constant[b] = ranked.squares[b] == 0.0 ? 1 : 0;
    table.median.assign(neurons, 0.0f);
    table.mean.assign(neurons, 0.0f);
    if (neurons == 0) return table;

    // Blocks start on 64-byte boundaries of the first row (its first block takes the columns up to the
    // first boundary): a block's row segments then span two cache lines, not three, wherever the
    // row stride keeps rows aligned alike. Which columns share a block never changes a result.
    const std::size_t lead =
        std::min(neurons, (64 - reinterpret_cast<std::uintptr_t>(activations) % 64) % 64 / sizeof(float));
    const std::size_t block_count =
        (lead > 0 ? 1 : 0) + (neurons - lead + detail::spearman_block_width - 1) / detail::spearman_block_width;
    std::size_t thread_count = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
    thread_count = std::min(thread_count, block_count);

    // Blocks are handed out in increasing order. A thread that meets a non-finite activation records
    // its block; blocks after the lowest such block are skipped, and every block before it is
    // finished, so the error reported is the lowest bad neuron whatever the thread count.
    std::atomic<std::size_t> next_block{0};
    std::atomic<std::size_t> first_bad_block{block_count};
    std::mutex report_mutex;
    detail::nonfinite_activation first_bad;
    std::exception_ptr failure;

    auto block_span = [&](std::size_t block) {
        if (lead > 0 && block == 0) return std::pair{std::size_t{0}, lead};
        const std::size_t first = lead + (lead > 0 ? block - 1 : block) * detail::spearman_block_width;
        return std::pair{first, std::min(detail::spearman_block_width, neurons - first)};
    };
    auto work = [&]() {
        try {
            detail::spearman_block_scratch scratch(samples);
            detail::nonfinite_activation bad;
            // Each thread claims its next block before copying the current one, so that the next
            // block's rows are fetched from memory while the current block is copied and ranked.
            std::size_t block = next_block.fetch_add(1, std::memory_order_relaxed);
            while (block < block_count && block <= first_bad_block.load(std::memory_order_relaxed)) {
                const std::size_t upcoming = next_block.fetch_add(1, std::memory_order_relaxed);
                const auto [first, width] = block_span(block);
                const auto [next_first, next_width] =
                    upcoming < block_count ? block_span(upcoming) : std::pair{std::size_t{0}, std::size_t{0}};
                if (!detail::copy_block(activations, samples, row_stride, first, width, scratch, bad, next_first,
                                        next_width)) {
                    const std::lock_guard lock(report_mutex);
                    if (block < first_bad_block.load(std::memory_order_relaxed)) {
                        first_bad_block.store(block, std::memory_order_relaxed);
                        first_bad = bad;
                    }
                    return;
                }
                detail::rank_block(samples, first, width, ranked, scratch, table);
                block = upcoming;
            }
        } catch (...) {
            const std::lock_guard lock(report_mutex);
            if (!failure) failure = std::current_exception();
        }
    };
    if (thread_count <= 1) {
        work();
    } else {
        std::vector<std::jthread> workers;
        workers.reserve(thread_count - 1);
        for (std::size_t t = 1; t < thread_count; ++t) workers.emplace_back(work);
        work();
    }  // jthreads join here

    if (failure) std::rethrow_exception(failure);
    if (first_bad_block.load() < block_count)
        throw error("spearman_table: activation of neuron " + std::to_string(first_bad.neuron) + " at sample " +
                    std::to_string(first_bad.sample) + " is " + (first_bad.nan ? "NaN" : "infinite"));
    return table;
}

}  // namespace cirm
