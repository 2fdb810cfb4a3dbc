// Resource bounds: a checkpoint whose header claims huge shapes, or a config that
// claims a huge model, is refused before anything of that size is allocated (quickly, with a
// clear message, and without the process's peak memory growing); and every built-in attribute
// is linear-time: 10× the input takes well under 20× the time (a quadratic one would take 100×).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "bad_inputs/bad_input_support.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/reference/model.hpp"

using namespace bad_inputs;

namespace {

/// The peak resident set of this process so far, in MiB.
double peak_rss_mib() {
    struct rusage usage {};
    REQUIRE(getrusage(RUSAGE_SELF, &usage) == 0);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

/// Runs `load`, which must throw a cirm::error containing `expected`, and checks that it took
/// under a second and raised the peak memory by less than 64 MiB.
template <class Load>
void check_refused_cheaply(Load&& load, const std::string& expected) {
    const double rss_before = peak_rss_mib();
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(load(), Catch::Contains(expected));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double grown = peak_rss_mib() - rss_before;
    INFO("refused in " << seconds << " s, peak memory grew by " << grown << " MiB");
    CHECK(seconds < 1.0);
    CHECK(grown < 64.0);
}

}  // namespace

TEST_CASE("a safetensors header with shape [2^40, 2^40] is refused before allocating") {
    const std::string file = safetensors_bytes(
        R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", "abcd");
    check_refused_cheaply(
        [&] { (void)cirm::safetensors::reader(std::string_view(file)); },
        "tensor 'w' size overflows: shape [1099511627776, 1099511627776] × 4 bytes does not fit in 64 bits");
    // a shape whose size fits in 64 bits (2^20 × 2^20 × 2 bytes = 2 TiB) but not in the file
    const std::string two_tib = safetensors_bytes(
        R"({"w":{"dtype":"BF16","shape":[1048576,1048576],"data_offsets":[0,2199023255552]}})", "abcd");
    check_refused_cheaply([&] { (void)cirm::safetensors::reader(std::string_view(two_tib)); },
                          "data buffer is 4 bytes but the tensors' data_offsets end at 2199023255552");
}

TEST_CASE("a model whose checkpoint claims a 2 TiB embedding is refused before allocating") {
    const auto d = fresh_case("resources", "huge_embedding");
    const auto model = copy_model(llama_fixture(), d.in / "model");
    write_bytes(model / "model.safetensors",
                safetensors_bytes(R"({"model.embed_tokens.weight":{"dtype":"BF16","shape":[1048576,1048576],)"
                                  R"("data_offsets":[0,2199023255552]}})",
                                  std::string(16, '\0')));
    check_refused_cheaply([&] { cirm::reference::llama_reward_model m(model); },
                          "data buffer is 16 bytes but the tensors' data_offsets end at 2199023255552");
}

TEST_CASE("a config that claims 2^31 layers is refused before the tensor list is built") {
    const auto d = fresh_case("resources", "huge_config");
    const auto model = copy_model(llama_fixture(), d.in / "model");
    auto config = nlohmann::ordered_json::parse(read_bytes(model / "config.json"));
    config["num_hidden_layers"] = std::uint64_t{1} << 31;
    write_bytes(model / "config.json", config.dump());
    // 2^31 layers × 9 tensors + 3 = 19,327,352,835 tensors; the fixture holds 3 × 9 + 3 = 30
    check_refused_cheaply(
        [&] { cirm::reference::llama_reward_model m(model); },
        "describes a model of 2147483648 layers with 19327352835 tensors, but its checkpoint holds only 30");
}

namespace {

/// `bytes` bytes of Markdown-ish text with every feature an attribute counts, in numbered chunks
/// whose words come from a vocabulary of 10,007 (like natural text, whose vocabulary stops growing
/// long before 1 MB): both sizes see the same word sets, so the ratio measures the scan. (With
/// ever new words, `overlap`'s hash sets outgrow the caches and its cost per byte roughly doubles
/// from 1 MB to 10 MB: a memory effect, not a quadratic algorithm, but it would make the ratio
/// flaky.)
std::string styled_text(std::size_t bytes, std::string_view word_prefix) {
    std::string text;
    text.reserve(bytes + 200);
    for (std::size_t i = 0; text.size() < bytes; ++i) {
        const std::string n = std::to_string(i % 10007);
        text += "Sure! **Bold** h\xc3\xa9llo \xf0\x9f\x98\x80 https://x.y/";
        text += n;
        text += "\n- item ";
        text += std::string(word_prefix) + n;
        text += "\n# Head\n\n```\ncode ";
        text += n;
        text += "\n```\n";
    }
    text.resize(bytes);
    // cut back to a whole code point (the chunk's multi-byte characters may be split at the end)
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
    return text;
}

/// CPU time of this thread, in seconds: unlike the wall clock it does not count the time the
/// machine spends on other processes, which would otherwise make the ratio noisy on a busy host.
double thread_cpu_seconds() {
    timespec t{};
    REQUIRE(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// The fastest of five runs of the attribute, in CPU seconds.
double best_time(const cirm::any_attribute& attribute, const std::string& prompt, const std::string& response) {
    double best = 1e9;
    for (int run = 0; run < 5; ++run) {
        const double start = thread_cpu_seconds();
        const double value = attribute(prompt, response);
        best = std::min(best, thread_cpu_seconds() - start);
        REQUIRE(value >= 0.0);
    }
    return best;
}

}  // namespace

TEST_CASE("every built-in attribute is linear-time: 10 MB takes less than 20 times as long as 1 MB") {
    const std::size_t mb = 1'000'000;
    const std::string prompt_1 = styled_text(mb, "ask"), response_1 = styled_text(mb, "say");
    const std::string prompt_10 = styled_text(10 * mb, "ask"), response_10 = styled_text(10 * mb, "say");
    for (std::string_view name : cirm::builtin_attribute_names()) {
        DYNAMIC_SECTION(name) {
            const auto attribute = cirm::make_attribute(name);
            const double small = best_time(attribute, prompt_1, response_1);
            const double large = best_time(attribute, prompt_10, response_10);
            // a floor of 0.1 ms keeps timer granularity out of the ratio for attributes that only
            // look at the start of the text
            const double ratio = large / std::max(small, 1e-4);
            INFO(name << ": 1 MB in " << small << " s, 10 MB in " << large << " s (CPU time), ratio " << ratio);
            CHECK(ratio < 20.0);
        }
    }
}
