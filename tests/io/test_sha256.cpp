#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cirm/detail/sha256.hpp"

using cirm::detail::sha256;
using cirm::detail::sha256_hex;

// Known answers from FIPS 180-4's examples (NIST "SHA256.pdf", "SHA2_Additional.pdf").
TEST_CASE("sha256 matches the NIST known-answer vectors") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                     "mnopqrstnopqrstu") == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 gives the same digest however the message is split") {
    const std::string million(1000000, 'a');
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                              std::size_t{1000}, std::size_t{4099}}) {
        sha256 hasher;
        for (std::size_t at = 0; at < million.size(); at += chunk)
            hasher.update(std::string_view(million).substr(at, chunk));
        CHECK(sha256::to_hex(hasher.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    sha256 reused;
    reused.update("ignored");
    (void)reused.finish();
    reused.reset();
    reused.update("ab");
    reused.update("c");
    CHECK(sha256::to_hex(reused.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

namespace {
std::string pseudo_random_bytes(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    for (auto& c : s) {
        seed = seed * 1664525u + 1013904223u;
        c = static_cast<char>(seed >> 24);
    }
    return s;
}

std::string sha256sum_of(const std::filesystem::path& file) {
    const std::string command = "sha256sum '" + file.string() + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char line[256] = {};
    const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
    ::pclose(pipe);
    REQUIRE(got);
    return std::string(line).substr(0, 64);
}
}  // namespace

// Independent reference: Debian's coreutils sha256sum, run on the same bytes. The lengths sit on
// both sides of the padding boundaries (55/56 bytes: the length still fits in the last block or
// not; 64: exactly one block).
TEST_CASE("sha256 agrees with coreutils sha256sum on generated files") {
    const std::filesystem::path dir = std::filesystem::path(CIRM_TEST_TMP) / "sha256";
    std::filesystem::create_directories(dir);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{55}, std::size_t{56}, std::size_t{57},
                          std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{119}, std::size_t{120},
                          std::size_t{128}, std::size_t{100003}}) {
        const std::string bytes = pseudo_random_bytes(n, static_cast<std::uint32_t>(n) + 7u);
        const auto file = dir / ("data-" + std::to_string(n) + ".bin");
        {
            std::ofstream out(file, std::ios::binary);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        }
        INFO("length " << n);
        CHECK(sha256_hex(bytes) == sha256sum_of(file));
    }
}
