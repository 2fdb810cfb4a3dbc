// The prefix cache: scoring the last token over cached keys and values must give the full
// forward's reward (≤ 1e-5) with and without last-token pins; all-positions pins must not use it;
// and the cached and full passes must not allocate once their workspace has grown.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

// ThreadSanitizer's runtime defines the global operator new and delete itself, so a TSan build
// cannot replace them: there the allocation test below is not compiled (the TSan run of
// scripts/sanitize runs only the multi-threaded tests; every other build runs it).
#if defined(__SANITIZE_THREAD__)
#define CIRM_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CIRM_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef CIRM_TEST_COUNTS_ALLOCATIONS
#define CIRM_TEST_COUNTS_ALLOCATIONS 1
#endif

#if CIRM_TEST_COUNTS_ALLOCATIONS
// Counts global operator new calls while armed, to show the hot path allocates nothing. (Eigen
// allocates with malloc, which EIGEN_RUNTIME_NO_MALLOC checks instead.)
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

// GCC 12 sees these bodies inlined next to std::allocator's calls and warns that free() does not
// match new; here both sides are the replaced pair, which is what the standard allows.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
// Every form that frees what the forms above allocated: a sanitizer runtime that supplies its
// own nothrow new would otherwise pair its allocation with this free().
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {
/// Counts allocations (operator new, and Eigen's malloc by refusing it) during `run`.
template <class F>
long allocations_during(F&& run) {
    allocations = 0;
    counting = true;
    Eigen::internal::set_is_malloc_allowed(false);
    try {
        run();
    } catch (...) {
        Eigen::internal::set_is_malloc_allowed(true);
        counting = false;
        throw;
    }
    Eigen::internal::set_is_malloc_allowed(true);
    counting = false;
    return allocations.load();
}
}  // namespace
#endif  // CIRM_TEST_COUNTS_ALLOCATIONS

namespace {
double intervention_reward(const nlohmann::json& outputs, std::size_t intervention, std::size_t sample) {
    return outputs["interventions"][intervention]["rewards"][sample].get<double>();
}
}  // namespace

TEST_CASE("a cached last-token pass gives the full forward's reward, with and without last-token pins") {
    for (const auto& name : cirm_test::peer_models()) {
        INFO(name);
        const cirm::reference::llama_reward_model model(cirm_test::model_fixture(name));
        const auto outputs = cirm_test::peer_outputs(name);
        const auto samples = cirm_test::peer_samples(outputs);
        const auto caches = model.encode_prefixes(samples);
        REQUIRE(caches.size() == samples.size());

        std::vector<float> full(samples.size()), cached(samples.size());
        model.score(samples, cirm::no_intervention{}, full);
        model.score_cached(caches, cirm::no_intervention{}, cached);
        for (std::size_t i = 0; i < samples.size(); ++i) {
            INFO("sample " << i);
            CHECK(caches[i].prefix_tokens() == outputs["samples"][i]["score_index"].get<std::size_t>());
            CHECK(std::abs(cached[i] - full[i]) <= 1e-5);
            CHECK(std::abs(model.score_cached(caches[i], cirm::no_intervention{}) - full[i]) <= 1e-5);
        }
        for (const auto& intervention : outputs["interventions"]) {
            if (intervention["positions"] != "last") continue;
            INFO("intervention " << intervention["name"].get<std::string>());
            const auto pin = cirm_test::peer_pin(intervention, model.layout());
            model.score(samples, pin, full);
            model.score_cached(caches, pin, cached);
            for (std::size_t i = 0; i < samples.size(); ++i) {
                INFO("sample " << i);
                CHECK(std::abs(cached[i] - full[i]) <= 1e-5);
                // and the peer's value, as a check that does not rest on the engine's full pass
                CHECK(std::abs(cached[i] - intervention["rewards"][i].get<double>()) <= 1e-4);
            }
        }
    }
}

TEST_CASE("many cached samples run in groups, the results match the full pass for any thread count") {
    cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto peer = cirm_test::peer_samples(outputs);
    std::vector<cirm::sample> samples;
    for (int copy = 0; copy < 10; ++copy) samples.insert(samples.end(), peer.begin(), peer.end());  // 70: 3 groups
    const auto caches = model.encode_prefixes(samples);
    const auto pin = cirm_test::peer_pin(outputs["interventions"][7], model.layout());
    std::vector<float> full(samples.size()), one(samples.size()), two(samples.size());
    model.score(samples, pin, full);
    model.set_threads(1);
    model.score_cached(caches, pin, one);
    model.set_threads(2);
    model.score_cached(caches, pin, two);
    CHECK(one == two);  // the grouping depends on the batch alone
    for (std::size_t i = 0; i < samples.size(); ++i) {
        INFO("sample " << i);
        CHECK(std::abs(one[i] - full[i]) <= 1e-5);
        CHECK(std::abs(one[i] - intervention_reward(outputs, 7, i % peer.size())) <= 1e-4);
    }
}

TEST_CASE("all-positions pins are refused by score_cached and take the full pass in score over caches") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto samples = cirm_test::peer_samples(outputs);
    const auto caches = model.encode_prefixes(samples);
    std::vector<float> rewards(samples.size());
    for (const auto& intervention : outputs["interventions"]) {
        const auto pin = cirm_test::peer_pin(intervention, model.layout());
        INFO("intervention " << intervention["name"].get<std::string>());
        if (intervention["positions"] == "all") {
            CHECK_THROWS_WITH(model.score_cached(caches[0], pin), Catch::Contains("all-positions intervention"));
            CHECK_THROWS_WITH(model.score_cached(caches, pin, rewards), Catch::Contains("all-positions intervention"));
        }
        model.score(std::span<const cirm::reference::prefix_cache>(caches), pin, rewards);
        for (std::size_t i = 0; i < samples.size(); ++i)
            CHECK(std::abs(rewards[i] - intervention["rewards"][i].get<double>()) <= 1e-4);
    }
}

TEST_CASE("a cache holds the keys and values of all positions but the last") {
    const cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto cache = model.encode_prefix({"What is 2+2?", "4"});
    const auto& c = model.config();
    // 18 tokens in the peer's encoding of this sample; the score is read at the 17th (the last
    // is the pad token), so 17 are run and 16 cached; kv width 2 heads × 16.
    CHECK(cache.tokens().size() == 17);
    CHECK(cache.prefix_tokens() == 16);
    CHECK(cache.keys(0).size() == 16 * c.kv_width());
    CHECK(cache.values(2).size() == 16 * c.kv_width());
    CHECK(cache.bytes() == 2 * 3 * 16 * 32 * sizeof(float) + 17 * sizeof(std::int32_t));

    // A one-token sample has an empty prefix and still scores like the full pass.
    cirm::sample_format_options bare;
    bare.user_template = "{prompt}{response}";
    cirm::reference::llama_reward_model one_token(cirm_test::model_fixture("tiny_llama_gqa_bf16"), bare);
    const auto tiny = one_token.encode_prefix({"", "x"});
    CHECK(tiny.prefix_tokens() == 0);
    CHECK(std::abs(one_token.score_cached(tiny, cirm::no_intervention{}) - one_token.score({"", "x"})) <= 1e-6);
}

TEST_CASE("a cache is only accepted by the model that made it") {
    const cirm::reference::llama_reward_model a(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const cirm::reference::llama_reward_model b(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto cache = a.encode_prefix({"hi", "there"});
    CHECK_THROWS_WITH(b.score_cached(cache, cirm::no_intervention{}), Catch::Contains("made by another model"));
    CHECK_THROWS_WITH(a.score_cached(cirm::reference::prefix_cache{}, cirm::no_intervention{}),
                      Catch::Contains("prefix cache is empty"));
}

#if CIRM_TEST_COUNTS_ALLOCATIONS
TEST_CASE("scoring allocates nothing once the workspace has grown") {
    cirm::reference::llama_reward_model model(cirm_test::model_fixture("tiny_llama_gqa_bf16"));
    const auto outputs = cirm_test::peer_outputs("tiny_llama_gqa_bf16");
    const auto samples = cirm_test::peer_samples(outputs);
    const auto pin = cirm_test::peer_pin(outputs["interventions"][7], model.layout());
    const auto cache = model.encode_prefix(samples[4]);  // the longest sample
    const auto ids = model.encode(samples[4]);

    const float warm_cached = model.score_cached(cache, pin);
    const float warm_full = model.score_tokens(ids, pin);
    float cached = 0.0f, full = 0.0f;
    CHECK(allocations_during([&] { cached = model.score_cached(cache, pin); }) == 0);
    CHECK(allocations_during([&] { full = model.score_tokens(ids, pin); }) == 0);
    CHECK(cached == warm_cached);
    CHECK(full == warm_full);

    // A batch of caches on one thread: the rows of one pass, no allocation either.
    model.set_threads(1);
    const auto caches = model.encode_prefixes(samples);
    std::vector<float> warm(samples.size()), again(samples.size());
    model.score_cached(caches, pin, warm);
    CHECK(allocations_during([&] { model.score_cached(caches, pin, again); }) == 0);
    CHECK(again == warm);

    // Both checks are armed: an allocation inside the window is seen.
    CHECK(allocations_during([] { ::operator delete(::operator new(16)); }) == 1);
    CHECK_THROWS_WITH(allocations_during([] {
                          Eigen::MatrixXf m(64, 64);
                          m.setZero();
                      }),
                      Catch::Contains("heap allocation is forbidden"));
}
#endif  // CIRM_TEST_COUNTS_ALLOCATIONS
