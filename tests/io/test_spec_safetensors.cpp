#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "cirm/io/io.hpp"  // the umbrella must compile on its own
#include "cirm/io/spec_safetensors.hpp"

namespace fs = std::filesystem;
namespace st = cirm::safetensors;

namespace {

cirm::spec sample_binary_spec() {
    cirm::spec s;
    s.positions = cirm::positions::last_token;
    s.replacement = cirm::replacement::zero;
    s.budgets = {{"overlap", 100}, {"length", 500}};
    s.provenance = {{"overlap", "length"}, 1000, "00ff", 4096};
    s.sites = {
        {"model.layers.3.mlp.up_proj",
         {1, 7, 300},
         {0.1f, -2.0f, 1e-40f},
         {{{"overlap", 0.5}, {"length", -0.25}}, {{"length", 1.0 / 3.0}}, {}}},
        {"model.layers.0.self_attn.q_proj", {0}, {std::numeric_limits<float>::max()}, {}},
        {"model.layers.1.mlp.gate_proj", {}, {}, {}},
    };
    return s;
}

std::string binary_load_error(const std::string& bytes) {
    try {
        (void)cirm::spec_from_safetensors(std::string_view(bytes));
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::map<std::string, std::string> good_metadata = {
    {"format", "cirm-spec"}, {"version", "1"}, {"sites", "[\"a\"]"}};

}  // namespace

TEST_CASE("spec safetensors round-trips in memory and through a file") {
    const cirm::spec s = sample_binary_spec();
    const std::string bytes = cirm::spec_to_safetensors(s);
    CHECK(cirm::spec_from_safetensors(std::string_view(bytes)) == s);
    CHECK(cirm::spec_to_safetensors(s) == bytes);  // deterministic

    const fs::path dir = fs::path(CIRM_TEST_TMP) / "spec_safetensors";
    fs::create_directories(dir);
    const fs::path path = dir / "spec.safetensors";
    cirm::save_spec_safetensors(path, s);
    CHECK(cirm::load_spec_safetensors(path) == s);
    CHECK(cirm::read_file(path) == bytes);
}

TEST_CASE("spec safetensors holds plain per-site tensors a PyTorch user can index") {
    const std::string bytes = cirm::spec_to_safetensors(sample_binary_spec());
    const st::reader file{std::string_view(bytes)};
    CHECK(file.tensors().size() == 6);
    const auto& indices = file.at("model.layers.3.mlp.up_proj.indices");
    CHECK(indices.type == st::dtype::i64);
    CHECK(indices.shape == std::vector<std::size_t>{3});
    CHECK(indices.to_int64s() == std::vector<std::int64_t>{1, 7, 300});
    const auto& values = file.at("model.layers.3.mlp.up_proj.values");
    CHECK(values.type == st::dtype::f32);
    CHECK(values.to_floats() == std::vector<float>{0.1f, -2.0f, 1e-40f});
    CHECK(file.at("model.layers.1.mlp.gate_proj.indices").shape == std::vector<std::size_t>{0});

    const auto& meta = file.metadata();
    CHECK(meta.at("format") == "cirm-spec");
    CHECK(meta.at("version") == "1");
    CHECK(meta.at("positions") == "last");
    CHECK(meta.at("replacement") == "zero");
    CHECK(meta.at("sites") ==
          R"(["model.layers.3.mlp.up_proj", "model.layers.0.self_attn.q_proj", "model.layers.1.mlp.gate_proj"])");
    CHECK(meta.at("budgets") == R"([{"bias": "overlap", "k": 100}, {"bias": "length", "k": 500}])");
    CHECK(meta.at("chosen_by") ==
          R"({"model.layers.3.mlp.up_proj": [{"overlap": 0.5, "length": -0.25}, {"length": 0.3333333333333333}, {}]})");
}

TEST_CASE("spec safetensors: missing or mistyped tensors are refused") {
    const std::vector<std::int64_t> idx = {1, 2};
    const std::vector<std::int32_t> idx32 = {1, 2};
    const std::vector<float> val = {0.5f, 1.5f};
    const std::vector<float> val3 = {0.5f, 1.5f, 2.5f};
    using td = st::tensor_data;
    auto file = [](std::vector<td> tensors, std::map<std::string, std::string> metadata = good_metadata) {
        return st::serialize(tensors, metadata);
    };
    CHECK(binary_load_error(file({td{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)}})) ==
          "spec: site 'a' has no tensor 'a.values'");
    CHECK(binary_load_error(file({td{"a.indices", st::dtype::i32, {2}, st::bytes_of(idx32)},
                                  td{"a.values", st::dtype::f32, {2}, st::bytes_of(val)}})) ==
          "spec: tensor 'a.indices' has dtype I32, expected I64");
    CHECK(binary_load_error(file({td{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)},
                                  td{"a.values", st::dtype::f32, {1, 2}, st::bytes_of(val)}})) ==
          "spec: tensor 'a.values' has shape [1, 2], expected one dimension [n]");
    CHECK(binary_load_error(file({td{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)},
                                  td{"a.values", st::dtype::f32, {3}, st::bytes_of(val3)}})) ==
          "spec: site 'a' has 2 indices but 3 values");
    CHECK(binary_load_error(file({td{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)},
                                  td{"a.values", st::dtype::f32, {2}, st::bytes_of(val)},
                                  td{"b.values", st::dtype::f32, {2}, st::bytes_of(val)}})) ==
          "spec: tensor 'b.values' is not '<site>.indices', '<site>.values', '<site>.directions' or "
          "'<site>.direction_values' of a site listed in __metadata__ sites");

    const std::vector<td> good = {td{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)},
                                  td{"a.values", st::dtype::f32, {2}, st::bytes_of(val)}};
    CHECK(binary_load_error(file(good)) == "(no error)");
    const std::vector<std::int64_t> descending = {2, 1};
    CHECK_THAT(binary_load_error(file({td{"a.indices", st::dtype::i64, {2}, st::bytes_of(descending)},
                                       td{"a.values", st::dtype::f32, {2}, st::bytes_of(val)}})),
               Catch::Contains("site 'a' indices are not strictly ascending"));
}

TEST_CASE("spec safetensors: metadata is checked") {
    const std::vector<std::int64_t> idx = {1, 2};
    const std::vector<float> val = {0.5f, 1.5f};
    const std::vector<st::tensor_data> tensors = {{"a.indices", st::dtype::i64, {2}, st::bytes_of(idx)},
                                                  {"a.values", st::dtype::f32, {2}, st::bytes_of(val)}};
    auto with = [&](const std::string& key, const std::string& value) {
        auto metadata = good_metadata;
        metadata[key] = value;
        return st::serialize(tensors, metadata);
    };
    auto without = [&](const std::string& key) {
        auto metadata = good_metadata;
        metadata.erase(key);
        return st::serialize(tensors, metadata);
    };
    CHECK(binary_load_error(without("format")) == "spec: __metadata__ has no 'format' (is this a cirm spec?)");
    CHECK(binary_load_error(with("format", "gguf")) == "spec: __metadata__ format is 'gguf', expected 'cirm-spec'");
    CHECK(binary_load_error(with("version", "2")) ==
          "spec: __metadata__ version '2' is not supported (this build reads version 1)");
    CHECK(binary_load_error(without("sites")) == "spec: __metadata__ has no 'sites' (the site order)");
    CHECK(binary_load_error(with("sites", "[\"a\", \"a\"]")) == "spec: __metadata__ sites lists 'a' twice");
    CHECK_THAT(binary_load_error(with("sites", "[\"a\"")),
               Catch::StartsWith("spec: __metadata__ sites is not valid JSON"));
    CHECK(binary_load_error(with("positions", "middle")) ==
          "spec: __metadata__ positions: unknown positions mode 'middle' (expected last or all)");
    CHECK(binary_load_error(with("budgets", "[{\"bias\": \"length\"}]")) ==
          "spec: __metadata__.budgets[0].k is missing");
    CHECK(binary_load_error(with("chosen_by", "{\"b\": []}")) ==
          "spec: __metadata__.chosen_by.b names a site that __metadata__ sites does not list");
    CHECK(binary_load_error(with("chosen_by", "{\"a\": [{}]}")) ==
          "spec: __metadata__.chosen_by.a has 1 entries for the site's 2 neurons");
    CHECK(binary_load_error(with("chosen_by", "{\"a\": [{}, {\"length\": true}]}")) ==
          "spec: __metadata__.chosen_by.a[1].length is not a number");
    const cirm::spec s =
        cirm::spec_from_safetensors(std::string_view(with("chosen_by", "{\"a\": [{}, {\"length\": 0.5}]}")));
    REQUIRE(s.sites.size() == 1);
    CHECK(s.sites[0].chosen_by == std::vector<std::vector<cirm::bias_rho>>{{}, {{"length", 0.5}}});
    CHECK(binary_load_error(with("something_else", "ignored")) == "(no error)");
}

TEST_CASE("spec safetensors: file errors name the file") {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "spec_safetensors";
    fs::create_directories(dir);
    const fs::path path = dir / "not_a_spec.safetensors";
    st::save(path, {}, {{"format", "pt"}});
    CHECK_THROWS_WITH(cirm::load_spec_safetensors(path),
                      "spec: __metadata__ format is 'pt', expected 'cirm-spec' (in '" + path.string() + "')");
    const fs::path garbage = dir / "garbage.safetensors";
    cirm::write_file_atomically(garbage, "abc");
    CHECK_THROWS_WITH(cirm::load_spec_safetensors(garbage),
                      Catch::StartsWith("safetensors: " + garbage.string() + ": file is 3 bytes"));
}
