#pragma once
/// \file
/// Preference pairs from candidate responses by reward (the annotation step of a DPO pipeline), and
/// the downstream proxy of an annotation (beyond the method): how often the pick is the correct
/// candidate, and how much style the picks carry.
///
/// For each candidate set the chosen response is the highest-reward candidate (the earlier one on
/// ties) and the rejected one the lowest (the later one on ties); a set whose candidates all score
/// the same gives no pair.

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/datasets.hpp"
#include "cirm/error.hpp"
#include "cirm/sample.hpp"

namespace cirm {

struct annotation {
    std::vector<preference_pair> pairs;  ///< one per set whose candidates do not all tie
    std::vector<std::size_t> picked;     ///< per set: the index of the chosen (highest-reward) candidate
    std::size_t all_tied = 0;            ///< sets skipped because every candidate scored the same
};

/// The annotation of `sets` from the rewards of their candidates, set after set in order.
inline annotation annotate_candidates(std::span<const candidate_set> sets, std::span<const double> rewards) {
    annotation out;
    std::size_t next = 0;
    for (const auto& c : sets) {
        if (next + c.responses.size() > rewards.size()) throw error("annotate: fewer rewards than candidates");
        std::size_t best = 0, worst = 0;
        for (std::size_t i = 0; i < c.responses.size(); ++i) {
            if (rewards[next + i] > rewards[next + best]) best = i;
            if (rewards[next + i] <= rewards[next + worst]) worst = i;
        }
        if (rewards[next + best] > rewards[next + worst])
            out.pairs.push_back({c.id, c.prompt, c.responses[best], c.responses[worst], {}});
        else
            ++out.all_tied;
        out.picked.push_back(best);
        next += c.responses.size();
    }
    if (next != rewards.size()) throw error("annotate: more rewards than candidates");
    return out;
}

/// The downstream proxy of an annotation over sets that name their correct candidate.
struct downstream_proxy {
    std::size_t prompts = 0;
    std::size_t correct_picked = 0;  ///< sets whose pick is the correct candidate
    double correct_share = 0.0;
    /// Mean of each attribute over the picked, the correct and all candidates, by attribute name.
    std::vector<std::pair<std::string, double>> picked, correct, candidates;
};

inline downstream_proxy measure_downstream(std::span<const candidate_set> sets, const annotation& a,
                                           std::span<const any_attribute> attributes) {
    if (sets.empty() || a.picked.size() != sets.size())
        throw error("downstream proxy: the annotation does not match the sets");
    std::vector<double> picked(attributes.size()), correct(attributes.size()), all(attributes.size());
    std::size_t candidates = 0;
    downstream_proxy out;
    out.prompts = sets.size();
    const auto add = [&](std::vector<double>& sum, const std::string& prompt, const std::string& response) {
        for (std::size_t i = 0; i < attributes.size(); ++i) sum[i] += attributes[i](prompt, response);
    };
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const auto& c = sets[s];
        if (!c.correct) throw error("downstream proxy: prompt '" + c.id + "' has no correct candidate");
        out.correct_picked += a.picked[s] == *c.correct;
        add(picked, c.prompt, c.responses[a.picked[s]]);
        add(correct, c.prompt, c.responses[*c.correct]);
        for (const auto& r : c.responses) add(all, c.prompt, r);
        candidates += c.responses.size();
    }
    out.correct_share = static_cast<double>(out.correct_picked) / static_cast<double>(sets.size());
    for (std::size_t i = 0; i < attributes.size(); ++i) {
        const std::string name(attributes[i].name());
        out.picked.emplace_back(name, picked[i] / static_cast<double>(sets.size()));
        out.correct.emplace_back(name, correct[i] / static_cast<double>(sets.size()));
        out.candidates.emplace_back(name, all[i] / static_cast<double>(candidates));
    }
    return out;
}

}  // namespace cirm
