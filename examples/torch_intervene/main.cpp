// A libtorch model under a spec: loads the bundled reward model into the libtorch module, finds
// a small spec on a few validation pairs (localization with the module's collection hook), and
// scores responses with and without the spec through the intervention hook.
//
//   example_torch_intervene [MODEL_DIR] [DATA_JSONL]
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cirm/cirm.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/libtorch/libtorch.hpp"

namespace {

/// Byte-level tokens of the bundled model's chat template (its tokenizer.json and tokenizer_config.json):
/// <bos> <|user|> prompt "\n" <|assistant|> response <eos>. Real engines bring their own tokenizer.
std::vector<std::int64_t> encode(const cirm::sample& s) {
    std::vector<std::int64_t> ids{256, 257};
    for (unsigned char c : s.prompt) ids.push_back(c);
    ids.push_back('\n');
    ids.push_back(258);
    for (unsigned char c : s.response) ids.push_back(c);
    ids.push_back(259);
    return ids;
}

/// A right-padded [batch × tokens] id tensor and each sequence's last position.
std::pair<torch::Tensor, torch::Tensor> batch_of(const std::vector<cirm::sample>& samples) {
    std::vector<std::vector<std::int64_t>> all;
    std::int64_t longest = 0;
    for (const auto& s : samples) {
        all.push_back(encode(s));
        longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(all.back().size()));
    }
    auto ids = torch::full({static_cast<std::int64_t>(samples.size()), longest}, 260, torch::kInt64);  // <pad>
    auto last = torch::empty({static_cast<std::int64_t>(samples.size())}, torch::kInt64);
    for (std::size_t b = 0; b < all.size(); ++b) {
        const auto n = static_cast<std::int64_t>(all[b].size());
        ids[static_cast<std::int64_t>(b)].narrow(0, 0, n).copy_(torch::tensor(all[b], torch::kInt64));
        last[static_cast<std::int64_t>(b)] = n - 1;
    }
    return {ids, last};
}

/// The module as an ActivationSource for localization: collect() runs it with the collection hook.
struct torch_source {
    cirm::libtorch::llama_model model;
    cirm::site_layout sites;

    const cirm::site_layout& layout() const { return sites; }
    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) {
        torch::NoGradGuard no_grad;
        const auto [ids, last] = batch_of({batch.begin(), batch.end()});
        model->rewards(ids, last, cirm::libtorch::collection_hook(sink, sites));
    }
    template <cirm::Intervention I>
    void score(std::span<const cirm::sample> batch, const I& intervention, std::span<float> rewards) {
        torch::NoGradGuard no_grad;
        const auto [ids, last] = batch_of({batch.begin(), batch.end()});
        const torch::Tensor r =
            model->rewards(ids, last, cirm::libtorch::intervention_hook(intervention, sites)).contiguous();
        std::copy(r.data_ptr<float>(), r.data_ptr<float>() + r.numel(), rewards.begin());
    }
};
static_assert(cirm::ActivationSource<torch_source>);

}  // namespace

int main(int argc, char* argv[]) {
    const std::filesystem::path model_dir = argc > 1 ? argv[1] : "models/cirm-tiny-rm";
    const std::filesystem::path data = argc > 2 ? argv[2] : "data/validation.jsonl";
    try {
        auto model = cirm::libtorch::load_reward_model(model_dir);
        torch_source source{model, cirm::libtorch::llama_site_layout(model->shape)};

        const auto pairs = cirm::read_preference_jsonl(data);
        const std::vector<cirm::preference_pair> calibration(pairs.begin(),
                                                             pairs.begin() + std::min<std::size_t>(pairs.size(), 40));
        const auto samples = cirm::response_samples(calibration);
        const auto loc =
            cirm::localize(source, samples, cirm::make_attributes(std::vector<std::string>{"length", "bold"}));
        const std::vector<std::size_t> budgets{20, 20};
        const auto spec =
            cirm::make_spec(loc.layout, loc.table, cirm::spearman_top_bottom_k{}.select(loc.table, budgets), budgets);
        const cirm::neuron_pin pin(spec, source.layout());
        std::printf("spec: %zu edited neurons of %zu\n", spec.edited(), source.layout().neurons());

        std::vector<float> plain(4), pinned(4);
        const std::span<const cirm::sample> first(samples.data(), 4);
        source.score(first, cirm::no_intervention{}, plain);
        source.score(first, pin, pinned);
        for (std::size_t i = 0; i < first.size(); ++i)
            std::printf("response %zu (%zu chars): reward %.4f, with the spec %.4f\n", i, first[i].response.size(),
                        static_cast<double>(plain[i]), static_cast<double>(pinned[i]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "example_torch_intervene: %s\n", e.what());
        return 1;
    }
    return 0;
}
