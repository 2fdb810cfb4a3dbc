#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/calibrate/counterfactual_shift.hpp"
#include "cirm/error.hpp"

namespace {

/// One site of width 3 whose last-token activations are, for a response: the number of '!',
/// the number of bytes, and the constant 5.
struct counting_source {
    cirm::site_layout layout_{
        std::vector<cirm::site_info>{{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 3}}};
    std::size_t collected = 0;

    const cirm::site_layout& layout() const noexcept { return layout_; }
    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample> batch, K& sink) {
        for (std::size_t b = 0; b < batch.size(); ++b) {
            float bangs = 0;
            for (char c : batch[b].response) bangs += c == '!';
            const float values[3] = {bangs, static_cast<float>(batch[b].response.size()), 5.0f};
            sink.put(b, 0, std::span<const float>(values, 3));
            ++collected;
        }
    }
    template <cirm::Intervention I>
    void score(std::span<const cirm::sample>, const I&, std::span<float> rewards) {
        for (auto& r : rewards) r = 0.0f;
    }
};
static_assert(cirm::ActivationSource<counting_source>);

const std::vector<std::string> responses{"Yes.", "No.", "Fine! Ok.", "Well! Sure."};

std::vector<cirm::sample> samples_of(const std::vector<std::string>& texts) {
    std::vector<cirm::sample> out;
    for (const auto& t : texts) out.push_back({"Any question?", t});
    return out;
}

}  // namespace

TEST_CASE("counterfactual shifts: mean paired change over the unedited spread, by hand") {
    counting_source source;
    const auto samples = samples_of(responses);
    // the built-in exclamation edit turns the last sentence-ending '.' into '!': every response
    // has one, so each gains exactly one '!' and keeps its length
    std::vector<cirm::named_style_edit> edits = cirm::builtin_style_edits(std::vector<std::string>{"exclamation"});
    // a hand-made length edit: two more characters, applied to responses without '!' only
    edits.push_back({"longer", [](std::string_view, std::string_view r) -> std::optional<std::string> {
                         if (r.find('!') != std::string_view::npos) return std::nullopt;
                         return std::string(r) + " x";
                     }});
    edits.push_back(
        {"never", [](std::string_view, std::string_view) -> std::optional<std::string> { return std::nullopt; }});

    for (std::size_t batch : {1u, 3u, 16u}) {
        counting_source s;
        cirm::shift_options o;
        o.batch_size = batch;
        const auto t = cirm::measure_counterfactual_shifts(s, std::span<const cirm::sample>(samples), edits, o);
        REQUIRE(t.neurons == 3);
        REQUIRE(t.biases() == 3);
        CHECK(t.samples == 4);
        CHECK(t.edited == std::vector<std::size_t>{4, 2, 0});
        // '!' counts 0, 0, 1, 1: sd = sqrt(4 · 0.25 / 3); every edit adds one '!'
        const double sd_bangs = std::sqrt(1.0 / 3.0);
        CHECK(t.at(0, 0) == Approx(1.0 / sd_bangs).epsilon(1e-12));
        // lengths 4, 3, 9, 11: mean 6.75, squared deviations sum to 44.75
        const double sd_length = std::sqrt(44.75 / 3.0);
        CHECK(t.at(1, 0) == 0.0);                                     // '.' → '!' keeps the length
        CHECK(t.at(1, 1) == Approx(2.0 / sd_length).epsilon(1e-12));  // "Yes." and "No." gain 2 bytes
        CHECK(t.at(0, 1) == 0.0);                                     // no '!' added
        CHECK(t.at(0, 2) == 0.0);                                     // the edit never applied
        CHECK(t.at(1, 2) == 0.0);
        // the constant neuron is flagged and has no shift
        CHECK(t.constant == std::vector<std::uint8_t>{0, 0, 1});
        CHECK(t.at(2, 0) == 0.0);
        CHECK(t.layout.neurons() == 3);
        // one pass over the responses plus one per applied edit
        CHECK(s.collected == 4 + 4 + 2);
    }
}

TEST_CASE("counterfactual shifts reject what they cannot measure") {
    counting_source source;
    const auto samples = samples_of(responses);
    const auto edits = cirm::builtin_style_edits(std::vector<std::string>{"bold"});
    CHECK_THROWS_WITH(cirm::builtin_style_edits(std::vector<std::string>{"emoji"}),
                      Catch::Contains("no built-in style edit for bias attribute 'emoji'"));
    CHECK_THROWS_WITH(
        cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples.data(), 1), edits),
        Catch::Contains("at least 2 samples"));
    CHECK_THROWS_WITH(cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples),
                                                          std::span<const cirm::named_style_edit>()),
                      Catch::Contains("no style edits"));
    std::vector<cirm::named_style_edit> twice{edits[0], edits[0]};
    CHECK_THROWS_WITH(cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples), twice),
                      Catch::Contains("'bold' is given twice"));
    cirm::shift_options o;
    o.sites = {"model.layers.9.mlp.up_proj"};
    CHECK_THROWS_AS(cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples), edits, o),
                    cirm::error);
    o.sites.clear();
    o.batch_size = 0;
    CHECK_THROWS_WITH(cirm::measure_counterfactual_shifts(source, std::span<const cirm::sample>(samples), edits, o),
                      Catch::Contains("batch size"));
}
