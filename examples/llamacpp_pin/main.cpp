// cirm inside llama.cpp in one page: load a GGUF reward model (made by `cirm convert`) with
// llama.cpp, read a spec, and print a pair's rewards without and with it. The spec's neurons are
// pinned during llama.cpp's own forward pass, through its eval callback (cirm/llamacpp/source.hpp).
//
//   example_llamacpp_pin MODEL.gguf SPEC(.json|.safetensors) [PROMPT CHOSEN REJECTED]
//
// The GGUF carries the model's tokenizer files and chat template (cirm convert embeds them):
// cirm's tokenizer turns (prompt, response) into the ids from them, as in the reference engine.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "cirm/intervene/spec_pin.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/llamacpp/gguf_reward_info.hpp"
#include "cirm/llamacpp/source.hpp"

int main(int argc, char** argv) try {
    if (argc != 3 && argc != 6) {
        std::fprintf(stderr, "usage: %s MODEL.gguf SPEC [PROMPT CHOSEN REJECTED]\n", argv[0]);
        return 2;
    }
    const std::filesystem::path gguf = argv[1], spec_path = argv[2];
    const std::string prompt = argc == 6 ? argv[3] : "What is the capital of France?";
    const std::string chosen = argc == 6 ? argv[4] : "Paris.";
    const std::string rejected =
        argc == 6 ? argv[5]
                  : "**Great question!** The capital of France is, of course, the wonderful city of Paris, "
                    "famous for:\n- the Eiffel Tower\n- the Louvre\n- its cafes\nI hope this helps!";

    // 1. the model, in llama.cpp (two threads, F32 keys and values)
    cirm::llamacpp::source_options options;
    options.threads = 2;
    const cirm::llamacpp::reward_model model(gguf, cirm::llamacpp::gguf_sample_format(gguf), options);

    // 2. the spec, bound to the model's sites (the same names and neuron indices as in the
    //    reference engine: the source maps llama.cpp's row order back)
    const cirm::spec spec = spec_path.extension() == ".safetensors" ? cirm::load_spec_safetensors(spec_path)
                                                                    : cirm::load_spec_json(spec_path);
    const cirm::spec_pin pin(spec, model.layout());

    // 3. the pair, scored plain and pinned
    const std::vector<cirm::sample> pair{{prompt, chosen}, {prompt, rejected}};
    std::vector<float> plain(2), pinned(2);
    model.score(pair, cirm::no_intervention{}, plain);
    model.score(pair, pin, pinned);

    std::printf("model %s: %zu layers, %zu sites; spec pins %zu neurons (%s)\n", gguf.string().c_str(),
                model.config().num_hidden_layers, model.layout().size(), spec.edited(),
                spec.positions == cirm::positions::all ? "all positions" : "last token");
    std::printf("%-10s %12s %12s\n", "", "plain", "pinned");
    std::printf("%-10s %12.5f %12.5f\n", "chosen", plain[0], pinned[0]);
    std::printf("%-10s %12.5f %12.5f\n", "rejected", plain[1], pinned[1]);
    std::printf("%-10s %12.5f %12.5f\n", "margin", plain[0] - plain[1], pinned[0] - pinned[1]);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "example_llamacpp_pin: %s\n", e.what());
    return 1;
}
