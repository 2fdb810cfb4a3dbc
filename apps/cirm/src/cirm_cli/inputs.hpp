#pragma once
/// \file
/// Loading a command's inputs with one-line errors that name the file: the model directory (the
/// reference engine; cirm_cli/engine.hpp picks the engine), datasets (JSONL, io/datasets.hpp), and specs (JSON or safetensors) checked
/// against the model they are applied to.

#include <filesystem>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/datasets.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/sample.hpp"
#include "cirm/spec.hpp"
#include "cirm_cli/options.hpp"

namespace cirm::cli {

using model_type = reference::llama_reward_model;

/// How samples are formatted, from --template, --system and --date.
inline sample_format_options format_options_of(const common_options& o) {
    sample_format_options options;
    if (!o.template_format.empty()) options.user_template = o.template_format;
    if (!o.system.empty()) options.settings.system = o.system;
    if (!o.date.empty()) options.settings.date_string = o.date;
    return options;
}

/// Checks that `directory` names a directory (errors say which option gave it).
inline void check_model_directory(const std::string& directory) {
    namespace fs = std::filesystem;
    if (directory.empty()) throw error("no model given (--model DIR)");
    std::error_code ec;
    if (!fs::exists(directory, ec)) throw error("model directory '" + directory + "' does not exist");
    if (!fs::is_directory(directory, ec)) throw error("model '" + directory + "' is not a directory");
}

/// Loads the HF-layout model in `directory` with the text settings of `o` and sets its thread
/// count (0 = the machine's cores).
inline model_type load_model(const std::string& directory, const common_options& o) {
    check_model_directory(directory);
    model_type model{std::filesystem::path(directory), format_options_of(o)};
    model.set_threads(o.threads);
    return model;
}

/// A preference dataset (JSONL; see io/jsonl.hpp); errors name the file and line.
inline std::vector<preference_pair> load_pairs(const std::string& path, const char* option = "--data") {
    if (path.empty()) throw error(std::string("no dataset given (") + option + " FILE)");
    return read_preference_jsonl(path);
}

/// A test set (preference pairs or RM-Bench items); errors name the file and line.
inline test_set load_test_set(const std::string& path) {
    if (path.empty()) throw error("no dataset given (--data FILE)");
    return read_test_set(path);
}

/// Checks that one sample fits the model (its tokens are within max_position_embeddings and the
/// vocabulary) before any work starts, so that the error names the input line's id (`who`, e.g.
/// "data.jsonl: pair 'p17' (chosen)") instead of a position inside an internal batch.
template <class Model>
void check_sample_fits(const Model& model, const sample& s, const std::string& who) {
    try {
        (void)model.encode(s);
    } catch (const error& e) {
        throw error(who + ": " + e.what());
    }
}

/// check_sample_fits for both responses of every pair; `source` names the file.
template <class Model>
void check_pairs_fit(const Model& model, const std::vector<preference_pair>& pairs, const std::string& source) {
    for (const auto& p : pairs) {
        check_sample_fits(model, {p.prompt, p.chosen}, source + ": pair '" + p.id + "' (chosen)");
        check_sample_fits(model, {p.prompt, p.rejected}, source + ": pair '" + p.id + "' (rejected)");
    }
}

/// A spec, as safetensors when the file name ends in ".safetensors", as JSON otherwise.
inline spec load_spec(const std::string& path) {
    if (std::filesystem::path(path).extension() == ".safetensors") return load_spec_safetensors(path);
    return load_spec_json(path);
}

/// Checks that a spec fits the model (spec::validate_against: its sites exist with their widths,
/// and a recorded neuron count is this model's), naming both files.
inline void check_spec_fits(const spec& s, const site_layout& layout, const std::string& spec_path,
                            const std::string& model_path) {
    try {
        s.validate_against(layout);
    } catch (const error& e) {
        throw error("spec '" + spec_path + "' does not fit model '" + model_path + "': " + e.what());
    }
}

/// A spec whose responses can be scored one by one: a swap spec scores the two responses of a
/// pair jointly, which `score` and `annotate` do not (`eval` does).
inline void require_single_response_spec(const spec& s, const std::string& path, const char* command) {
    if (s.replacement == replacement::swap)
        throw error("spec '" + path +
                    "' has the swap replacement, which scores the two responses of a pair jointly; cirm " + command +
                    " scores responses one by one (cirm eval evaluates swap specs)");
}

/// What applying `s` edits, for an informational line: "1627 neurons at 42 sites" or "11
/// directions at 11 sites (no neuron)", with where it pins.
inline std::string spec_applied(const spec& s) {
    std::string what = s.pinned_directions() ? std::to_string(s.pinned_directions()) + " directions" +
                                                   (s.edited() ? " and " + std::to_string(s.edited()) + " neurons" : "")
                                             : std::to_string(s.edited()) + " neurons";
    return what + " at " + std::to_string(s.sites.size()) + " sites, pinned to the " +
           std::string(to_string(s.replacement)) +
           (s.positions == positions::last_token ? " at the last token" : " at every position");
}

/// load_spec and check_spec_fits in one.
template <class Model>
spec load_spec_for(const std::string& path, const Model& model, const std::string& model_path) {
    spec s = load_spec(path);
    check_spec_fits(s, model.layout(), path, model_path);
    return s;
}

}  // namespace cirm::cli
