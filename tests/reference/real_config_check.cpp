// The engine against the independent PyTorch peer on random checkpoints in the configurations of
// real reward models (Llama-3.1 with llama3 rope scaling and a [PAD] row, Llama-3.2 tied, Qwen3
// with q/k norms, Gemma-2 with a shrunk sliding window and two soft-caps, Llama with linear rope
// scaling and no pad token), with the real tokenizer files. `tools/peers/llama_rm_peer.py real DIR` writes DIR/NAME (the model) and DIR/NAME.peer.json
// (token ids from @huggingface/jinja + @lenml/tokenizers, rewards, pinned rewards, activations,
// and the rewards with one feature switched off). For every model, within 1e-4 of the peer:
// rewards, rewards under each pin (last token and all positions), last-token activations at every
// site, and the prefix-cache path under the last-token pins; the ids must be the peer's. Every
// pin must move some reward by more than 100 × 1e-4 and every switched-off feature by more than
// 10 × 1e-4, or agreement would not show that it is applied. Prints one line per model; exits 1
// on any failure, 77 (skipped) where DIR/SKIPPED says why the peer did not run.
//   cirm_reference_real_check DIR
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/reference/reference.hpp"
#include "cirm/spec.hpp"

namespace {

namespace fs = std::filesystem;

constexpr double tolerance = 1e-4;

const std::vector<std::string> real_models{"real_llama31_rope_llama3", "real_llama32_tied",   "real_qwen3_qk_norm",
                                           "real_gemma2_window",       "real_gemma2_softcap", "real_llama_rope_linear"};

/// Counts the failed checks of one model and says what failed.
struct checker {
    std::string model;
    int failures = 0;
    std::map<std::string, double> worst;  // the largest difference from the peer, per kind of value

    void expect(bool ok, const std::string& what) {
        if (ok) return;
        ++failures;
        std::cout << "FAIL " << model << ": " << what << "\n";
    }
    void near(const std::string& kind, double got, double expected, const std::string& what) {
        const double diff = std::abs(got - expected);
        worst[kind] = std::max(worst[kind], diff);
        if (!(diff <= tolerance)) {
            std::ostringstream s;
            s << what << ": engine " << got << ", peer " << expected << " (difference " << diff << ")";
            expect(false, s.str());
        }
    }
};

struct activation_sink {
    std::mutex lock;
    std::map<std::pair<std::size_t, std::size_t>, std::vector<float>> values;
    void put(std::size_t sample, std::size_t site, std::span<const float> v) {
        const std::lock_guard<std::mutex> hold(lock);
        values[{sample, site}] = std::vector<float>(v.begin(), v.end());
    }
};

cirm::neuron_pin pin_of(const nlohmann::json& intervention, const cirm::site_layout& layout) {
    cirm::spec s;
    s.positions = cirm::parse_mode<cirm::positions>(intervention.at("positions").get<std::string>());
    for (const auto& site : intervention.at("sites"))
        s.sites.push_back({site.at("site").get<std::string>(),
                           site.at("indices").get<std::vector<std::int64_t>>(),
                           site.at("values").get<std::vector<float>>(),
                           {}});
    return cirm::neuron_pin(s, layout);
}

void check_model(const fs::path& dir, checker& c) {
    std::ifstream in(dir / (c.model + ".peer.json"));
    c.expect(static_cast<bool>(in), "no peer outputs in " + dir.string());
    if (!in) return;
    const auto peer = nlohmann::json::parse(in);
    const cirm::reference::llama_reward_model model(dir / c.model);
    const auto& recorded = peer.at("samples");
    std::vector<cirm::sample> samples;
    std::vector<double> plain;
    for (const auto& s : recorded) {
        samples.push_back(
            {s.at("prompt").get_ref<const std::string&>(), s.at("response").get_ref<const std::string&>()});
        plain.push_back(s.at("reward").get<double>());
    }

    // The engine runs the peer's ids up to the one the score is read at (the last non-pad).
    for (std::size_t i = 0; i < samples.size(); ++i) {
        auto expected = recorded[i].at("tokens").get<std::vector<std::int32_t>>();
        expected.resize(recorded[i].at("score_index").get<std::size_t>() + 1);
        c.expect(model.encode(samples[i]) == expected, "token ids of sample " + std::to_string(i));
    }

    std::vector<float> rewards(samples.size());
    model.score(samples, cirm::no_intervention{}, rewards);
    for (std::size_t i = 0; i < samples.size(); ++i)
        c.near("rewards", rewards[i], plain[i], "reward of sample " + std::to_string(i));

    const auto caches = model.encode_prefixes(samples);
    model.score_cached(caches, cirm::no_intervention{}, rewards);
    for (std::size_t i = 0; i < samples.size(); ++i)
        c.near("cached", rewards[i], plain[i], "cached reward of sample " + std::to_string(i));

    for (const auto& intervention : peer.at("interventions")) {
        const auto name = intervention.at("name").get<std::string>();
        const auto pin = pin_of(intervention, model.layout());
        const auto expected = intervention.at("rewards").get<std::vector<double>>();
        model.score(samples, pin, rewards);
        double effect = 0.0;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            c.near("pinned", rewards[i], expected[i], name + ", sample " + std::to_string(i));
            effect = std::max(effect, std::abs(expected[i] - plain[i]));
        }
        c.expect(effect > 100 * tolerance, name + " moves no reward by more than 100 x the tolerance");
        if (intervention.at("positions") == "last") {
            model.score_cached(caches, pin, rewards);
            for (std::size_t i = 0; i < samples.size(); ++i)
                c.near("pinned cached", rewards[i], expected[i],
                       name + " over the prefix cache, sample " + std::to_string(i));
        }
    }

    activation_sink sink;
    model.collect(samples, sink);
    for (const auto& entry : peer.at("activations")) {
        const auto sample = entry.at("sample").get<std::size_t>();
        c.expect(entry.at("sites").size() == model.layout().size(), "the peer records every site");
        for (const auto& [site_name, values] : entry.at("sites").items()) {
            const auto& got = sink.values.at({sample, model.layout().at(site_name)});
            const auto expected = values.get<std::vector<double>>();
            c.expect(got.size() == expected.size(), site_name + " width");
            double worst = 0.0;
            for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i)
                worst = std::max(worst, std::abs(got[i] - expected[i]));
            c.near("activations", worst, 0.0, "activations of " + site_name + ", sample " + std::to_string(sample));
        }
    }

    for (const auto& ablation : peer.at("ablations")) {
        const auto ablated = ablation.at("rewards").get<std::vector<double>>();
        double effect = 0.0;
        for (std::size_t i = 0; i < samples.size(); ++i) effect = std::max(effect, std::abs(ablated[i] - plain[i]));
        c.expect(effect > 10 * tolerance,
                 ablation.at("name").get<std::string>() + " moves no reward by more than 10 x the tolerance");
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: cirm_reference_real_check DIR\n";
        return 2;
    }
    const fs::path dir(argv[1]);
    if (std::ifstream skipped(dir / "SKIPPED"); skipped) {
        std::string why;
        std::getline(skipped, why);
        std::cout << "skipped: " << why << "\n";
        return 77;
    }
    int failures = 0;
    for (const auto& name : real_models) {
        checker c;
        c.model = name;
        try {
            check_model(dir, c);
        } catch (const std::exception& e) {
            c.expect(false, std::string("error: ") + e.what());
        }
        std::cout << name << ": " << (c.failures ? "FAILED" : "ok") << "; largest differences from the peer:";
        for (const auto& [kind, diff] : c.worst) std::cout << " " << kind << " " << diff;
        std::cout << "\n";
        failures += c.failures;
    }
    return failures == 0 ? 0 : 1;
}
