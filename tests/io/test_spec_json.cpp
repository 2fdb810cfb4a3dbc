#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "cirm/io/spec_json.hpp"

namespace fs = std::filesystem;

namespace {

/// A spec with two sites, budgets in a non-alphabetical order, and chosen_by lists whose bias
/// order is not alphabetical either (so a sorted map anywhere would be caught).
cirm::spec sample_spec() {
    cirm::spec s;
    s.positions = cirm::positions::all;
    s.replacement = cirm::replacement::mean;
    s.budgets = {{"paragraphs", 100}, {"length", 500}, {"bold", 0}};
    s.provenance = {{"length", "paragraphs", "bold"},
                    1000,
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    123456};
    cirm::spec_site a;
    a.name = "model.layers.0.self_attn.q_proj";
    a.indices = {3, 17, 4095};
    a.values = {0.1f, -1.0f / 3.0f, std::numeric_limits<float>::denorm_min()};
    a.chosen_by = {{{"paragraphs", 0.1}, {"length", 1.0 / 3.0}}, {{"length", -0.12345678901234568}}, {}};
    cirm::spec_site b;
    b.name = "model.layers.2.mlp.up_proj";
    b.indices = {0, 9};
    b.values = {std::numeric_limits<float>::max(), -0.0f};
    b.chosen_by = {{{"bold", std::numeric_limits<double>::denorm_min()}}, {{"bold", -1.0}}};
    s.sites = {a, b};
    return s;
}

std::string load_error(const std::string& text) {
    try {
        (void)cirm::spec_from_json(text);
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

/// A minimal valid document with `neuron` as the only neuron of site "s".
std::string with_neuron(const std::string& neuron) {
    return R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "neurons": [)" + neuron + "]}]}";
}

}  // namespace

// The expected text is written out by hand from the schema in spec_json.hpp, so it checks the
// layout independently of the writer: key order, one neuron per line, shortest float text.
TEST_CASE("spec_to_json writes the documented layout") {
    cirm::spec s;
    s.budgets = {{"length", 500}, {"bold", 50}};
    s.provenance = {{"length", "bold"}, 8, "ab", 64};
    s.sites = {{"model.layers.1.mlp.up_proj", {2, 5}, {0.1f, -2.5f}, {{{"length", 0.5}, {"bold", -0.25}}, {}}},
               {"model.layers.3.mlp.down_proj", {}, {}, {}}};
    const std::string expected =
        "{\n"
        "  \"format\": \"cirm-spec\",\n"
        "  \"version\": 1,\n"
        "  \"positions\": \"last\",\n"
        "  \"replacement\": \"median\",\n"
        "  \"budgets\": [{\"bias\": \"length\", \"k\": 500}, {\"bias\": \"bold\", \"k\": 50}],\n"
        "  \"provenance\": {\"attributes\": [\"length\", \"bold\"], \"samples\": 8, \"data_hash\": \"ab\", "
        "\"total_neurons\": 64},\n"
        "  \"sites\": [\n"
        "    {\"name\": \"model.layers.1.mlp.up_proj\", \"neurons\": [\n"
        "      {\"index\": 2, \"value\": 0.1, \"chosen_by\": {\"length\": 0.5, \"bold\": -0.25}},\n"
        "      {\"index\": 5, \"value\": -2.5, \"chosen_by\": {}}\n"
        "    ]},\n"
        "    {\"name\": \"model.layers.3.mlp.down_proj\", \"neurons\": []}\n"
        "  ]\n"
        "}\n";
    CHECK(cirm::spec_to_json(s) == expected);
    CHECK(cirm::spec_from_json(expected) == s);
}

TEST_CASE("spec JSON round-trips exactly and is deterministic") {
    const cirm::spec s = sample_spec();
    const std::string text = cirm::spec_to_json(s);
    const cirm::spec back = cirm::spec_from_json(text);
    CHECK(back == s);
    // operator== treats -0.0f and 0.0f alike: compare the bits of every value too
    for (std::size_t i = 0; i < s.sites.size(); ++i)
        for (std::size_t n = 0; n < s.sites[i].values.size(); ++n)
            CHECK(std::bit_cast<std::uint32_t>(back.sites[i].values[n]) ==
                  std::bit_cast<std::uint32_t>(s.sites[i].values[n]));
    CHECK(cirm::spec_to_json(back) == text);
    cirm::spec copy = s;
    CHECK(cirm::spec_to_json(copy) == text);
    CHECK(text.find("\"value\": 0.1,") != std::string::npos);  // 0.1f is written as 0.1
}

TEST_CASE("spec JSON round-trips every kind of float32 and double bit pattern") {
    // 20000 pseudo-random finite float bit patterns (normals of every exponent, subnormals) and
    // as many doubles: each must come back bit for bit.
    cirm::spec s;
    cirm::spec_site site;
    site.name = "s";
    std::uint64_t state = 0x9e3779b97f4a7c15u;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (std::int64_t i = 0; i < 20000; ++i) {
        float f = 0;
        do f = std::bit_cast<float>(static_cast<std::uint32_t>(next()));
        while (!std::isfinite(f));
        double d = 0;
        do d = std::bit_cast<double>(next());
        while (!std::isfinite(d));
        site.indices.push_back(i);
        site.values.push_back(f);
        site.chosen_by.push_back({{"length", d}});
    }
    s.sites = {site};
    const cirm::spec back = cirm::spec_from_json(cirm::spec_to_json(s));
    REQUIRE(back.sites.size() == 1);
    std::size_t float_mismatches = 0, double_mismatches = 0;
    for (std::size_t i = 0; i < site.values.size(); ++i) {
        float_mismatches +=
            std::bit_cast<std::uint32_t>(back.sites[0].values[i]) != std::bit_cast<std::uint32_t>(site.values[i]);
        double_mismatches += std::bit_cast<std::uint64_t>(back.sites[0].chosen_by[i][0].rho) !=
                             std::bit_cast<std::uint64_t>(site.chosen_by[i][0].rho);
    }
    CHECK(float_mismatches == 0);
    CHECK(double_mismatches == 0);
}

TEST_CASE("spec JSON: a hand-made spec needs only format, version and sites") {
    const cirm::spec s = cirm::spec_from_json(with_neuron(R"({"index": 7, "value": 1.5})"));
    REQUIRE(s.sites.size() == 1);
    CHECK(s.positions == cirm::positions::last_token);
    CHECK(s.replacement == cirm::replacement::median);
    CHECK(s.budgets.empty());
    CHECK(s.sites[0].indices == std::vector<std::int64_t>{7});
    CHECK(s.sites[0].values == std::vector<float>{1.5f});
    CHECK(s.sites[0].chosen_by.empty());
    CHECK(cirm::spec_from_json(cirm::spec_to_json(s)) == s);
}

TEST_CASE("spec JSON: wrong format or version is refused") {
    CHECK(load_error(R"({"version": 1, "sites": []})") == "spec: format is missing (is this a cirm spec?)");
    CHECK(load_error(R"({"format": "other", "version": 1, "sites": []})") ==
          "spec: format is \"other\", expected \"cirm-spec\"");
    CHECK(load_error(R"({"format": "cirm-spec", "version": 2, "sites": []})") ==
          "spec: version 2 is not supported (this build reads version 1)");
    CHECK(load_error(R"({"format": "cirm-spec", "version": "1", "sites": []})") ==
          "spec: version \"1\" is not supported (this build reads version 1)");
    CHECK(load_error(R"({"format": "cirm-spec", "sites": []})") == "spec: version is missing");
    CHECK(load_error("[1]") == "spec: the document is not a JSON object");
    CHECK_THAT(load_error("{\"format\": "), Catch::StartsWith("spec: the document is not valid JSON: "));
}

TEST_CASE("spec JSON: malformed fields are named by their JSON path") {
    CHECK(load_error(with_neuron(R"({"index": 1, "value": "0.5"})")) ==
          "spec: sites[0].neurons[0].value is not a number");
    CHECK(load_error(with_neuron(R"({"index": -1, "value": 0.5})")) ==
          "spec: sites[0].neurons[0].index is not a non-negative integer");
    CHECK(load_error(with_neuron(R"({"index": 1.0, "value": 0.5})")) ==
          "spec: sites[0].neurons[0].index is not a non-negative integer");
    CHECK(load_error(with_neuron(R"({"value": 0.5})")) == "spec: sites[0].neurons[0].index is missing");
    CHECK(load_error(with_neuron(R"({"index": 1, "valeu": 0.5})")) ==
          "spec: sites[0].neurons[0].valeu is not a known field");
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 1e39})")) ==
          "spec: sites[0].neurons[0].value is outside the float32 range");
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 0.5, "chosen_by": {"length": "high"}})")) ==
          "spec: sites[0].neurons[0].chosen_by.length is not a number");
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 0.5, "chosen_by": [0.5]})")) ==
          "spec: sites[0].neurons[0].chosen_by is not an object");
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 0.5, "chosen_by": {}}, {"index": 2, "value": 0.5})")) ==
          "spec: sites[0].neurons[1].chosen_by is missing, but earlier neurons of this site have one");
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 0.5}, {"index": 2, "value": 0.5, "chosen_by": {}})")) ==
          "spec: sites[0].neurons[1].chosen_by is given, but earlier neurons of this site have none");
    CHECK(load_error(with_neuron("7")) == "spec: sites[0].neurons[0] is not an object");

    const std::string head = R"({"format": "cirm-spec", "version": 1, )";
    CHECK(load_error(head + R"("sites": [{"name": "a", "neurons": []}, {"neurons": []}]})") ==
          "spec: sites[1].name is missing");
    CHECK(load_error(head + R"("sites": [{"name": 3, "neurons": []}]})") == "spec: sites[0].name is not a string");
    CHECK(load_error(head + R"("sites": {}})") == "spec: sites is not an array");
    CHECK(load_error(head + R"("sites": [{"name": "a"}]})") == "spec: sites[0].neurons is missing");
    CHECK(load_error(head + R"("budgets": [{"bias": "length", "k": -5}], "sites": []})") ==
          "spec: budgets[0].k is not a non-negative integer");
    CHECK(load_error(head + R"("budgets": {"length": 5}, "sites": []})") == "spec: budgets is not an array");
    CHECK(load_error(head + R"("provenance": {"samples": "many"}, "sites": []})") ==
          "spec: provenance.samples is not a non-negative integer");
    CHECK(load_error(head + R"("provenance": {"attributes": ["a", 1]}, "sites": []})") ==
          "spec: provenance.attributes[1] is not a string");
    CHECK(load_error(head + R"("positions": "first", "sites": []})") ==
          "spec: positions: unknown positions mode 'first' (expected last or all)");
    CHECK(load_error(head + R"("replacement": "max", "sites": []})") ==
          "spec: replacement: unknown replacement 'max' (expected median, mean, zero or swap)");
    CHECK(load_error(head + R"("positions": 1, "sites": []})") == "spec: positions is not a string");
    CHECK(load_error(head + R"("sites": [], "extra": true})") == "spec: extra is not a known field");
}

TEST_CASE("spec JSON: repeated keys are refused") {
    CHECK(load_error(with_neuron(R"({"index": 1, "value": 0.5, "chosen_by": {"length": 0.5, "length": 0.7}})")) ==
          "spec: the document has the key 'length' twice in sites[0].neurons[0].chosen_by");
    CHECK(load_error(R"({"format": "cirm-spec", "format": "cirm-spec", "version": 1, "sites": []})") ==
          "spec: the document has the key 'format' twice in the top-level object");
}

TEST_CASE("spec JSON: the loaded spec is validated") {
    CHECK_THAT(load_error(with_neuron(R"({"index": 5, "value": 0.5}, {"index": 2, "value": 0.5})")),
               Catch::Contains("site 's' indices are not strictly ascending"));
    const std::string head = R"({"format": "cirm-spec", "version": 1, )";
    CHECK_THAT(load_error(head + R"("sites": [{"name": "a", "neurons": []}, {"name": "a", "neurons": []}]})"),
               Catch::Contains("site 'a' appears twice"));
}

TEST_CASE("spec_to_json refuses specs it could not read back") {
    cirm::spec s = sample_spec();
    s.sites[0].chosen_by[0][0].rho = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(
        cirm::spec_to_json(s),
        Catch::Contains("rho of site 'model.layers.0.self_attn.q_proj' neuron 3") && Catch::Contains("is not finite"));
    cirm::spec invalid = sample_spec();
    invalid.sites[1].values[0] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(cirm::spec_to_json(invalid), Catch::Contains("non-finite value"));
    cirm::spec bad_name = sample_spec();
    bad_name.sites[1].name = "bad\xc3";
    CHECK_THROWS_WITH(cirm::spec_to_json(bad_name), Catch::Contains("is not valid UTF-8"));
}

TEST_CASE("spec JSON files: save and load, errors name the file") {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "spec_json";
    fs::create_directories(dir);
    const fs::path path = dir / "spec.json";
    const cirm::spec s = sample_spec();
    cirm::save_spec_json(path, s);
    CHECK(cirm::load_spec_json(path) == s);
    CHECK(cirm::read_file(path) == cirm::spec_to_json(s));

    const fs::path broken = dir / "broken.json";
    cirm::write_file_atomically(broken, with_neuron(R"({"index": 1, "value": null})"));
    CHECK_THROWS_WITH(cirm::load_spec_json(broken),
                      "spec: sites[0].neurons[0].value is not a number (in '" + broken.string() + "')");
    CHECK_THROWS_WITH(cirm::load_spec_json(dir / "missing.json"),
                      Catch::Contains("cannot read") && Catch::Contains("missing.json"));
}
