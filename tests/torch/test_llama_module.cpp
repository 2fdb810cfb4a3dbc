// The reference architecture as a libtorch module, run with the bundled model's weights, against
// the reference engine (backends/reference, an independent Eigen implementation): the same site
// layout, the same rewards (≤ 1e-4) without a spec and with a spec found on the engine — applied
// at the last token or at every position through the tensor adapter — and the same last-token
// activations collected through the adapter.

// libtorch first: its logging (glog) defines a CHECK macro, and catch.hpp, included after it,
// must be the one that defines CHECK here.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint.hpp"  // the trainer's loader (tools/train), which reads the bundled model
#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/libtorch/llama_module.hpp"
#include "cirm/libtorch/load_reward_model.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path model_dir = fs::path(CIRM_SOURCE_DIR) / "models" / "cirm-tiny-rm";

/// Token ids of the samples, right-padded into one [batch × tokens] tensor, and each one's last position.
struct token_batch {
    torch::Tensor ids, last;
};
token_batch encode(const cirm::reference::llama_reward_model& engine, const std::vector<cirm::sample>& samples) {
    std::vector<std::vector<std::int32_t>> all;
    std::size_t longest = 0;
    for (const auto& s : samples) {
        all.push_back(engine.encode(s));
        longest = std::max(longest, all.back().size());
    }
    const auto pad = static_cast<std::int64_t>(engine.config().pad_token_id.value_or(0));
    auto ids = torch::full({static_cast<std::int64_t>(samples.size()), static_cast<std::int64_t>(longest)}, pad,
                           torch::kInt64);
    auto last = torch::zeros({static_cast<std::int64_t>(samples.size())}, torch::kInt64);
    for (std::size_t b = 0; b < all.size(); ++b) {
        for (std::size_t t = 0; t < all[b].size(); ++t)
            ids[static_cast<std::int64_t>(b)][static_cast<std::int64_t>(t)] = static_cast<std::int64_t>(all[b][t]);
        last[static_cast<std::int64_t>(b)] = static_cast<std::int64_t>(all[b].size()) - 1;
    }
    return {ids, last};
}

std::vector<float> to_vector(const torch::Tensor& t) {
    const auto c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float d = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
    return d;
}

}  // namespace

TEST_CASE(
    "torch module: the bundled model gives the reference engine's rewards and activations, with and without a spec") {
    torch::NoGradGuard no_grad;
    const cirm::reference::llama_reward_model engine(model_dir);
    cirm::train::llama_model model(
        cirm::train::shape_from_config(model_dir, cirm::train::checkpoint_kind::reward_model));
    CHECK(cirm::train::load_checkpoint(model, model_dir) == std::vector<std::string>{"lm_head.weight"});
    model->eval();
    // the backend's own loader (the examples use it) reads the same parameters as the trainer's
    const auto loaded = cirm::libtorch::load_reward_model(model_dir);
    for (const auto& item : model->named_parameters()) {
        if (item.key().rfind("lm_head.", 0) == 0) continue;
        INFO(item.key());
        CHECK(torch::equal(item.value(), loaded->named_parameters()[item.key()]));
    }
    const cirm::site_layout layout = cirm::libtorch::llama_site_layout(model->shape);
    REQUIRE(layout == engine.layout());

    const auto pairs = cirm::read_preference_jsonl(model_dir / ".." / ".." / "data" / "validation.jsonl");
    REQUIRE(pairs.size() >= 40);
    const std::vector<cirm::preference_pair> calibration(pairs.begin(), pairs.begin() + 30);
    const std::vector<cirm::preference_pair> scored(pairs.begin() + 30, pairs.begin() + 40);
    const auto samples = cirm::response_samples(scored);  // 20 responses of various lengths: a padded batch

    // A spec found on the engine: 6 neurons per sign for each of three biases.
    const auto calibration_samples = cirm::response_samples(calibration);
    const auto loc = cirm::localize(engine, calibration_samples,
                                    cirm::make_attributes(std::vector<std::string>{"length", "paragraphs", "bold"}));
    const std::vector<std::size_t> budgets{6, 6, 6};
    const auto chosen = cirm::spearman_top_bottom_k{}.select(loc.table, budgets);
    cirm::spec spec_last = cirm::make_spec(loc.layout, loc.table, chosen, budgets);
    REQUIRE(spec_last.edited() >= 12);
    cirm::spec spec_all = spec_last;
    spec_all.positions = cirm::positions::all;

    const auto batch = encode(engine, samples);
    const auto engine_rewards = [&](const auto& intervention) {
        std::vector<float> r(samples.size());
        engine.score(samples, intervention, r);
        return r;
    };

    const auto plain_torch = to_vector(model->rewards(batch.ids, batch.last));
    const auto plain_engine = engine_rewards(cirm::no_intervention{});
    CHECK(max_abs_difference(plain_torch, plain_engine) <= 1e-4f);

    for (const auto* s : {&spec_last, &spec_all}) {
        INFO("spec at " << cirm::to_string(s->positions) << " positions");
        const cirm::neuron_pin pin(*s, layout);
        const auto pinned_torch =
            to_vector(model->rewards(batch.ids, batch.last, cirm::libtorch::intervention_hook(pin, layout)));
        const auto pinned_engine = engine_rewards(cirm::neuron_pin(*s, engine.layout()));
        CHECK(max_abs_difference(pinned_torch, pinned_engine) <= 1e-4f);
        // the spec matters, so the comparison above could fail
        CHECK(max_abs_difference(pinned_engine, plain_engine) > 1e-3f);
    }

    // Last-token activations of every site, through the collection hook vs the engine's collect.
    cirm::activation_store from_torch(layout, samples.size()), from_engine(engine.layout(), samples.size());
    auto torch_sink = from_torch.batch(0);
    model->rewards(batch.ids, batch.last, cirm::libtorch::collection_hook(torch_sink, layout));
    auto engine_sink = from_engine.batch(0);
    engine.collect(samples, engine_sink);
    from_torch.check_complete();
    float worst = 0.0f;
    for (std::size_t b = 0; b < samples.size(); ++b)
        for (std::size_t n = 0; n < layout.neurons(); ++n) {
            const float e = from_engine.at(b, n);
            worst = std::max(worst, std::abs(from_torch.at(b, n) - e) / std::max(1.0f, std::abs(e)));
        }
    CHECK(worst <= 1e-4f);
}
