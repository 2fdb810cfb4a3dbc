#pragma once
/// \file
/// `cirm convert`: a Hugging Face reward-model directory into one GGUF file that llama.cpp loads
/// (the weights, the tokenizer and chat template, and the score head; cirm/llamacpp/convert.hpp).
/// Built with the llama.cpp backend (CIRM_WITH_LLAMACPP); without it the command says how to
/// build it and fails.

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm_cli/inputs.hpp"

#if CIRM_CLI_WITH_LLAMACPP
#include "cirm/llamacpp/convert.hpp"
#endif

namespace cirm::cli {

/// Whether this build of the tool can convert (it was built with the llama.cpp backend).
inline constexpr bool convert_available = CIRM_CLI_WITH_LLAMACPP != 0;

struct convert_options {
    std::string model;         ///< the Hugging Face model directory
    std::string out;           ///< the GGUF file to write
    std::string type = "f32";  ///< f32, f16 or bf16 (the matrices; vectors stay F32)
    bool json = false;         ///< print a JSON object instead of a line
};

inline int run_convert(const convert_options& o, std::ostream& out, std::ostream&) {
#if CIRM_CLI_WITH_LLAMACPP
    check_model_directory(o.model);
    if (o.out.empty()) throw error("no output file given (--out FILE.gguf)");
    const auto type = llamacpp::parse_gguf_float_type(o.type);
    const auto summary = llamacpp::convert_to_gguf(o.model, o.out, type);
    const auto bytes = static_cast<std::uint64_t>(std::filesystem::file_size(o.out));
    if (o.json) {
        nlohmann::ordered_json j;
        j["gguf"] = o.out;
        j["model"] = o.model;
        j["architecture"] = summary.architecture;
        j["type"] = std::string(llamacpp::to_string(type));
        j["tensors"] = summary.tensors;
        j["tokens"] = summary.tokens;
        j["tokenizer_model"] = summary.tokenizer_model;
        j["pre_tokenizer"] = summary.pre_tokenizer;
        j["bytes"] = bytes;
        out << j.dump() << '\n';
    } else {
        out << fmt::format("{}: {} reward model, {} tensors ({}), {} tokens (llama.cpp tokenizer {}{}), score head "
                           "in '{}'; {} bytes\n",
                           o.out, summary.architecture, summary.tensors, llamacpp::to_string(type), summary.tokens,
                           summary.tokenizer_model, summary.pre_tokenizer.empty() ? "" : "/" + summary.pre_tokenizer,
                           llamacpp::score_head_key, bytes);
    }
    return 0;
#else
    (void)o;
    (void)out;
    throw error("this cirm was built without the llama.cpp backend: run scripts/setup --llamacpp, then configure with "
                "-DCIRM_WITH_LLAMACPP=ON (or point CMAKE_PREFIX_PATH at your own llama.cpp install) and rebuild");
#endif
}

}  // namespace cirm::cli
