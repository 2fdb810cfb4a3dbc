#pragma once
/// \file
/// `--engine reference|llamacpp`: which engine runs the model of a command. Every command that
/// runs a model takes it, and runs the same code on either (the library's pipeline is written
/// over the ActivationSource concept; with_model hands the command the loaded model).
///   - reference: cirm's own engine on a Hugging Face directory (backends/reference).
///   - llamacpp: llama.cpp (backends/llamacpp), in a build with CIRM_WITH_LLAMACPP. --model is a
///     GGUF made by `cirm convert` (it carries the tokenizer files, so it is the whole reward
///     model), or a Hugging Face directory, converted once (F32) into the cache folder
///     gguf_cache_directory() and reused while the directory's files are unchanged.
/// Both engines format and tokenize samples with cirm's tokenizer and the model's chat template,
/// so they score the same ids, and a spec made on one applies unchanged on the other.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/reference/memory.hpp"
#include "cirm_cli/inputs.hpp"
#include "cirm_cli/options.hpp"

#if CIRM_CLI_WITH_LLAMACPP
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/gguf_reward_info.hpp"
#include "cirm/llamacpp/source.hpp"
#endif

namespace cirm::cli {

/// Whether this build of the tool runs models through llama.cpp.
inline constexpr bool llamacpp_available = CIRM_CLI_WITH_LLAMACPP != 0;

/// The engines --engine names.
enum class engine_kind { reference, llamacpp };

/// The engine an --engine value names; anything else is an error naming the option.
inline engine_kind parse_engine(std::string_view text) {
    if (text == "reference") return engine_kind::reference;
    if (text == "llamacpp") return engine_kind::llamacpp;
    throw error("--engine: '" + std::string(text) + "' is not an engine (reference or llamacpp)");
}

/// What a build without the llama.cpp backend says when asked for it.
inline std::string llamacpp_missing_advice(std::string_view what) {
    return std::string(what) +
           ": this cirm was built without the llama.cpp backend: run scripts/setup --llamacpp, then configure with "
           "-DCIRM_WITH_LLAMACPP=ON (or point CMAKE_PREFIX_PATH at your own llama.cpp install) and rebuild";
}

/// Whether `path` names a GGUF file (by its extension, as users name them).
inline bool is_gguf_path(const std::string& path) {
    auto extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    return extension == ".gguf";
}

/// Where HF directories run with --engine llamacpp are converted to: $CIRM_CACHE_DIR/gguf, else
/// $XDG_CACHE_HOME/cirm/gguf, else $HOME/.cache/cirm/gguf.
inline std::filesystem::path gguf_cache_directory() {
    const auto variable = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (v && *v) return std::string(v);
        return std::nullopt;
    };
    if (const auto dir = variable("CIRM_CACHE_DIR")) return std::filesystem::path(*dir) / "gguf";
    if (const auto dir = variable("XDG_CACHE_HOME")) return std::filesystem::path(*dir) / "cirm" / "gguf";
    if (const auto home = variable("HOME")) return std::filesystem::path(*home) / ".cache" / "cirm" / "gguf";
    throw error("no cache folder for the converted model: set CIRM_CACHE_DIR (or HOME), or convert it yourself with "
                "cirm convert and pass the .gguf");
}

/// The name of an HF directory's conversion in the cache: the directory's name and a digest of
/// what the conversion reads (config.json's text; the name, size and modification time of every
/// file in the directory) and of the converter's format version, so that a changed model is
/// converted again.
inline std::string gguf_cache_name(const std::filesystem::path& hf_directory, std::uint32_t format_version) {
    namespace fs = std::filesystem;
    // FNV-1a, 64 bits: the name must stay the same across runs and builds, not resist attacks
    struct fnv1a {
        std::uint64_t state = 0xcbf29ce484222325ull;
        void update(std::string_view text) {
            for (unsigned char c : text) state = (state ^ c) * 0x100000001b3ull;
        }
    } digest;
    digest.update("cirm-gguf-cache " + std::to_string(format_version) + "\n");
    digest.update(read_file(hf_directory / "config.json"));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(hf_directory))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const auto size = fs::file_size(file);
        const auto modified = fs::last_write_time(file).time_since_epoch().count();
        digest.update(fmt::format("\n{} {} {}", file.filename().string(), size, modified));
    }
    auto name = fs::absolute(hf_directory).lexically_normal().filename().string();
    if (name.empty()) name = "model";
    return name + "-" + fmt::format("{:016x}", digest.state) + ".gguf";
}

#if CIRM_CLI_WITH_LLAMACPP
/// The GGUF that --engine llamacpp runs for --model `model` (a .gguf file, or an HF directory
/// converted into the cache unless its conversion is there already; says which on `err`).
inline std::filesystem::path gguf_for(const std::string& model, const common_options& o, std::ostream& err) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (is_gguf_path(model)) {
        if (!fs::is_regular_file(model, ec)) throw error("model file '" + model + "' does not exist");
        return model;
    }
    check_model_directory(model);
    const auto cached = gguf_cache_directory() / gguf_cache_name(model, llamacpp::gguf_format_version);
    if (fs::is_regular_file(cached, ec)) {
        if (!o.quiet) err << "llama.cpp: " << model << " as converted before: " << cached.string() << "\n";
        return cached;
    }
    if (!o.quiet) err << "llama.cpp: converting " << model << " to " << cached.string() << " (once, F32)\n";
    llamacpp::convert_to_gguf(model, cached, llamacpp::gguf_float_type::f32);
    return cached;
}

/// How the llama.cpp source is made for a command: its threads, and as many resident prefix
/// caches (KV streams of the model's context each, F32) as fit in an eighth of the memory
/// available, between 1 and 64; more samples than that are held in host memory between trials.
inline llamacpp::source_options llamacpp_options_for(const llama_config& c, const common_options& o) {
    llamacpp::source_options options;
    options.threads = static_cast<int>(o.threads);
    options.quiet = true;
    const std::uint64_t context = std::min<std::uint64_t>(c.max_position_embeddings, 4096);
    const std::uint64_t stream_bytes = context * c.num_hidden_layers * 2 * c.kv_width() * sizeof(float);
    const std::uint64_t budget = reference::available_memory().value_or(std::uint64_t{1} << 33) / 8;
    options.cached_sequences =
        static_cast<std::size_t>(std::clamp<std::uint64_t>(stream_bytes ? budget / stream_bytes : 64, 1, 64));
    return options;
}
#endif

/// Loads the model of `model` with the engine of o.engine and returns f(model): the reference
/// engine's llama_reward_model or the llama.cpp source's reward_model (both ActivationSources).
/// `err` gets the llama.cpp conversion lines (unless quiet).
template <class F>
decltype(auto) with_model(const std::string& model, const common_options& o, std::ostream& err, F&& f) {
    const engine_kind engine = parse_engine(o.engine);
#if CIRM_CLI_WITH_LLAMACPP
    if (engine == engine_kind::llamacpp) {
        if (model.empty()) throw error("no model given (--model DIR or FILE.gguf)");
        const auto gguf = gguf_for(model, o, err);
        auto format = is_gguf_path(model) ? llamacpp::gguf_sample_format(gguf, format_options_of(o))
                                          : load_sample_format(model, format_options_of(o));
        llamacpp::reward_model loaded(gguf, std::move(format),
                                      llamacpp_options_for(llamacpp::read_gguf_reward_info(gguf).config, o));
        return f(loaded);
    }
#else
    (void)err;
    if (engine == engine_kind::llamacpp) throw error(llamacpp_missing_advice("--engine llamacpp"));
#endif
    if (is_gguf_path(model))
        throw error("model '" + model +
                    "' is a GGUF file, which the reference engine does not read: run it with --engine llamacpp (the "
                    "reference engine takes a Hugging Face directory)");
    auto loaded = load_model(model, o);
    return f(loaded);
}

}  // namespace cirm::cli
