#pragma once
/// \file
/// Reads a JSON fixture of tests/fixtures (written by scripts/make_fixtures.py).

#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace cirm::testing {

inline nlohmann::json load_fixture(const std::string& name) {
    std::ifstream in(std::string(CIRM_TEST_FIXTURES) + "/" + name);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

}  // namespace cirm::testing
