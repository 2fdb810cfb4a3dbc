#pragma once
/// \file
/// A Tree-structured Parzen Estimator (Bergstra et al., 2011) for categorical spaces, the
/// default k sampler (docs/method.md §7; the method used Optuna's TPE with 100 trials). Written here,
/// seeded, and reproducible across compilers and standard libraries (see portable_random.hpp).
///
/// After `startup_trials` uniformly random configurations, each proposal:
///   1. ranks the trials so far by objective (best first; ties: smaller total k, then earlier) and
///      splits them into a "good" set, the best γ(n) = min(⌈0.1·n⌉, 25) of the n trials (Optuna's
///      default gamma), and a "bad" set, the rest;
///   2. for every bias b on its own, forms categorical densities over its candidates,
///        l_b(c) = (good trials with candidate c + w/C_b) / (|good| + w),
///        g_b(c) = (bad trials with candidate c + w/C_b) / (|bad| + w),
///      where w = prior_weight (default 1.0) is a uniform prior spread over the C_b candidates, so
///      that no candidate ever has density 0 and an empty set gives the uniform density;
///      every trial weighs 1 (Optuna ramps down old trials' weights beyond 25 trials; with the
///      100 trials of the method that would change little, so it is left out);
///   3. draws `candidates` (default 24) configurations from l, each bias independently, scores
///      each by Σ_b log l_b(x_b) − log g_b(x_b), and returns the best; ties go to the first drawn.
/// A candidate that was already evaluated is passed over. If all candidates of a batch were,
/// up to `redraw_batches` (default 4) more batches are drawn, then up to `max_random_tries`
/// (default 64) uniform draws; only if all of those were evaluated too is the best candidate
/// of the first batch returned again (joint_search then reuses its cached value).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cirm/portable_random.hpp"
#include "cirm/search/evaluated_set.hpp"
#include "cirm/search/random_sampler.hpp"
#include "cirm/search/sampler.hpp"
#include "cirm/search/space.hpp"

namespace cirm {

struct tpe_options {
    std::size_t startup_trials = 10;    ///< uniformly random proposals before the model is used
    std::size_t candidates = 24;        ///< configurations drawn from l per proposal
    double prior_weight = 1.0;          ///< weight of the uniform prior in l and g
    std::size_t redraw_batches = 4;     ///< extra candidate batches when a batch held only evaluated ones
    std::size_t max_random_tries = 64;  ///< uniform draws tried after that
};

/// Size of the good set for n trials: min(⌈0.1·n⌉, 25), Optuna's default gamma.
constexpr std::size_t tpe_good_count(std::size_t n) noexcept { return std::min<std::size_t>((n + 9) / 10, 25); }

/// The fitted Parzen estimators: per bias b and candidate c, l_b(c), g_b(c) and the score term
/// log l_b(c) − log g_b(c).
struct tpe_model {
    std::vector<std::vector<double>> good_density;
    std::vector<std::vector<double>> bad_density;
    std::vector<std::vector<double>> log_ratio;
    std::size_t good_trials = 0;
    std::size_t bad_trials = 0;

    /// Σ_b log l_b(x_b) − log g_b(x_b): larger means more like the good trials.
    double score(const configuration& c) const {
        double s = 0.0;
        for (std::size_t b = 0; b < c.size(); ++b) s += log_ratio[b][c[b]];
        return s;
    }
};

/// Fits l and g to the trials of `history` that belong to space `s` (a base outside the space
/// is skipped). Trials are ranked by objective, best first, ties to the smaller total k and then
/// the earlier trial; a NaN objective ranks last.
inline tpe_model tpe_fit(const space& s, std::span<const trial> history, double prior_weight) {
    if (!(prior_weight > 0.0) || !std::isfinite(prior_weight))
        throw error("tpe sampler: prior_weight must be a positive finite number");
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < history.size(); ++i)
        if (history[i].indices.size() == s.biases()) order.push_back(i);
    auto value = [&](std::size_t i) {
        const double v = history[i].objective;
        return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
    };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (value(a) != value(b)) return value(a) > value(b);
        if (history[a].total_k != history[b].total_k) return history[a].total_k < history[b].total_k;
        return a < b;
    });
    tpe_model model;
    model.good_trials = tpe_good_count(order.size());
    model.bad_trials = order.size() - model.good_trials;
    const double w = prior_weight;
    for (std::size_t b = 0; b < s.biases(); ++b) {
        const std::size_t categories = s.categories(b);
        std::vector<double> good_count(categories, 0.0), bad_count(categories, 0.0);
        for (std::size_t r = 0; r < order.size(); ++r) {
            const std::size_t candidate = history[order[r]].indices[b];
            if (candidate >= categories)
                throw error("tpe sampler: trial " + std::to_string(history[order[r]].number) + " has candidate index " +
                            std::to_string(candidate) + " for bias '" + s[b].bias + "', which has " +
                            std::to_string(categories));
            (r < model.good_trials ? good_count : bad_count)[candidate] += 1.0;
        }
        const double prior = w / static_cast<double>(categories);
        std::vector<double> l(categories), g(categories), ratio(categories);
        for (std::size_t c = 0; c < categories; ++c) {
            l[c] = (good_count[c] + prior) / (static_cast<double>(model.good_trials) + w);
            g[c] = (bad_count[c] + prior) / (static_cast<double>(model.bad_trials) + w);
            ratio[c] = std::log(l[c]) - std::log(g[c]);
        }
        model.good_density.push_back(std::move(l));
        model.bad_density.push_back(std::move(g));
        model.log_ratio.push_back(std::move(ratio));
    }
    return model;
}

class tpe_sampler {
public:
    explicit tpe_sampler(space s, std::uint64_t seed = 0, tpe_options options = {})
        : space_(std::move(s)), engine_(seed), options_(options) {
        if (options_.candidates == 0) throw error("tpe sampler: candidates must be at least 1");
        if (!(options_.prior_weight > 0.0) || !std::isfinite(options_.prior_weight))
            throw error("tpe sampler: prior_weight must be a positive finite number");
    }

    configuration next(std::span<const trial> history) {
        evaluated_.update(history);
        if (usable_trials(history) < options_.startup_trials)
            return fresh_uniform_configuration(space_, engine_, evaluated_, options_.max_random_tries);

        const auto model = tpe_fit(space_, history, options_.prior_weight);
        std::optional<configuration> first_batch_best;
        for (std::size_t batch = 0; batch <= options_.redraw_batches; ++batch) {
            std::optional<configuration> best_fresh;
            double best_fresh_score = -std::numeric_limits<double>::infinity();
            double best_score = -std::numeric_limits<double>::infinity();
            for (std::size_t i = 0; i < options_.candidates; ++i) {
                configuration c = draw_from_good(model);
                const double score = model.score(c);
                if (batch == 0 && (!first_batch_best || score > best_score)) {
                    first_batch_best = c;
                    best_score = score;
                }
                if ((!best_fresh || score > best_fresh_score) && !evaluated_.contains(c)) {
                    best_fresh = std::move(c);
                    best_fresh_score = score;
                }
            }
            if (best_fresh) return *best_fresh;
        }
        for (std::size_t t = 0; t < options_.max_random_tries; ++t) {
            configuration c = uniform_configuration(space_, engine_);
            if (!evaluated_.contains(c)) return c;
        }
        return *first_batch_best;
    }

    const space& search_space() const noexcept { return space_; }
    const tpe_options& options() const noexcept { return options_; }

private:
    std::size_t usable_trials(std::span<const trial> history) const {
        std::size_t n = 0;
        for (const auto& t : history) n += t.indices.size() == space_.biases();
        return n;
    }

    configuration draw_from_good(const tpe_model& model) {
        configuration c(space_.biases());
        for (std::size_t b = 0; b < c.size(); ++b) c[b] = weighted_index(engine_, model.good_density[b]);
        return c;
    }

    space space_;
    random_engine engine_;
    tpe_options options_;
    evaluated_set evaluated_;
};

static_assert(KSampler<tpe_sampler>);

}  // namespace cirm
