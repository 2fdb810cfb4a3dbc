#pragma once
/// \file
/// `cirm report`: the HTML report (html_report.hpp) from files that earlier commands wrote — the
/// evaluation JSON of `cirm eval --out` (required), the spec it evaluated (for the chart of
/// edited neurons), the trials.jsonl of `cirm search`, and the ablations.json of tools/experiments/ablate.py
/// (a table of configurations on the validation set) — into one self-contained HTML file.
/// It runs no model; --model only lets the chart list every layer of the model.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/io/jsonl_lines.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/report/html_report.hpp"
#include "cirm_cli/engine.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/table.hpp"

namespace cirm::cli {

struct report_options {
    std::string eval;       ///< evaluation JSON (cirm eval --out)
    std::string spec;       ///< optional: the evaluated spec
    std::string trials;     ///< optional: trials.jsonl of cirm search
    std::string ablations;  ///< optional: ablations.json of tools/experiments/ablate.py
    std::string model;      ///< optional: model directory (its config.json), for the layer list
    std::string title = "cirm report";
    std::string out;  ///< output HTML file
    bool quiet = false;
    bool json = false;
};

/// An evaluation document read from a file and checked against the contract.
inline json load_eval_document(const std::string& path) {
    const std::string text = read_file(path);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw error(path + ": not valid JSON (expected the output of `cirm eval --out`)");
    validate_evaluation_document(j, path);
    return j;
}

/// The lines of a trials.jsonl; errors name the file and line.
inline std::vector<json> load_trials(const std::string& path) {
    std::vector<json> lines;
    for_each_jsonl_line(read_file(path), path, [&](const jsonl_line& line) {
        const std::string& where = line.where;
        json j = json::parse(line.text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw error(where + ": not a JSON object");
        for (const char* key : {"trial", "k", "edited", "accuracy"})
            if (!j.contains(key))
                throw error(where + ": missing field '" + key + "' (expected the trials.jsonl of `cirm search`)");
        if (!j["k"].is_object() || !j["trial"].is_number_unsigned() || !j["edited"].is_number_unsigned() ||
            !j["accuracy"].is_number())
            throw error(where + ": fields 'trial', 'k', 'edited', 'accuracy' have the wrong types");
        lines.push_back(std::move(j));
        return true;
    });
    if (lines.empty()) throw error(path + ": no trials (the file is empty)");
    return lines;
}

/// The ablations.json of tools/experiments/ablate.py: {"format": "cirm-ablations", "set": "validation",
/// "total_neurons": i, "rows": [{"row": s, "trials": i, "edited": i, "directions": i, "accuracy": f,
/// "neutral": f, "mean_unbiased": f, "worst_biased_change": f or null, "mean_flip": f,
/// "flip_ratio": f}, ...]} (the first row is the base); errors name the file and the row.
inline json load_ablations(const std::string& path) {
    json j = json::parse(read_file(path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw error(path + ": not a JSON object (expected the ablations.json of tools/experiments/ablate.py)");
    if (j.value("format", "") != "cirm-ablations") throw error(path + ": format is not \"cirm-ablations\"");
    if (!j.contains("rows") || !j["rows"].is_array() || j["rows"].empty()) throw error(path + ": no rows");
    const auto fraction = [](const json& v) {
        return v.is_null() || (v.is_number() && v.get<double>() >= 0.0 && v.get<double>() <= 1.0);
    };
    for (std::size_t i = 0; i < j["rows"].size(); ++i) {
        const json& r = j["rows"][i];
        const std::string where = path + ": rows[" + std::to_string(i) + "]";
        if (!r.is_object() || !r.contains("row") || !r["row"].is_string()) throw error(where + ": no 'row' name");
        for (const char* key : {"trials", "edited", "directions"})
            if (!r.contains(key) || !r[key].is_number_unsigned()) throw error(where + ": '" + key + "' is not a count");
        for (const char* key : {"accuracy", "neutral", "mean_unbiased", "mean_flip"})
            if (!r.contains(key) || !fraction(r[key])) throw error(where + ": '" + key + "' is not a fraction or null");
        if (!r.contains("worst_biased_change") ||
            !(r["worst_biased_change"].is_null() || r["worst_biased_change"].is_number()))
            throw error(where + ": 'worst_biased_change' is not a number or null");
        if (!r.contains("flip_ratio") || !r["flip_ratio"].is_number())
            throw error(where + ": 'flip_ratio' is not a number");
    }
    return j;
}

/// The sites of the model at `path`: an HF directory's config.json, or a GGUF's header (built with
/// the llama.cpp backend).
inline site_layout model_layout(const std::string& path) {
    if (is_gguf_path(path)) {
#if CIRM_CLI_WITH_LLAMACPP
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) throw error("model file '" + path + "' does not exist");
        return llama_site_layout(llamacpp::read_gguf_reward_info(path).config);
#else
        throw error(llamacpp_missing_advice("--model " + path));
#endif
    }
    if (!std::filesystem::is_directory(path)) throw error("model directory '" + path + "' does not exist");
    return reference::llama_site_layout(reference::load_llama_config(std::filesystem::path(path) / "config.json"));
}

/// Runs `cirm report`; returns the exit code.
inline int run_report(const report_options& o, std::ostream& out, std::ostream& err) {
    if (o.out.empty()) throw error("no output file given (--out FILE)");
    report_inputs in;
    in.title = o.title;
    in.document = load_eval_document(o.eval);
    std::optional<site_layout> layout;
    if (!o.model.empty()) {
        layout = model_layout(o.model);
        in.layout = &*layout;
    }
    if (!o.spec.empty()) {
        in.edited = load_spec(o.spec);
        if (layout) check_spec_fits(*in.edited, *layout, o.spec, o.model);
        const auto& s = in.document["spec"];
        if (s.is_object() && s["edited"].get<std::size_t>() != in.edited->edited())
            throw error("spec '" + o.spec + "' edits " + std::to_string(in.edited->edited()) +
                        " neurons but the evaluation '" + o.eval + "' was made with a spec of " +
                        std::to_string(s["edited"].get<std::size_t>()));
        if (s.is_object() && s.contains("directions") &&
            s["directions"].get<std::size_t>() != in.edited->pinned_directions())
            throw error("spec '" + o.spec + "' pins " + std::to_string(in.edited->pinned_directions()) +
                        " directions but the evaluation '" + o.eval + "' was made with a spec of " +
                        std::to_string(s["directions"].get<std::size_t>()));
    }
    if (!o.trials.empty()) in.trials = load_trials(o.trials);
    if (!o.ablations.empty()) in.ablations = load_ablations(o.ablations);

    staged_files files;
    files.add(o.out, html_report(in));
    files.commit();
    if (o.json)
        out << json{{"report", o.out}}.dump(2) << "\n";
    else
        out << "wrote " << o.out << "\n";
    (void)err;
    return 0;
}

}  // namespace cirm::cli
