// Site widths in spec files: written where the spec records them, read back, and optional on
// reading (files without them are read with the widths not recorded).
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"

namespace st = cirm::safetensors;

namespace {

cirm::spec spec_with_widths() {
    cirm::spec s;
    s.provenance = {{"length"}, 10, "", 12};
    s.sites = {{.name = "model.layers.0.mlp.up_proj", .indices = {1, 5}, .values = {0.5f, -1.0f}, .width = 8},
               {.name = "model.layers.1.mlp.up_proj", .indices = {0}, .values = {2.0f}, .width = 4}};
    return s;
}

std::string width_json_error(const std::string& text) {
    try {
        (void)cirm::spec_from_json(text);
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

// The expected text is written by hand from the schema in spec_json.hpp.
TEST_CASE("spec JSON writes a recorded width after the site's name") {
    cirm::spec s;
    s.sites = {{.name = "a", .indices = {3}, .values = {0.5f}, .width = 8},
               {.name = "b", .indices = {0}, .values = {1.0f}}};
    CHECK(cirm::spec_to_json(s) ==
          "{\n  \"format\": \"cirm-spec\",\n  \"version\": 1,\n  \"positions\": \"last\",\n"
          "  \"replacement\": \"median\",\n  \"budgets\": [],\n"
          "  \"provenance\": {\"attributes\": [], \"samples\": 0, \"data_hash\": \"\", \"total_neurons\": 0},\n"
          "  \"sites\": [\n"
          "    {\"name\": \"a\", \"width\": 8, \"neurons\": [\n"
          "      {\"index\": 3, \"value\": 0.5}\n"
          "    ]},\n"
          "    {\"name\": \"b\", \"neurons\": [\n"
          "      {\"index\": 0, \"value\": 1.0}\n"
          "    ]}\n"
          "  ]\n}\n");
}

TEST_CASE("widths survive a JSON and a safetensors round trip") {
    const cirm::spec s = spec_with_widths();
    const cirm::spec from_json = cirm::spec_from_json(cirm::spec_to_json(s));
    CHECK(from_json == s);
    CHECK(from_json.sites[1].width == 4);
    const std::string bytes = cirm::spec_to_safetensors(s);
    const cirm::spec from_safetensors = cirm::spec_from_safetensors(std::string_view(bytes));
    CHECK(from_safetensors == s);
    CHECK(from_safetensors.sites[0].width == 8);
    CHECK(st::reader(std::string_view(bytes)).metadata().at("widths") ==
          R"({"model.layers.0.mlp.up_proj": 8, "model.layers.1.mlp.up_proj": 4})");
}

TEST_CASE("a spec file without widths is read with the widths not recorded") {
    const cirm::spec s = cirm::spec_from_json(
        R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "neurons": [{"index": 2, "value": 1.5}]}]})");
    REQUIRE(s.sites.size() == 1);
    CHECK(s.sites[0].width == 0);

    cirm::spec no_widths = spec_with_widths();
    for (auto& site : no_widths.sites) site.width = 0;
    const std::string bytes = cirm::spec_to_safetensors(no_widths);
    CHECK(st::reader(std::string_view(bytes)).metadata().count("widths") == 0);
    CHECK(cirm::spec_from_safetensors(std::string_view(bytes)) == no_widths);
}

TEST_CASE("a bad width in a spec file is an error naming it") {
    CHECK(width_json_error(
              R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "width": 0, "neurons": []}]})") ==
          "spec: sites[0].width is 0 (a site's width is positive; leave it out if it is not known)");
    CHECK(width_json_error(
              R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "width": -3, "neurons": []}]})") ==
          "spec: sites[0].width is not a non-negative integer");
    CHECK_THAT(
        width_json_error(R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "width": 4, "neurons": [)"
                         R"({"index": 4, "value": 1.0}]}]})"),
        Catch::Contains("neuron 4 of site 's' is out of range (the spec records width 4)"));

    // safetensors: a width for a site the file does not list
    const std::vector<std::int64_t> idx{1};
    const std::vector<float> val{0.5f};
    const std::vector<st::tensor_data> tensors = {{"a.indices", st::dtype::i64, {1}, st::bytes_of(idx)},
                                                  {"a.values", st::dtype::f32, {1}, st::bytes_of(val)}};
    std::map<std::string, std::string> metadata = {{"format", "cirm-spec"}, {"version", "1"}, {"sites", "[\"a\"]"}};
    metadata["widths"] = R"({"b": 4})";
    CHECK_THROWS_WITH(cirm::spec_from_safetensors(std::string_view(st::serialize(tensors, metadata))),
                      Catch::Contains("__metadata__.widths.b names a site that __metadata__ sites does not list"));
    metadata["widths"] = R"({"a": 4})";
    CHECK(cirm::spec_from_safetensors(std::string_view(st::serialize(tensors, metadata))).sites[0].width == 4);
}
