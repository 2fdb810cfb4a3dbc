#pragma once
/// \file
/// Median and mean of a sequence of numbers: the replacement values of docs/method.md §5 step 5 and
/// §6 ("median" and "mean"). The median of an even count is the mean of the two middle values
/// (numpy.median's convention), computed in double. Values must be finite: a NaN or an infinity
/// has no meaningful median or mean to pin a neuron to.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

namespace detail {

template <class T>
void check_summarizable(std::span<const T> values, const char* who) {
    if (values.empty()) throw error(std::string(who) + ": no values");
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i]))
            throw error(std::string(who) + ": value " + std::to_string(i) + " is " +
                        (std::isnan(values[i]) ? "NaN" : "infinite"));
}

template <class T>
double median_of(std::span<const T> values) {
    check_summarizable(values, "median");
    std::vector<T> copy(values.begin(), values.end());
    const std::size_t upper = copy.size() / 2;
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(upper), copy.end());
    const double upper_value = static_cast<double>(copy[upper]);
    if (copy.size() % 2 == 1) return upper_value;
    // after nth_element everything before `upper` is <= it: the lower middle is their maximum
    const double lower_value =
        static_cast<double>(*std::max_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(upper)));
    return 0.5 * (lower_value + upper_value);
}

template <class T>
double mean_of(std::span<const T> values) {
    check_summarizable(values, "mean");
    double sum = 0.0;
    for (const T v : values) sum += static_cast<double>(v);
    return sum / static_cast<double>(values.size());
}

}  // namespace detail

/// Median of `values` (even count: the mean of the two middle values), in double.
/// Throws cirm::error if `values` is empty or holds a non-finite value.
inline double median(std::span<const double> values) { return detail::median_of(values); }
inline double median(std::span<const float> values) { return detail::median_of(values); }

/// Arithmetic mean of `values`, accumulated in double.
/// Throws cirm::error if `values` is empty or holds a non-finite value.
inline double mean(std::span<const double> values) { return detail::mean_of(values); }
inline double mean(std::span<const float> values) { return detail::mean_of(values); }

}  // namespace cirm
