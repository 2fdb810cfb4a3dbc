#pragma once
/// \file
/// The inference-time length baselines that CIRM is compared with (docs/method.md §9):
/// - LP, length penalty: r' = r − λ·length.
/// - LWR, locally weighted regression: fit LOWESS of reward on length over the scored set and
///   subtract the fitted trend, r' = r − α·fitted(length).
///
/// lowess() reproduces statsmodels.nonparametric.smoothers_lowess.lowess(y, x, frac, it,
/// delta=0, return_sorted=False) (statsmodels 0.13), including its conventions:
/// - the points are sorted by x (stably: tied x keep their input order) and each x is fitted from
///   its k = int(frac·n + 1e-10) nearest points (clamped to [2, n]), found by sliding a window of
///   k sorted points to the right while the next point is strictly closer than the window's left
///   end; the radius is the larger distance from x to the window's ends;
/// - tricube weights (1 − d³)³ with d = |x_j − x| / radius, times the robustness weights;
/// - a weighted local linear fit; the weighted spread of x is floored at 1e-12, so a window whose
///   weight sits on a single x value gives the weighted mean of y there;
/// - fewer than two weights above 1e-12 (or a zero radius: the whole window at one x) means no
///   fit: the point keeps its own y;
/// - a tied x is fitted once (at its first point in sorted order) and the fit is shared;
/// - `iterations` robustifying passes: with m = median |residual|, weights are bisquare
///   (1 − u²)² of u = min(|residual| / (6·m), 1); if m = 0, points with a nonzero residual get
///   weight 0 and the others weight 1.
/// Sums of weights use numpy's pairwise summation, the others run in index order, as statsmodels
/// does, so that results agree to rounding even where the algorithm is sensitive to it.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

namespace detail {

inline void check_baseline_inputs(std::span<const double> rewards, std::span<const double> lengths, const char* who) {
    if (rewards.size() != lengths.size())
        throw error(std::string(who) + ": " + std::to_string(rewards.size()) + " rewards but " +
                    std::to_string(lengths.size()) + " lengths");
    if (rewards.empty()) throw error(std::string(who) + ": no responses");
    for (std::size_t i = 0; i < rewards.size(); ++i) {
        if (!std::isfinite(rewards[i]))
            throw error(std::string(who) + ": reward " + std::to_string(i) + " is not finite");
        if (!std::isfinite(lengths[i]))
            throw error(std::string(who) + ": length " + std::to_string(i) + " is not finite");
    }
}

/// numpy's pairwise summation of a contiguous double array (what numpy.sum does), reproduced so
/// that the LOWESS weight sums round exactly like statsmodels'.
inline double numpy_pairwise_sum(const double* a, std::size_t n) noexcept {
    if (n < 8) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += a[i];
        return sum;
    }
    if (n <= 128) {
        double r[8];
        for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
        std::size_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) sum += a[i];
        return sum;
    }
    std::size_t half = n / 2;
    half -= half % 8;
    return numpy_pairwise_sum(a, half) + numpy_pairwise_sum(a + half, n - half);
}

/// The fit at `xval` from the sorted points [left, right) with robustness weights `robustness`;
/// `own_y` is returned when there is no fit. `weights` is scratch of at least right − left.
inline double lowess_local_fit(const double* xs, const double* ys, const double* robustness, std::size_t left,
                               std::size_t right, double xval, double own_y, double* weights) {
    const double radius = std::max(xval - xs[left], xs[right - 1] - xval);
    if (!(radius > 0.0)) return own_y;  // the whole window sits at xval: no distances to weigh by
    const std::size_t width = right - left;
    std::size_t positive = 0;
    for (std::size_t j = 0; j < width; ++j) {
        const double d = std::abs(xs[left + j] - xval) / radius;
        const double t = 1.0 - d * d * d;
        weights[j] = t * t * t * robustness[left + j];
        positive += weights[j] > 1e-12 ? 1 : 0;
    }
    if (positive < 2) return own_y;  // a line needs two points
    const double total = numpy_pairwise_sum(weights, width);
    for (std::size_t j = 0; j < width; ++j) weights[j] /= total;
    double center = 0.0;
    for (std::size_t j = 0; j < width; ++j) center += weights[j] * xs[left + j];
    double spread = 0.0;
    for (std::size_t j = 0; j < width; ++j) {
        const double dx = xs[left + j] - center;
        spread += weights[j] * (dx * dx);
    }
    spread = std::max(spread, 1e-12);  // all weight on one x: the slope term vanishes
    double fit = 0.0;
    for (std::size_t j = 0; j < width; ++j)
        fit += weights[j] * (1.0 + (xval - center) * (xs[left + j] - center) / spread) * ys[left + j];
    return fit;
}

}  // namespace detail

/// LP: r' = r − λ·length for every response (lengths in characters, docs/method.md §4's `length`).
/// Throws cirm::error on mismatched sizes, empty input, non-finite values or a non-finite λ.
inline std::vector<double> length_penalty(std::span<const double> rewards, std::span<const double> lengths,
                                          double lambda = 0.001) {
    detail::check_baseline_inputs(rewards, lengths, "length_penalty");
    if (!std::isfinite(lambda)) throw error("length_penalty: lambda is not finite");
    std::vector<double> adjusted(rewards.size());
    for (std::size_t i = 0; i < rewards.size(); ++i) adjusted[i] = rewards[i] - lambda * lengths[i];
    return adjusted;
}

/// LOWESS of y on x, fitted at every x and returned in input order (the conventions are those of
/// statsmodels' lowess with delta = 0 and return_sorted = False; see the file comment).
/// Throws cirm::error on mismatched sizes, empty input, non-finite values, frac outside (0, 1] or
/// negative iterations.
inline std::vector<double> lowess(std::span<const double> x, std::span<const double> y, double frac = 1.0,
                                  int iterations = 3) {
    if (x.size() != y.size())
        throw error("lowess: x has " + std::to_string(x.size()) + " values, y has " + std::to_string(y.size()));
    if (x.empty()) throw error("lowess: no points");
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
            throw error("lowess: point " + std::to_string(i) + " is not finite");
    if (!(frac > 0.0 && frac <= 1.0)) throw error("lowess: frac " + std::to_string(frac) + " is outside (0, 1]");
    if (iterations < 0) throw error("lowess: iterations " + std::to_string(iterations) + " is negative");

    const std::size_t n = x.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    std::vector<double> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) {
        xs[i] = x[order[i]];
        ys[i] = y[order[i]];
    }

    std::size_t k = static_cast<std::size_t>(frac * static_cast<double>(n) + 1e-10);
    k = std::min(std::max(k, std::size_t{2}), n);

    std::vector<double> fit(n), robustness(n, 1.0), weights(k), residuals(n);
    for (int pass = 0; pass <= iterations; ++pass) {
        std::size_t left = 0, right = k;
        for (std::size_t i = 0; i < n;) {
            const double xval = xs[i];
            // slide right while the point after the window is strictly closer than its left end
            while (right < n && xval > (xs[left] + xs[right]) / 2.0) {
                ++left;
                ++right;
            }
            const double value = detail::lowess_local_fit(xs.data(), ys.data(), robustness.data(), left, right, xval,
                                                          ys[i], weights.data());
            for (; i < n && xs[i] == xval; ++i) fit[i] = value;  // tied x share the fit
        }
        if (pass == iterations) break;

        for (std::size_t i = 0; i < n; ++i) residuals[i] = std::abs(ys[i] - fit[i]);
        std::vector<double> sorted_residuals = residuals;
        std::sort(sorted_residuals.begin(), sorted_residuals.end());
        const double median =
            n % 2 == 1 ? sorted_residuals[n / 2] : (sorted_residuals[n / 2 - 1] + sorted_residuals[n / 2]) / 2.0;
        for (std::size_t i = 0; i < n; ++i) {
            double u;
            if (median == 0.0) {
                u = residuals[i] > 0.0 ? 1.0 : 0.0;  // no scale: any misfit point is an outlier
            } else {
                u = std::min(residuals[i] / (6.0 * median), 1.0);
            }
            const double t = 1.0 - u * u;
            robustness[i] = t * t;
        }
    }

    std::vector<double> fitted(n);
    for (std::size_t i = 0; i < n; ++i) fitted[order[i]] = fit[i];
    return fitted;
}

/// LWR: r' = r − α·lowess(length → reward)(length), the LOWESS trend of reward on length fitted
/// over all the given responses (transductive, docs/method.md §9) with `iterations` = 3.
/// Throws cirm::error as lowess() does, or for a non-finite α.
inline std::vector<double> lwr_adjust(std::span<const double> rewards, std::span<const double> lengths,
                                      double frac = 1.0, double alpha = 1.0) {
    detail::check_baseline_inputs(rewards, lengths, "lwr_adjust");
    if (!std::isfinite(alpha)) throw error("lwr_adjust: alpha is not finite");
    const std::vector<double> trend = lowess(lengths, rewards, frac, 3);
    std::vector<double> adjusted(rewards.size());
    for (std::size_t i = 0; i < rewards.size(); ++i) adjusted[i] = rewards[i] - alpha * trend[i];
    return adjusted;
}

}  // namespace cirm
