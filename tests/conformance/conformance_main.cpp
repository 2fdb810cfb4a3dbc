// One conformance suite for every backend (the ggml test-backend-ops idea): the same random
// activations, specs, element types and strides go through each backend, and its results must
// equal the CPU reference — bit for bit for neuron pins, within 1e-6 relative for gathered values
// and for the elements that pinned directions move (a direction's component is a sum of products,
// which a backend may add in another order: see conformance_cases.hpp).
//
//   cirm_conformance BACKEND [Catch2 options]
//
// BACKEND is one of cpu-raw, cpu-eigen, cpu-xtensor, torch-cpu, torch-cuda, cuda-raw. A backend
// that was not built, or that has no device here, prints why and exits 77, which ctest reports
// as skipped (never as passed).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "conformance_cases.hpp"

namespace {

/// Every backend the suite knows, with what it takes to build it.
struct known_backend {
    const char* name;
    const char* needs;
};
constexpr known_backend known[] = {
    {"cpu-raw", ""},
    {"cpu-eigen", ""},
    {"cpu-xtensor", ""},
    {"torch-cpu", "-DCIRM_WITH_TORCH=ON"},
    {"torch-cuda", "-DCIRM_WITH_TORCH=ON -DCIRM_WITH_CUDA=ON"},
    {"cuda-raw", "-DCIRM_WITH_CUDA=ON"},
};

std::vector<conformance::backend> built_backends() {
    auto all = conformance::cpu_backends();
#if defined(CIRM_CONFORMANCE_TORCH)
    for (auto& b : conformance::torch_backends()) all.push_back(std::move(b));
#endif
#if defined(CIRM_CONFORMANCE_CUDA)
    for (auto& b : conformance::cuda_backends()) all.push_back(std::move(b));
#endif
    return all;
}

const conformance::backend* selected = nullptr;

std::string bytes_as_hex(const std::byte* p, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::size_t i = n; i-- > 0;) {
        const auto v = static_cast<unsigned>(p[i]);
        s += digits[v >> 4];
        s += digits[v & 15u];
    }
    return s;
}

}  // namespace

TEST_CASE("backend results equal the CPU reference on every case") {
    REQUIRE(selected != nullptr);
    const auto& f = conformance::the_fixture();
    const cirm::spec_pin neurons_last(f.spec_last, f.layout), neurons_all(f.spec_all, f.layout);
    const cirm::spec_pin mixed_last(f.mixed_last, f.layout), mixed_all(f.mixed_all, f.layout);
    const auto pin_for = [&](const conformance::test_case& c) -> const cirm::spec_pin& {
        if (c.directions) return c.mode == cirm::positions::all ? mixed_all : mixed_last;
        return c.mode == cirm::positions::all ? neurons_all : neurons_last;
    };
    std::size_t run = 0, unsupported = 0;
    for (const auto& c : conformance::make_cases()) {
        if (!selected->supports(c)) {
            ++unsupported;
            continue;
        }
        ++run;
        INFO(selected->name << ": " << c.name);

        // pins: every element of the buffer as the reference says (edited elements and all others)
        std::vector<std::byte> buffer = c.initial;
        selected->pin(c, pin_for(c), buffer);
        const auto expected = conformance::expected_pin(c);
        std::size_t mismatches = 0;
        for (std::size_t e = 0; e < c.elements; ++e) {
            if (!conformance::element_conforms(c, expected, buffer.data(), e)) {
                const std::size_t at = e * c.element_size();
                if (mismatches++ < 3)
                    FAIL_CHECK("element " << e << ": got bits " << bytes_as_hex(buffer.data() + at, c.element_size())
                                          << " (" << conformance::load_as(c.type, buffer.data(), e) << "), expected "
                                          << bytes_as_hex(expected.bytes.data() + at, c.element_size()) << " ("
                                          << expected.value[e] << ", tolerance "
                                          << conformance::direction_tolerance * expected.scale[e] << ")");
            }
        }
        CHECK(mismatches == 0);

        // gathers: the last token of each sample, as floats, from the untouched buffer
        std::vector<std::byte> source = c.initial;
        const auto gathered = selected->gather(c, source);
        const auto wanted = conformance::expected_gather(c);
        REQUIRE(gathered.size() == wanted.size());
        for (std::size_t i = 0; i < wanted.size(); ++i)
            if (std::abs(gathered[i] - wanted[i]) > 1e-6f * std::abs(wanted[i])) {
                FAIL_CHECK("gathered value " << i << " is " << gathered[i] << ", expected " << wanted[i]);
                break;
            }
        CHECK(source == c.initial);  // a gather writes nothing
    }
    std::printf("conformance %s: %zu cases compared with the CPU reference, %zu not applicable to this backend\n",
                selected->name.c_str(), run, unsupported);
    CHECK(run > 0);
}

int main(int argc, char* argv[]) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s BACKEND [Catch2 options]\n", argv[0]);
        return 2;
    }
    const std::string name = argv[1];
    const known_backend* k = nullptr;
    for (const auto& candidate : known)
        if (name == candidate.name) k = &candidate;
    if (!k) {
        std::fprintf(stderr, "unknown backend '%s'\n", name.c_str());
        return 2;
    }
    const auto backends = built_backends();
    for (const auto& b : backends)
        if (b.name == name) selected = &b;
    if (!selected) {
        std::printf("skipped: backend '%s' was not built (configure with %s)\n", name.c_str(), k->needs);
        return 77;
    }
    if (const std::string why = selected->unavailable(); !why.empty()) {
        std::printf("skipped: backend '%s' cannot run here: %s\n", name.c_str(), why.c_str());
        return 77;
    }
    // Catch2 sees the program name and the options after BACKEND.
    std::vector<char*> args{argv[0]};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    return Catch::Session().run(static_cast<int>(args.size()), args.data());
}
