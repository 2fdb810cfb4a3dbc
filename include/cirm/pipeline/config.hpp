#pragma once
/// \file
/// The typed configuration of the pipeline (locate_and_search, evaluate): every mode is an enum
/// with its name table (cirm/modes.hpp), so that the command-line tool, the files and the error
/// messages use the same names. A configuration is checked as a whole by validate() before any
/// work is done; its errors are config_errors, whose text names the settings in braces
/// ("{trials} must be at least 1"): what() reads "trials must be at least 1", and a front end
/// renders the names its own way (the command-line tool as "--trials").

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/calibrate/localize_directions.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/error.hpp"
#include "cirm/modes.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace cirm {

/// A configuration error. Its text names settings in braces; what() shows them bare.
class config_error : public error {
public:
    explicit config_error(std::string text) : error(render(text, "")), text_(std::move(text)) {}

    /// The message with every setting name prefixed, e.g. rendered("--") for a command line.
    std::string rendered(std::string_view prefix) const { return render(text_, prefix); }

private:
    static std::string render(const std::string& text, std::string_view prefix) {
        std::string out;
        for (char c : text) {
            if (c == '{')
                out += prefix;
            else if (c != '}')
                out += c;
        }
        return out;
    }
    std::string text_;
};

/// How the neurons of a neuron search are chosen: Spearman top/bottom-k (the method) or the
/// counterfactual-shift top/bottom-k (beyond the method).
enum class selector_kind { spearman, shift };

template <>
struct mode_names<selector_kind> {
    static constexpr std::string_view what = "selector";
    static constexpr std::array<mode_name<selector_kind>, 2> names{
        {{selector_kind::spearman, "spearman"}, {selector_kind::shift, "shift"}}};
};

/// What a spec pins: neurons (the method) or each attribute's direction of a site's activations
/// (beyond the method).
enum class intervention_kind { neurons, directions };

template <>
struct mode_names<intervention_kind> {
    static constexpr std::string_view what = "intervention";
    static constexpr std::array<mode_name<intervention_kind>, 2> names{
        {{intervention_kind::neurons, "neurons"}, {intervention_kind::directions, "directions"}}};
};

/// Progress of a long stage: (stage, done, total); stages are "locate", "shifts" and "search" for
/// locate_and_search, "eval" for evaluate (done and total count distinct responses scored).
using progress_callback = std::function<void(std::string_view stage, std::size_t done, std::size_t total)>;

/// Everything locate_and_search settles. The defaults are the method's, with 100 TPE trials.
struct search_config {
    std::vector<std::string> attributes;  ///< bias attributes (make_attributes names); empty = the method's five
    intervention_kind intervention = intervention_kind::neurons;
    selector_kind selector = selector_kind::spearman;        ///< neuron searches
    direction_kind directions = direction_kind::covariance;  ///< direction searches
    site_selection sites;                                    ///< where the edit may go
    positions where = positions::last_token;
    replacement value = replacement::median;  ///< median, mean or zero (swap scores pairs jointly: not searched)
    sampler_kind sampler = sampler_kind::tpe;
    std::size_t trials = 100;  ///< configurations tried, the base included
    std::uint64_t seed = 0;
    /// Candidate k per attribute. Neurons: empty = default_k_grid of the located neurons; 0 is
    /// always added. Directions: candidates among 0 (not pinned) and 1 (pinned); empty = {0, 1},
    /// {1} pins every attribute.
    std::vector<std::size_t> k_grid;
    search_objective objective = search_objective::accuracy;
    double robust_weight = 0.5;  ///< the counterfactual accuracy's weight in the robust objective
    unsigned threads = 0;        ///< threads of the statistics; 0 = the machine's cores
    progress_callback progress;  ///< optional

    /// The attribute names in use (the method's five when none are given).
    std::vector<std::string> attribute_names() const {
        if (!attributes.empty()) return attributes;
        std::vector<std::string> names;
        for (auto n : method_attribute_names()) names.emplace_back(n);
        return names;
    }

    /// Checks the configuration as a whole; throws config_error.
    void validate() const {
        if (trials == 0) throw config_error("{trials} must be at least 1");
        if (!(robust_weight >= 0.0 && robust_weight <= 1.0))
            throw config_error("{robust-weight} must be in [0, 1], got " + format_number(robust_weight));
        if (value == replacement::swap)
            throw config_error("{replacement} swap scores pairs jointly; a search writes median, mean or zero specs");
        const auto names = attribute_names();
        (void)make_attributes(names);  // unknown or repeated names are errors
        if (intervention == intervention_kind::directions) {
            if (selector != selector_kind::spearman)
                throw config_error("{selector} chooses neurons; {intervention} directions pins directions (see "
                                   "{direction-kind})");
            for (auto k : k_grid)
                if (k > 1)
                    throw config_error("{k-grid} with {intervention} directions lists candidates among 0 (not pinned) "
                                       "and 1 (pinned): 0,1 searches which attributes to pin, 1 pins every attribute; "
                                       "got " +
                                       std::to_string(k));
        }
        if (selector == selector_kind::shift ||
            (intervention == intervention_kind::directions && directions == direction_kind::shift))
            (void)builtin_style_edits(names);  // every attribute needs a style edit
    }

private:
    static std::string format_number(double v) {
        std::string s = std::to_string(v);
        while (s.size() > 1 && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    }
};

/// The baselines evaluate can report beside the base RM: the length penalty and LOWESS length
/// correction.
enum class baseline_kind { lp, lwr };

template <>
struct mode_names<baseline_kind> {
    static constexpr std::string_view what = "baseline";
    static constexpr std::array<mode_name<baseline_kind>, 2> names{
        {{baseline_kind::lp, "lp"}, {baseline_kind::lwr, "lwr"}}};
};

/// Everything evaluate settles.
struct evaluation_config {
    std::vector<std::string> attributes;  ///< attributes of the subsets; empty = the method's five
    std::vector<baseline_kind> baselines{baseline_kind::lp, baseline_kind::lwr};
    bool flip_rates = true;      ///< style flip rates (one more scoring pass per style edit)
    std::size_t flip_pairs = 0;  ///< flip rates over the first N pairs only; 0 = all
    progress_callback progress;  ///< optional

    bool reports(baseline_kind b) const { return std::find(baselines.begin(), baselines.end(), b) != baselines.end(); }
};

}  // namespace cirm
