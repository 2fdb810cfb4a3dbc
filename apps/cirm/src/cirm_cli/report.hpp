#pragma once
/// \file
/// `cirm report`: the HTML report (html_report.hpp) from files that earlier commands wrote — the
/// evaluation JSON of `cirm eval --out` (required), the spec it evaluated (for the chart of
/// edited neurons), and the trials.jsonl of `cirm search` — into one self-contained HTML file.
/// It runs no model; --model only lets the chart list every layer of the model.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/model.hpp"
#include "cirm_cli/html_report.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/json_contract.hpp"
#include "cirm_cli/output.hpp"
#include "cirm_cli/score.hpp"

namespace cirm::cli {

struct report_options {
    std::string eval;    ///< evaluation JSON (cirm eval --out)
    std::string spec;    ///< optional: the evaluated spec
    std::string trials;  ///< optional: trials.jsonl of cirm search
    std::string model;   ///< optional: model directory (its config.json), for the layer list
    std::string title = "cirm report";
    std::string out;     ///< output HTML file
    bool quiet = false;
    bool json = false;
};

/// An evaluation document read from a file and checked against the contract.
inline json load_eval_document(const std::string& path) {
    const std::string text = read_file(path);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw error(path + ": not valid JSON (expected the output of `cirm eval --out`)");
    validate_eval_json(j, path);
    return j;
}

/// The lines of a trials.jsonl; errors name the file and line.
inline std::vector<json> load_trials(const std::string& path) {
    std::vector<json> lines;
    score_detail::for_each_line(read_file(path), [&](std::string_view line, std::size_t number) {
        const std::string where = path + ":" + std::to_string(number);
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw error(where + ": not a JSON object");
        for (const char* key : {"trial", "k", "edited", "accuracy"})
            if (!j.contains(key)) throw error(where + ": missing field '" + key + "' (expected the trials.jsonl of `cirm search`)");
        if (!j["k"].is_object() || !j["trial"].is_number_unsigned() || !j["edited"].is_number_unsigned() || !j["accuracy"].is_number())
            throw error(where + ": fields 'trial', 'k', 'edited', 'accuracy' have the wrong types");
        lines.push_back(std::move(j));
        return true;
    });
    if (lines.empty()) throw error(path + ": no trials (the file is empty)");
    return lines;
}

/// Runs `cirm report`; returns the exit code.
inline int run_report(const report_options& o, std::ostream& out, std::ostream& err) {
    if (o.out.empty()) throw error("no output file given (--out FILE)");
    report_inputs in;
    in.title = o.title;
    in.document = load_eval_document(o.eval);
    std::optional<site_layout> layout;
    if (!o.model.empty()) {
        if (!std::filesystem::is_directory(o.model)) throw error("model directory '" + o.model + "' does not exist");
        layout = reference::llama_site_layout(reference::load_llama_config(std::filesystem::path(o.model) / "config.json"));
        in.layout = &*layout;
    }
    if (!o.spec.empty()) {
        in.edited = load_spec(o.spec);
        if (layout) check_spec_fits(*in.edited, *layout, o.spec, o.model);
        const auto& s = in.document["spec"];
        if (s.is_object() && s["edited"].get<std::size_t>() != in.edited->edited())
            throw error("spec '" + o.spec + "' edits " + std::to_string(in.edited->edited()) + " neurons but the evaluation '" +
                        o.eval + "' was made with a spec of " + std::to_string(s["edited"].get<std::size_t>()));
    }
    if (!o.trials.empty()) in.trials = load_trials(o.trials);

    pending_outputs files;
    files.add(o.out, html_report(in));
    files.commit();
    if (o.json) out << json{{"report", o.out}}.dump(2) << "\n";
    else out << "wrote " << o.out << "\n";
    (void)err;
    return 0;
}

}  // namespace cirm::cli
