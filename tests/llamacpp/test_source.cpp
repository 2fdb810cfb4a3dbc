// The llama.cpp source (cirm/llamacpp/source.hpp) against the reference engine on the same model
// converted to an F32 GGUF: rewards, last-token activations of every site and pinned rewards (at
// the last token and at all positions), with one sequence in one micro-batch and split into
// several; the site mapping (weight names, Llama's q/k row order); the hook asks only for the
// nodes of the sites in use.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/source.hpp"
#include "cirm/pipeline/reward_cache.hpp"
#include "cirm/reference/reference.hpp"
#include "cirm/spec.hpp"
#include "cirm/testing/synthetic_pairs.hpp"
#include "llamacpp/llamacpp_test_support.hpp"

// a named namespace: the test files of this folder are compiled as one unit
namespace source_test {

namespace fs = std::filesystem;
using cirm::llamacpp::reward_model;
using cirm::reference::llama_reward_model;

// --- the models -------------------------------------------------------------------------------

fs::path bundled_model() { return fs::path(CIRM_TEST_BUNDLED_MODEL); }
fs::path fixture_model(const std::string& name) { return fs::path(CIRM_TEST_FIXTURES) / "reference" / name; }

/// The Hugging Face model in `hf_dir` converted once (per test run) to an F32 GGUF.
fs::path converted(const std::string& name, const fs::path& hf_dir) {
    static std::map<std::string, fs::path> done;
    if (auto found = done.find(name); found != done.end()) return found->second;
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "source";
    fs::create_directories(dir);
    const fs::path out = dir / (name + ".gguf");
    cirm::llamacpp::convert_to_gguf(hf_dir, out, cirm::llamacpp::gguf_float_type::f32);
    done.emplace(name, out);
    return out;
}

/// One model in both engines (loaded once per test run and name).
struct engines {
    llama_reward_model reference;
    reward_model llamacpp;
};

cirm::llamacpp::source_options two_threads(std::size_t micro_batch = 0) {
    cirm::llamacpp::source_options o;
    o.threads = 2;
    o.micro_batch = micro_batch;
    return o;
}

engines& loaded(const std::string& name, const fs::path& hf_dir, std::size_t micro_batch = 0) {
    static std::map<std::string, std::unique_ptr<engines>> cache;
    const std::string key = name + "/" + std::to_string(micro_batch);
    auto& slot = cache[key];
    if (!slot) {
        const fs::path gguf = converted(name, hf_dir);
        slot.reset(new engines{llama_reward_model(hf_dir), reward_model(gguf, hf_dir, two_threads(micro_batch))});
    }
    return *slot;
}

// --- samples ----------------------------------------------------------------------------------

struct text_pair {
    std::string prompt, response;
};

const std::vector<text_pair>& texts() {
    static const std::vector<text_pair> t{
        {"What is the capital of France?", "Paris."},
        {"What is the capital of France?",
         "The capital of France is Paris, a city on the Seine known for its museums, its cafes and the Eiffel "
         "Tower, which was built for the world's fair of 1889."},
        {"Explain photosynthesis briefly.",
         "**Photosynthesis** turns light, water and carbon dioxide into sugar and oxygen:\n- light reactions\n- "
         "the Calvin cycle\nI hope this helps!"},
        {"Say hi.", "Hi!"},
        {"List three prime numbers.", "2, 3 and 5 are prime; so are 7, 11 and 13, if you want more."},
    };
    return t;
}

std::vector<cirm::sample> samples() {
    std::vector<cirm::sample> s;
    for (const auto& t : texts()) s.push_back({t.prompt, t.response});
    return s;
}

/// |a − b| ≤ tolerance · max(|b|, 1).
bool close(double a, double b, double tolerance = 1e-4) {
    return std::abs(a - b) <= tolerance * std::max(std::abs(b), 1.0);
}

struct recording_sink {
    std::map<std::pair<std::size_t, std::size_t>, std::vector<float>> values;
    void put(std::size_t sample, std::size_t site, std::span<const float> v) {
        values[{sample, site}] = std::vector<float>(v.begin(), v.end());
    }
};

/// A pin of a few neurons of every site of every layer (q and k in both halves of a head, so that
/// Llama's row reordering matters), to values far from the activations.
cirm::spec spread_spec(const cirm::site_layout& layout, const cirm::llama_config& config, cirm::positions mode) {
    cirm::spec s;
    s.positions = mode;
    for (std::size_t site = 0; site < layout.size(); ++site) {
        const std::size_t w = layout[site].width;
        std::set<std::int64_t> picked{1, static_cast<std::int64_t>(w / 2 + 3), static_cast<std::int64_t>(w - 2)};
        if (w > config.head_dim) picked.insert(static_cast<std::int64_t>(config.head_dim + config.head_dim / 2 + 1));
        cirm::spec_site ss{layout[site].name, {}, {}, {}, {}, w};
        for (auto i : picked) {
            ss.indices.push_back(i);
            ss.values.push_back(i % 2 == 0 ? 2.5f : -1.75f);
        }
        ss.chosen_by.resize(ss.indices.size());
        s.sites.push_back(std::move(ss));
    }
    return s;
}

std::vector<float> rewards_of(const llama_reward_model& m, const auto& intervention) {
    const auto batch = samples();
    std::vector<float> r(batch.size());
    m.score(batch, intervention, r);
    return r;
}
std::vector<float> rewards_of(const reward_model& m, const auto& intervention) {
    const auto batch = samples();
    std::vector<float> r(batch.size());
    m.score(batch, intervention, r);
    return r;
}

void check_rewards(engines& e) {
    const auto expected = rewards_of(e.reference, cirm::no_intervention{});
    const auto got = rewards_of(e.llamacpp, cirm::no_intervention{});
    for (std::size_t b = 0; b < expected.size(); ++b) {
        INFO("sample " << b << ": llama.cpp " << got[b] << ", reference " << expected[b]);
        CHECK(close(got[b], expected[b]));
    }
}

/// The tolerance of a site's activations. llama.cpp's CPU GELU (Gemma-2's MLP) rounds its input to
/// F16 and reads an F16 table (GGML_GELU_FP16 in ggml-cpu's vec.h), about 1e-3 relative per value:
/// the sites after layer 0's GELU of a Gemma-2 model get 1e-3, every other site 1e-4.
double activation_tolerance(const engines& e, std::size_t site) {
    const auto& info = e.reference.layout()[site];
    const bool before_first_gelu = info.layer == 0 && info.kind != cirm::module_kind::down_proj;
    return e.reference.config().activation == cirm::mlp_activation::gelu_tanh && !before_first_gelu ? 1e-3 : 1e-4;
}

void check_activations(engines& e) {
    const auto batch = samples();
    recording_sink expected, got;
    e.reference.collect(batch, expected);
    e.llamacpp.collect(batch, got);
    REQUIRE(got.values.size() == batch.size() * e.reference.layout().size());
    for (const auto& [key, want] : expected.values) {
        const auto& have = got.values.at(key);
        REQUIRE(have.size() == want.size());
        double scale = 1.0, worst = 0.0;
        for (float v : want) scale = std::max(scale, static_cast<double>(std::abs(v)));
        for (std::size_t i = 0; i < want.size(); ++i)
            worst = std::max(worst, std::abs(static_cast<double>(have[i]) - static_cast<double>(want[i])));
        INFO("sample " << key.first << ", site " << e.reference.layout()[key.second].name << ": largest difference "
                       << worst << " at scale " << scale);
        CHECK(worst <= activation_tolerance(e, key.second) * scale);
    }
}

void check_pins(engines& e, cirm::positions mode) {
    const auto s = spread_spec(e.reference.layout(), e.reference.config(), mode);
    const cirm::neuron_pin pin(s, e.reference.layout());
    const auto plain = rewards_of(e.reference, cirm::no_intervention{});
    const auto expected = rewards_of(e.reference, pin);
    const auto got = rewards_of(e.llamacpp, pin);
    double largest_move = 0.0;
    for (std::size_t b = 0; b < expected.size(); ++b) {
        INFO("sample " << b << ": pinned llama.cpp " << got[b] << ", reference " << expected[b] << ", plain "
                       << plain[b]);
        CHECK(close(got[b], expected[b]));
        largest_move = std::max(largest_move, std::abs(static_cast<double>(expected[b]) - plain[b]));
    }
    // the pins move the rewards far beyond the tolerance, so the comparison above can fail
    CHECK(largest_move > 1e-2);
}

// --- site mapping -------------------------------------------------------------------------------

TEST_CASE("site mapping: projection weights and biases are recognized by name, nothing else") {
    using cirm::module_kind;
    using cirm::llamacpp::parse_gguf_projection_tensor;
    const auto q = parse_gguf_projection_tensor("blk.0.attn_q.weight");
    REQUIRE(q);
    CHECK(q->layer == 0);
    CHECK(q->kind == module_kind::q_proj);
    CHECK_FALSE(q->bias);
    const auto down = parse_gguf_projection_tensor("blk.27.ffn_down.weight");
    REQUIRE(down);
    CHECK(down->layer == 27);
    CHECK(down->kind == module_kind::down_proj);
    const auto o = parse_gguf_projection_tensor("blk.3.attn_output.weight");
    REQUIRE(o);
    CHECK(o->kind == module_kind::o_proj);
    const auto kb = parse_gguf_projection_tensor("blk.5.attn_k.bias");
    REQUIRE(kb);
    CHECK(kb->kind == module_kind::k_proj);
    CHECK(kb->bias);
    for (const char* other : {"blk.0.attn_norm.weight", "blk.0.attn_q_norm.weight", "token_embd.weight",
                              "output_norm.weight", "blk..attn_q.weight", "blk.x.attn_q.weight", "blk.0.attn_q",
                              "Qcur-0", "blk.0.ffn_up.weight.1", "blk.1.ffn_gate_inp.weight"})
        CHECK_FALSE(parse_gguf_projection_tensor(other));
}

TEST_CASE("site mapping: Llama's q/k rows, as the conversion orders them, map back to Hugging Face neurons") {
    // The conversion views each head's rows as (2 halves × d/2) and transposes that to (d/2 × 2):
    // GGUF row h·d + 2i + p holds Hugging Face row h·d + p·d/2 + i. Build that order row by row.
    for (const std::size_t d : {std::size_t{2}, std::size_t{8}, std::size_t{64}}) {
        const std::size_t heads = 3;
        std::vector<std::size_t> hf_row_at_gguf_row;
        for (std::size_t h = 0; h < heads; ++h)
            for (std::size_t i = 0; i < d / 2; ++i)
                for (std::size_t p = 0; p < 2; ++p) hf_row_at_gguf_row.push_back(h * d + p * (d / 2) + i);
        for (std::size_t g = 0; g < heads * d; ++g) {
            const std::size_t n = hf_row_at_gguf_row[g];
            CHECK(cirm::llamacpp::gguf_row_of_hf_neuron(n, d) == g);
            CHECK(cirm::llamacpp::hf_neuron_of_gguf_row(g, d) == n);
        }
    }
    // the converter's own statement of the same map
    cirm::llama_config c;
    c.model_type = "llama";
    c.head_dim = 16;
    for (std::size_t g = 0; g < 64; ++g)
        CHECK(cirm::llamacpp::llama_row_of_gguf_row(c, g) == cirm::llamacpp::hf_neuron_of_gguf_row(g, 16));
}

// --- the bundled model ------------------------------------------------------------------------

TEST_CASE("source: the bundled model's layout and rewards match the reference engine") {
    auto& e = loaded("cirm-tiny-rm", bundled_model());
    CHECK(e.llamacpp.layout() == e.reference.layout());
    CHECK(e.llamacpp.config().model_type == "llama");
    for (const auto& s : samples()) CHECK(e.llamacpp.encode(s) == e.reference.encode(s));
    check_rewards(e);
}

TEST_CASE("source: the bundled model's last-token activations of every site match the reference engine") {
    check_activations(loaded("cirm-tiny-rm", bundled_model()));
}

TEST_CASE("source: pins at the last token give the reference engine's rewards") {
    check_pins(loaded("cirm-tiny-rm", bundled_model()), cirm::positions::last_token);
}

TEST_CASE("source: pins at all positions give the reference engine's rewards") {
    check_pins(loaded("cirm-tiny-rm", bundled_model()), cirm::positions::all);
}

TEST_CASE("source: collect of listed sites puts those sites only") {
    auto& e = loaded("cirm-tiny-rm", bundled_model());
    const auto batch = samples();
    const std::vector<std::size_t> sites{0, 8, e.llamacpp.layout().size() - 1};
    recording_sink got, expected;
    e.llamacpp.collect(std::span(batch).first(2), got, sites);
    e.reference.collect(std::span(batch).first(2), expected, sites);
    REQUIRE(got.values.size() == 2 * sites.size());
    for (const auto& [key, want] : expected.values) {
        const auto& have = got.values.at(key);
        for (std::size_t i = 0; i < want.size(); ++i) CHECK(close(have[i], want[i]));
    }
    CHECK_THROWS_WITH(e.llamacpp.collect(batch, got, std::vector<std::size_t>{e.llamacpp.layout().size()}),
                      Catch::Contains("does not exist"));
}

TEST_CASE("source: the eval callback asks only for the nodes of the sites in use") {
    auto& e = loaded("cirm-tiny-rm", bundled_model());
    const auto& layout = e.llamacpp.layout();
    const auto ids = e.llamacpp.encode(samples()[1]);
    // no pin, nothing collected: no node is handed to the hook
    const cirm::llamacpp::eval_hook& hook = e.llamacpp.hook();
    hook.reset_count();
    (void)e.llamacpp.score_tokens(ids);
    CHECK(hook.nodes_seen() == 0);
    // a pin on two sites: those two nodes only
    cirm::spec s;
    s.positions = cirm::positions::all;
    s.sites.push_back({layout[1].name, {3}, {1.0f}, {{}}, {}, layout[1].width});
    s.sites.push_back({layout[12].name, {5}, {1.0f}, {{}}, {}, layout[12].width});
    hook.reset_count();
    (void)e.llamacpp.score_tokens(ids, cirm::neuron_pin(s, layout));
    CHECK(hook.nodes_seen() == 2);
    // collecting three sites: three nodes
    std::vector<char> wanted(layout.size(), 0);
    wanted[0] = wanted[6] = wanted[20] = 1;
    std::vector<float> out(layout.neurons());
    hook.reset_count();
    (void)e.llamacpp.collect_tokens(ids, wanted, out);
    CHECK(hook.nodes_seen() == 3);
}

// --- the micro-batch trap -----------------------------------------------------------------------

TEST_CASE("source: a sequence split into micro-batches keeps the last token's activations, pins and reward") {
    // micro-batches of 7 tokens: every sample here is longer, so llama.cpp computes each in pieces,
    // and only the piece with the sequence's last token may be captured or pinned at the last token
    auto& e = loaded("cirm-tiny-rm", bundled_model(), 7);
    REQUIRE(e.llamacpp.micro_batch_tokens() == 7);
    for (const auto& s : samples()) REQUIRE(e.llamacpp.encode(s).size() > 7);
    check_rewards(e);
    check_activations(e);
    check_pins(e, cirm::positions::last_token);
    check_pins(e, cirm::positions::all);
}

TEST_CASE("source: a sample longer than the context is refused, naming both lengths") {
    const fs::path gguf = converted("cirm-tiny-rm", bundled_model());
    cirm::llamacpp::source_options o = two_threads();
    o.context = 8;
    const reward_model small(gguf, bundled_model(), o);
    const auto batch = samples();
    std::vector<float> rewards(batch.size());
    CHECK_THROWS_WITH(small.score(batch, cirm::no_intervention{}, rewards),
                      Catch::Contains("exceeds the context of 8 tokens"));
}

// --- other architectures ------------------------------------------------------------------------

TEST_CASE("source: a Qwen2 model with q/k/v biases (the site is the bias addition) matches the reference engine") {
    auto& e = loaded("tiny_qwen2_bias", fixture_model("tiny_qwen2_bias_f16"));
    REQUIRE(e.llamacpp.config().qkv_bias);
    check_rewards(e);
    check_activations(e);
    check_pins(e, cirm::positions::last_token);
    check_pins(e, cirm::positions::all);
}

TEST_CASE("source: a Llama model with grouped-query attention matches the reference engine") {
    auto& e = loaded("tiny_llama_gqa", fixture_model("tiny_llama_gqa_bf16"));
    check_rewards(e);
    check_activations(e);
    check_pins(e, cirm::positions::last_token);
    check_pins(e, cirm::positions::all);
}

TEST_CASE(
    "source: random Llama-3.1 (rope scaling), Qwen3 (q/k norms) and Gemma-2 (sliding window) models match the reference engine",
    "[peers]") {
    const std::vector<std::pair<std::string, std::string>> classes{
        {"llama3.1", "llama3_1"}, {"qwen3", "qwen3"}, {"gemma2", "gemma3"}};
    for (const auto& [kind, package] : classes) {
        const auto tokenizer = cirm_test::peer_tokenizer(package);
        if (!tokenizer) {
            WARN("skipped " << kind << ": the peers' tokenizer-" << package
                            << " is absent (scripts/peers installs it)");
            continue;
        }
        DYNAMIC_SECTION(kind) {
            const auto dir =
                cirm_test::make_real_config_model(kind, *tokenizer, cirm_test::fresh_dir("source-" + kind));
            // micro-batches of 16 tokens: Gemma-2's window of 8 spans micro-batches too
            for (const std::size_t micro_batch : {std::size_t{0}, std::size_t{16}}) {
                INFO(kind << ", micro-batch " << micro_batch);
                auto& e = loaded("source-" + kind, dir, micro_batch);
                check_rewards(e);
                check_activations(e);
                check_pins(e, cirm::positions::last_token);
                check_pins(e, cirm::positions::all);
            }
        }
    }
}

// --- prefix cache -----------------------------------------------------------------------------

TEST_CASE("source: scores over cached prefixes equal full forwards, with and without last-token pins") {
    auto& e = loaded("cirm-tiny-rm", bundled_model());
    const fs::path gguf = converted("cirm-tiny-rm", bundled_model());
    // micro-batches of 2: the last tokens of the five samples go through in three decodes
    cirm::llamacpp::source_options o = two_threads(2);
    o.cached_sequences = 5;
    const reward_model cached(gguf, bundled_model(), o);
    const auto batch = samples();
    const auto caches = cached.encode_prefixes(batch);
    REQUIRE(caches.size() == batch.size());
    for (std::size_t b = 0; b < batch.size(); ++b)
        CHECK(std::ranges::equal(caches[b].tokens(), e.reference.encode(batch[b])));

    const cirm::neuron_pin last(spread_spec(e.reference.layout(), e.reference.config(), cirm::positions::last_token),
                                e.reference.layout());
    const cirm::neuron_pin all(spread_spec(e.reference.layout(), e.reference.config(), cirm::positions::all),
                               e.reference.layout());
    std::vector<float> got(batch.size());
    for (int trial = 0; trial < 2; ++trial) {  // the prefixes survive a trial
        cached.score_cached(caches, cirm::no_intervention{}, got);
        const auto plain = rewards_of(e.reference, cirm::no_intervention{});
        for (std::size_t b = 0; b < batch.size(); ++b) CHECK(close(got[b], plain[b]));
        cached.score_cached(caches, last, got);
        const auto pinned = rewards_of(e.reference, last);
        for (std::size_t b = 0; b < batch.size(); ++b) CHECK(close(got[b], pinned[b]));
        // a full forward in between leaves the cached prefixes alone
        std::vector<float> full(batch.size());
        cached.score(batch, all, full);
        const auto pinned_all = rewards_of(e.reference, all);
        for (std::size_t b = 0; b < batch.size(); ++b) CHECK(close(full[b], pinned_all[b]));
        // score over caches picks a full forward for all positions
        cached.score(std::span<const cirm::llamacpp::cached_prefix>(caches), all, got);
        for (std::size_t b = 0; b < batch.size(); ++b) CHECK(close(got[b], pinned_all[b]));
    }
    CHECK_THROWS_WITH(cached.score_cached(caches, all, got), Catch::Contains("all-positions"));
    CHECK_THROWS_WITH(e.llamacpp.encode_prefixes(batch), Catch::Contains("cached_sequences"));
    CHECK_THROWS_WITH(e.llamacpp.score_cached(caches, cirm::no_intervention{}, got), Catch::Contains("another model"));
    const auto replaced = cached.encode_prefixes(std::span(batch).first(2));
    CHECK_THROWS_WITH(cached.score_cached(caches, cirm::no_intervention{}, got), Catch::Contains("stale"));
    std::vector<float> two(2);
    cached.score_cached(replaced, last, two);
    const auto pinned = rewards_of(e.reference, last);
    CHECK(close(two[0], pinned[0]));
    CHECK(close(two[1], pinned[1]));
}

// --- prefix cache held in host memory -----------------------------------------------------------

/// The reference engine's rewards of a batch: plain, and pinned at the last token and at all
/// positions (spread_spec), with the pins.
struct reference_rewards {
    cirm::neuron_pin last, all;
    std::vector<float> plain, pinned, pinned_all;

    reference_rewards(const llama_reward_model& reference, std::span<const cirm::sample> batch)
        : last(spread_spec(reference.layout(), reference.config(), cirm::positions::last_token), reference.layout()),
          all(spread_spec(reference.layout(), reference.config(), cirm::positions::all), reference.layout()),
          plain(batch.size()),
          pinned(batch.size()),
          pinned_all(batch.size()) {
        reference.score(batch, cirm::no_intervention{}, plain);
        reference.score(batch, last, pinned);
        reference.score(batch, all, pinned_all);
    }
};

/// Scores `batch` over prefixes the llama.cpp source `held` keeps in host memory (more samples than
/// its cached sequences), plainly and under a last-token pin, three times (the held prefixes
/// survive a trial, and copies of the caches share them), against the reference engine's rewards.
void check_host_held(const reward_model& held, const llama_reward_model& reference, const reference_rewards& want,
                     std::span<const cirm::sample> batch) {
    REQUIRE(batch.size() > held.cached_sequences());
    const auto caches = held.encode_prefixes(batch);
    REQUIRE(caches.size() == batch.size());
    for (std::size_t b = 0; b < batch.size(); ++b) {
        CHECK(caches[b].host_held());
        CHECK(std::ranges::equal(caches[b].tokens(), reference.encode(batch[b])));
        // a prefix of no tokens has nothing to keep; any other has its keys and values
        CHECK((caches[b].host_bytes() == 0) == (caches[b].tokens().size() == 1));
    }
    const auto& [last, all, plain, pinned, pinned_all] = want;
    const std::vector<cirm::llamacpp::cached_prefix> copies = caches;
    std::vector<float> got(batch.size()), full(batch.size());
    double largest_move = 0.0;
    for (const auto* trial : {&caches, &copies, &caches}) {
        held.score_cached(*trial, cirm::no_intervention{}, got);
        for (std::size_t b = 0; b < batch.size(); ++b) {
            INFO("sample " << b << ": held " << got[b] << ", reference " << plain[b]);
            CHECK(close(got[b], plain[b]));
        }
        held.score_cached(*trial, last, got);
        for (std::size_t b = 0; b < batch.size(); ++b) {
            INFO("sample " << b << ": pinned, held " << got[b] << ", reference " << pinned[b]);
            CHECK(close(got[b], pinned[b]));
            largest_move = std::max(largest_move, std::abs(static_cast<double>(pinned[b]) - plain[b]));
        }
        // a full forward in between leaves the held prefixes alone
        held.score(batch, all, full);
        for (std::size_t b = 0; b < batch.size(); ++b) CHECK(close(full[b], pinned_all[b]));
    }
    // the pin moves the rewards far beyond the tolerance, so the comparisons above can fail
    CHECK(largest_move > 1e-2);
    CHECK_THROWS_WITH(held.score_cached(caches, all, got), Catch::Contains("all-positions"));
    const auto replaced = held.encode_prefixes(batch.first(1));
    CHECK_FALSE(replaced[0].host_held());  // one sample fits the cached sequences
    CHECK_THROWS_WITH(held.score_cached(caches, cirm::no_intervention{}, got), Catch::Contains("stale"));
    CHECK_THROWS_WITH(held.score_cached(copies, last, got), Catch::Contains("stale"));
}

TEST_CASE("source: more samples than cached sequences are held in host memory and score as full forwards") {
    // a user format that adds nothing, so that a one-letter response is a sample of one token
    cirm::sample_format_options format;
    format.user_template = "{prompt}{response}";
    const llama_reward_model reference(bundled_model(), format);
    const fs::path gguf = converted("cirm-tiny-rm", bundled_model());
    auto batch = samples();
    batch.push_back({"", "a"});
    batch.push_back({"Is 7 prime?", "Yes."});
    REQUIRE(batch.size() == 7);
    REQUIRE(reference.encode(batch[5]).size() == 1);
    const reference_rewards want(reference, batch);
    // two sequences: chunks of two caches; four sequences and micro-batches of three tokens:
    // chunks of three, and every longer prefix is decoded in pieces before it is saved
    const std::vector<std::pair<std::size_t, std::size_t>> setups{{2, 0}, {4, 3}};
    for (const auto& [sequences, micro_batch] : setups) {
        INFO(sequences << " cached sequences, micro-batch " << micro_batch);
        auto o = two_threads(micro_batch);
        o.cached_sequences = sequences;
        const reward_model held(gguf, bundled_model(), o, format);
        check_host_held(held, reference, want, batch);
    }
}

TEST_CASE("source: a Gemma-2 model's prefixes held in host memory score as full forwards past its sliding window") {
    // the random Gemma-2 model with the bundled model's tokenizer: a window of 8 tokens
    const auto dir =
        cirm_test::make_real_config_model("gemma2", bundled_model(), cirm_test::fresh_dir("source-gemma2-held"));
    auto& e = loaded("source-gemma2-held", dir);
    const auto batch = samples();
    std::size_t longest = 0;
    for (const auto& s : batch) longest = std::max(longest, e.reference.encode(s).size());
    REQUIRE(longest > 3 * 8);
    const reference_rewards want(e.reference, batch);
    for (const std::size_t micro_batch : {std::size_t{0}, std::size_t{16}}) {
        INFO("micro-batch " << micro_batch);
        auto o = two_threads(micro_batch);
        o.context = 512;  // the samples are shorter; a smaller context keeps the attention cheap
        o.threads = 1;    // on a busy machine, llama.cpp's spinning threads mostly wait on each other
        o.cached_sequences = 2;
        const reward_model held(converted("source-gemma2-held", dir), dir, o);
        check_host_held(held, e.reference, want, batch);
    }
}

TEST_CASE("source: cached_sequences is at least 1 for a prefix cache and at most 255") {
    const fs::path gguf = converted("cirm-tiny-rm", bundled_model());
    auto o = two_threads();
    o.cached_sequences = 256;
    CHECK_THROWS_WITH(reward_model(gguf, bundled_model(), o), Catch::Contains("at most 255"));
    CHECK_THROWS_WITH(loaded("cirm-tiny-rm", bundled_model()).llamacpp.encode_prefixes(samples()),
                      Catch::Contains("cached_sequences is 0"));
}

TEST_CASE("source: a budget search and a reward cache over 260 responses run over host-held prefixes") {
    auto& e = loaded("cirm-tiny-rm", bundled_model());
    const fs::path gguf = converted("cirm-tiny-rm", bundled_model());
    auto o = two_threads();
    o.context = 512;  // the responses are shorter; a smaller context keeps the attention cheap
    o.threads = 1;    // on a busy machine, llama.cpp's spinning threads mostly wait on each other
    o.cached_sequences = 8;
    reward_model held(gguf, bundled_model(), o);
    const auto pairs = cirm::testing::make_arithmetic_pairs(130, 77);
    const auto responses = cirm::response_samples(pairs);
    REQUIRE(responses.size() == 260);  // more than llama.cpp's 256 sequences

    // the rewards, plain and under a last-token pin, through a reward cache
    const cirm::spec s = spread_spec(e.reference.layout(), e.reference.config(), cirm::positions::last_token);
    const cirm::spec_pin pin(s, e.reference.layout());
    cirm::reward_cache<reward_model> through(held, {&pin});
    std::vector<float> got(responses.size()), expected(responses.size());
    through.score(responses, cirm::no_intervention{}, got);
    e.reference.score(responses, cirm::no_intervention{}, expected);
    for (std::size_t b = 0; b < responses.size(); ++b) {
        INFO("response " << b << ": llama.cpp " << got[b] << ", reference " << expected[b]);
        CHECK(close(got[b], expected[b]));
    }
    through.score(responses, pin, got);
    e.reference.score(responses, pin, expected);
    for (std::size_t b = 0; b < responses.size(); ++b) {
        INFO("response " << b << ": pinned, llama.cpp " << got[b] << ", reference " << expected[b]);
        CHECK(close(got[b], expected[b]));
    }

    // a budget search: the same trials and accuracies as the reference engine's
    const auto loc =
        cirm::localize(e.reference, responses, cirm::make_attributes(std::vector<std::string>{"length", "bold"}));
    cirm::budget_search_options options;
    options.k_grid = {0, 5, 20, 80};
    options.trials = 4;
    options.sampler = cirm::sampler_kind::random;
    options.seed = 4;
    const auto want = cirm::search_budgets(e.reference, loc, pairs, options);
    const auto have = cirm::search_budgets(held, loc, pairs, options);
    REQUIRE(have.search.trials.size() == want.search.trials.size());
    std::set<double> accuracies;
    for (std::size_t t = 0; t < want.search.trials.size(); ++t) {
        INFO("trial " << t << ": llama.cpp " << have.accuracy[t] << ", reference " << want.accuracy[t]);
        CHECK(have.search.trials[t].budgets == want.search.trials[t].budgets);
        // a pair whose two rewards tie within the engines' difference may flip: one pair at most
        CHECK(std::abs(have.accuracy[t] - want.accuracy[t]) <= 1.0 / static_cast<double>(pairs.size()) + 1e-12);
        accuracies.insert(want.accuracy[t]);
    }
    // the trials differ, so a search that ignored its pins would not pass
    CHECK(accuracies.size() > 1);
}

}  // namespace source_test
