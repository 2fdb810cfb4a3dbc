#pragma once
/// \file
/// `cirm locate`: localization (docs/method.md §5) on a validation set. Writes to --out
/// correlation.safetensors and localization.json (io/search_json.hpp), and with --budgets the
/// spec for those budgets (spec.json, spec.safetensors).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/io/search_json.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"
#include "cirm_cli/progress.hpp"

namespace cirm::cli {

struct locate_options {
    common_options common;
    std::string data;                            ///< validation set, preference JSONL
    std::string attributes;                      ///< comma-separated; empty = the method's five
    std::vector<std::string> custom_attributes;  ///< NAME=regex:PATTERN each (--attribute)
    std::string positions = "last";              ///< where a written spec pins: last or all
    std::string replacement = "median";          ///< pin value of a written spec: median, mean or zero
    std::string budgets;                         ///< optional: write a spec for these budgets
    std::string out;                             ///< output directory
};

/// Runs `cirm locate`; returns the exit code.
inline int run_locate(const locate_options& o, std::ostream& out, std::ostream& err) {
    const auto start = std::chrono::steady_clock::now();
    const auto items = attribute_list(o.attributes, o.custom_attributes);
    const auto names = attribute_names_of(items);
    const auto where = parse_mode<positions>(o.positions);
    const auto value = parse_mode<replacement>(o.replacement);
    if (value == replacement::swap)
        throw error("--replacement swap scores pairs jointly; the CLI writes median, mean or zero specs");
    if (o.out.empty()) throw error("no output directory given (--out DIR)");
    const auto budgets = o.budgets.empty() ? std::vector<std::size_t>{} : budget_list(o.budgets, names);
    const auto pairs = load_pairs(o.data);
    return with_model(o.common.model, o.common, err, [&](auto& model) {
        check_pairs_fit(model, pairs, o.data);
        localize_options lo;
        lo.threads = o.common.threads;
        const auto bars = stage_bars(err, o.common.progress);
        lo.progress = [&](std::size_t done, std::size_t total) {
            if (bars) bars("locate", done, total);
        };
        const auto loc = localize(model, response_samples(pairs), make_attributes(items), lo);

        const std::filesystem::path dir(o.out);
        staged_files files;
        files.add(dir / "correlation.safetensors", correlation_safetensors(loc, o.common.model));
        const json summary = localization_summary(loc, o.common.model, o.data);
        files.add(dir / "localization.json", summary.dump(2) + "\n");
        std::optional<spec> s;
        if (!budgets.empty()) {
            s = spec_for_budgets(loc, budgets, value, where);
            files.add(dir / "spec.json", spec_to_json(*s));
            files.add(dir / "spec.safetensors", spec_to_safetensors(*s));
        }
        files.commit();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        if (o.common.json) {
            json j;
            j["model"] = o.common.model;
            j["data"] = o.data;
            j["samples"] = loc.table.samples;
            j["neurons"] = loc.table.neurons;
            j["attributes"] = loc.table.attributes;
            j["constant_neurons"] = summary["constant_neurons"];
            j["constant_attributes"] = summary["constant_attributes"];
            j["spec"] = s ? to_json(spec_summary::of(*s, model.layout().neurons())) : json(nullptr);
            j["files"] = json::array();
            for (const auto& [path, bytes] : files.files()) j["files"].push_back(path.string());
            j["seconds"] = seconds;
            out << j.dump(2) << "\n";
            return 0;
        }
        out << fmt::format("localized {} responses x {} neurons x {} attributes ({} constant neurons) in {:.1f} s\n",
                           loc.table.samples, loc.table.neurons, loc.table.biases(),
                           summary["constant_neurons"].get<std::size_t>(), seconds);
        for (const auto& a : loc.table.attributes) {
            const json& top = summary["top"][a];
            if (top["positive"].empty()) {
                out << fmt::format("  {:<12} constant on this data: no neuron correlates with it, none is selected\n",
                                   a);
                continue;
            }
            out << fmt::format("  {:<12} strongest: {}[{}] rho {:+.3f}, {}[{}] rho {:+.3f}\n", a,
                               top["positive"][0]["site"].get<std::string>(),
                               top["positive"][0]["index"].get<std::size_t>(), top["positive"][0]["rho"].get<double>(),
                               top["negative"][0]["site"].get<std::string>(),
                               top["negative"][0]["index"].get<std::size_t>(), top["negative"][0]["rho"].get<double>());
        }
        if (s) out << fmt::format("spec: {} neurons edited\n", s->edited());
        out << "wrote";
        for (const auto& [path, bytes] : files.files()) out << " " << path.string();
        out << "\n";
        return 0;
    });
}

}  // namespace cirm::cli
