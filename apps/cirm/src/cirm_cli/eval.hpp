#pragma once
/// \file
/// `cirm eval`: the comparison of docs/method.md §8 on a test set — base, LP, LWR and (with
/// --spec) CIRM — by cirm::evaluate. Prints the table and the goal check, or the evaluation
/// document with --json (io/evaluation_json.hpp); --out also writes the document to a file (the
/// input of `cirm report`). A test set in RM-Bench's, RewardBench's or RewardBench 2's format (told
/// by its first line or by --format) adds that benchmark's scores per method.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/io/datasets.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/pipeline/evaluate.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/progress.hpp"
#include "cirm_cli/table.hpp"

namespace cirm::cli {

struct eval_options {
    common_options common;
    std::string data;             ///< test set: preference pairs, RM-Bench, RewardBench or RewardBench 2 JSONL
    std::string format = "auto";  ///< the test set's format (io/datasets.hpp parse_test_format); auto: its first line
    std::string spec;             ///< optional: evaluate CIRM with this spec
    std::string baselines = "lp,lwr";            ///< which baselines to report ("none" for neither)
    std::string attributes;                      ///< subsets reported for these; empty = the method's five
    std::vector<std::string> custom_attributes;  ///< NAME=regex:PATTERN each (--attribute)
    bool flip_rates = true;                      ///< inject styles and score again (5 more passes)
    std::size_t flip_pairs = 0;                  ///< flip rates over the first N pairs only; 0 = all
    std::string out;                             ///< optional: also write the JSON document here
};

/// The evaluation configuration of the options; `baselines` is a subset of "lp,lwr", or "none".
inline evaluation_config evaluation_config_of(const std::string& attributes, const std::vector<std::string>& custom,
                                              const std::string& baselines, bool flip_rates, std::size_t flip_pairs,
                                              std::ostream& err, bool progress) {
    evaluation_config c;
    if (!attributes.empty() || !custom.empty()) c.attributes = attribute_list(attributes, custom);
    c.baselines.clear();
    if (baselines != "none" && !baselines.empty())
        for (const auto& name : split_list(baselines, "--baselines"))
            c.baselines.push_back(parse_mode<baseline_kind>(name));
    c.flip_rates = flip_rates;
    c.flip_pairs = flip_pairs;
    c.progress = stage_bars(err, progress);
    return c;
}

/// Runs `cirm eval`; returns the exit code.
inline int run_eval(const eval_options& o, std::ostream& out, std::ostream& err) {
    const auto config = evaluation_config_of(o.attributes, o.custom_attributes, o.baselines, o.flip_rates, o.flip_pairs,
                                             err, o.common.progress);
    const auto format = parse_test_format(o.format);
    const auto data = o.data.empty() ? load_test_set(o.data) : read_test_set(o.data, format);
    return with_model(o.common.model, o.common, err, [&](auto& model) {
        check_pairs_fit(model, data.pairs, o.data);
        std::optional<spec> s;
        if (!o.spec.empty()) s = load_spec_for(o.spec, model, o.common.model);
        std::vector<named_spec> specs;
        if (s) specs.push_back({"cirm", &*s});

        const json document =
            evaluation_document(evaluate(model, data, specs, config), o.common.model, o.data, o.common.engine);
        if (!o.out.empty()) {
            staged_files files;
            files.add(o.out, document.dump(2) + "\n");
            files.commit();
        }
        if (o.common.json) {
            out << document.dump(2) << "\n";
        } else {
            print_eval_table(document, out);
            print_goal_check(document, out);
            if (!o.out.empty()) out << "\nwrote " << o.out << "\n";
        }
        return 0;
    });
}

}  // namespace cirm::cli
