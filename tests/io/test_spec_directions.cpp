#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"

namespace fs = std::filesystem;
namespace st = cirm::safetensors;

namespace {

/// A spec with pinned directions at two sites (one of which also pins a neuron).
cirm::spec spec_with_directions() {
    cirm::spec s;
    s.replacement = cirm::replacement::mean;
    s.provenance = {{"length", "bold"}, 20, "ab", 11};
    cirm::spec_site a;
    a.name = "model.layers.0.self_attn.o_proj";
    a.directions = {{"length", 0.25f, {0.6f, 0.8f, 0.0f}}, {"bold", -1.5f, {0.0f, 0.0f, 1.0f}}};
    cirm::spec_site b;
    b.name = "model.layers.1.self_attn.o_proj";
    b.indices = {1};
    b.values = {2.0f};
    b.directions = {{"", 0.1f, {1.0f, 0.0f}}};
    s.sites = {a, b};
    return s;
}

std::string json_error(const std::string& text) {
    try {
        (void)cirm::spec_from_json(text);
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string binary_error(const std::string& bytes) {
    try {
        (void)cirm::spec_from_safetensors(std::string_view(bytes));
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

/// A document whose only site "s" has `directions` (JSON text of the array).
std::string with_directions(const std::string& directions) {
    return R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "neurons": [], "directions": )" +
           directions + "}]}";
}

}  // namespace

// Written out by hand from the schema in spec_json.hpp.
TEST_CASE("spec JSON writes a site's directions after its neurons") {
    cirm::spec s;
    cirm::spec_site site;
    site.name = "model.layers.0.self_attn.o_proj";
    site.directions = {{"length", 0.5f, {0.6f, 0.8f}}, {"bold", -1.0f, {-0.8f, 0.6f}}};
    s.sites = {site};
    CHECK(cirm::spec_to_json(s) ==
          "{\n  \"format\": \"cirm-spec\",\n  \"version\": 1,\n  \"positions\": \"last\",\n"
          "  \"replacement\": \"median\",\n  \"budgets\": [],\n"
          "  \"provenance\": {\"attributes\": [], \"samples\": 0, \"data_hash\": \"\", \"total_neurons\": 0},\n"
          "  \"sites\": [\n"
          "    {\"name\": \"model.layers.0.self_attn.o_proj\", \"neurons\": [], \"directions\": [\n"
          "      {\"bias\": \"length\", \"value\": 0.5, \"vector\": [0.6, 0.8]},\n"
          "      {\"bias\": \"bold\", \"value\": -1.0, \"vector\": [-0.8, 0.6]}\n"
          "    ]}\n"
          "  ]\n}\n");
}

TEST_CASE("specs with directions round-trip exactly through JSON and safetensors") {
    const cirm::spec s = spec_with_directions();
    const std::string text = cirm::spec_to_json(s);
    CHECK(cirm::spec_from_json(text) == s);
    CHECK(cirm::spec_to_json(cirm::spec_from_json(text)) == text);
    const std::string bytes = cirm::spec_to_safetensors(s);
    CHECK(cirm::spec_from_safetensors(std::string_view(bytes)) == s);
    CHECK(cirm::spec_to_safetensors(s) == bytes);

    const fs::path dir = fs::path(CIRM_TEST_TMP) / "spec_directions";
    fs::create_directories(dir);
    cirm::save_spec_json(dir / "spec.json", s);
    cirm::save_spec_safetensors(dir / "spec.safetensors", s);
    CHECK(cirm::load_spec_json(dir / "spec.json") == s);
    CHECK(cirm::load_spec_safetensors(dir / "spec.safetensors") == s);
    CHECK(s.pinned_directions() == 3);
    CHECK(s.edited() == 1);
}

TEST_CASE("spec safetensors stores a site's directions as an [r, width] matrix and its values") {
    const std::string bytes = cirm::spec_to_safetensors(spec_with_directions());
    const st::reader file{std::string_view(bytes)};
    CHECK(file.tensors().size() == 8);
    const auto& u = file.at("model.layers.0.self_attn.o_proj.directions");
    CHECK(u.type == st::dtype::f32);
    CHECK(u.shape == std::vector<std::size_t>{2, 3});
    CHECK(u.to_floats() == std::vector<float>{0.6f, 0.8f, 0.0f, 0.0f, 0.0f, 1.0f});
    const auto& m = file.at("model.layers.0.self_attn.o_proj.direction_values");
    CHECK(m.shape == std::vector<std::size_t>{2});
    CHECK(m.to_floats() == std::vector<float>{0.25f, -1.5f});
    CHECK(file.at("model.layers.0.self_attn.o_proj.indices").shape == std::vector<std::size_t>{0});
    CHECK(file.metadata().at("direction_biases") ==
          R"({"model.layers.0.self_attn.o_proj": ["length", "bold"], "model.layers.1.self_attn.o_proj": [""]})");
}

TEST_CASE("spec JSON: malformed directions are named by their JSON path, and validated") {
    CHECK(json_error(with_directions("{}")) == "spec: sites[0].directions is not an array");
    CHECK(json_error(with_directions(R"([{"bias": "x", "value": 1}])")) ==
          "spec: sites[0].directions[0].vector is missing");
    CHECK(json_error(with_directions(R"([{"bias": "x", "vector": [1]}])")) ==
          "spec: sites[0].directions[0].value is missing");
    CHECK(json_error(with_directions(R"([{"value": 1, "vector": [1]}])")) ==
          "spec: sites[0].directions[0].bias is missing");
    CHECK(json_error(with_directions(R"([{"bias": "x", "value": 1, "vector": [1, "a"]}])")) ==
          "spec: sites[0].directions[0].vector[1] is not a number");
    CHECK(json_error(with_directions(R"([{"bias": "x", "value": 1, "vector": [1], "norm": 1}])")) ==
          "spec: sites[0].directions[0].norm is not a known field");
    CHECK(json_error(with_directions(R"([{"bias": "x", "value": 1e300, "vector": [1]}])")) ==
          "spec: sites[0].directions[0].value is outside the float32 range");
    CHECK_THAT(json_error(with_directions(R"([{"bias": "x", "value": 1, "vector": [0.5, 0.5]}])")),
               Catch::Contains("direction 0 of site 's' has length"));
    CHECK_THAT(json_error(with_directions(
                   R"([{"bias": "x", "value": 1, "vector": [1, 0]}, {"bias": "y", "value": 0, "vector": [1, 0]}])")),
               Catch::Contains("direction 1 of site 's' is not orthogonal to direction 0"));
    CHECK(json_error(with_directions(R"([{"bias": "x", "value": 1, "vector": [1, 0]}])")) == "(no error)");
}

TEST_CASE("spec safetensors: direction tensors must come in pairs of the right shapes") {
    using td = st::tensor_data;
    const std::vector<std::int64_t> none;
    const std::vector<float> empty, u = {0.6f, 0.8f, 0.0f, 0.0f, 0.0f, 1.0f}, m = {1.0f, 2.0f}, m3 = {1.0f, 2.0f, 3.0f};
    const std::map<std::string, std::string> meta = {{"format", "cirm-spec"}, {"version", "1"}, {"sites", "[\"a\"]"}};
    const auto file = [&](std::vector<td> extra, std::map<std::string, std::string> metadata) {
        std::vector<td> tensors = {td{"a.indices", st::dtype::i64, {0}, st::bytes_of(none)},
                                   td{"a.values", st::dtype::f32, {0}, st::bytes_of(empty)}};
        tensors.insert(tensors.end(), extra.begin(), extra.end());
        return st::serialize(tensors, metadata);
    };
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {2, 3}, st::bytes_of(u)}}, meta)) ==
          "spec: site 'a' has tensor 'a.directions' but not 'a.direction_values'");
    CHECK(binary_error(file({td{"a.direction_values", st::dtype::f32, {2}, st::bytes_of(m)}}, meta)) ==
          "spec: site 'a' has tensor 'a.direction_values' but not 'a.directions'");
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {6}, st::bytes_of(u)},
                             td{"a.direction_values", st::dtype::f32, {2}, st::bytes_of(m)}},
                            meta)) == "spec: tensor 'a.directions' has shape [6], expected two dimensions [r, width]");
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {2, 3}, st::bytes_of(u)},
                             td{"a.direction_values", st::dtype::f32, {3}, st::bytes_of(m3)}},
                            meta)) == "spec: site 'a' has 2 directions but 3 direction values");
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {2, 3}, st::bytes_of(u)},
                             td{"a.direction_values", st::dtype::f32, {2}, st::bytes_of(m)}},
                            meta)) == "(no error)");
    auto with_biases = meta;
    with_biases["direction_biases"] = R"({"a": ["length"]})";
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {2, 3}, st::bytes_of(u)},
                             td{"a.direction_values", st::dtype::f32, {2}, st::bytes_of(m)}},
                            with_biases)) ==
          "spec: __metadata__.direction_biases.a has 1 entries for the site's 2 directions");
    with_biases["direction_biases"] = R"({"b": []})";
    CHECK(binary_error(file({td{"a.directions", st::dtype::f32, {2, 3}, st::bytes_of(u)},
                             td{"a.direction_values", st::dtype::f32, {2}, st::bytes_of(m)}},
                            with_biases)) ==
          "spec: __metadata__.direction_biases.b names a site that __metadata__ sites does not list");
}
