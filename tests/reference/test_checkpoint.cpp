// Loading a checkpoint: dtypes, in-place mapping versus conversion, shards, and a clear error
// naming the tensor (or the file) for every kind of broken checkpoint.
#include "engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

namespace fs = std::filesystem;
using cirm::reference::llama_reward_model;

namespace {
const std::string main_model = "tiny_llama_gqa_bf16";

std::vector<float> rewards_of(const llama_reward_model& model) {
    const auto outputs = cirm_test::peer_outputs(main_model);
    const auto samples = cirm_test::peer_samples(outputs);
    std::vector<float> r(samples.size());
    model.score(samples, cirm::no_intervention{}, r);
    return r;
}

/// A copy of the main model whose model.safetensors is replaced by `tensors`.
fs::path model_with_tensors(const std::string& name, const std::vector<cirm_test::owned_tensor>& tensors) {
    const auto dir = cirm_test::copy_of_model(main_model, name);
    cirm_test::write_tensors(dir / "model.safetensors", tensors);
    return dir;
}

std::vector<cirm_test::owned_tensor> main_tensors() {
    return cirm_test::read_tensors(cirm_test::model_fixture(main_model) / "model.safetensors");
}

cirm_test::owned_tensor& tensor_named(std::vector<cirm_test::owned_tensor>& tensors, const std::string& name) {
    auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.name == name; });
    REQUIRE(it != tensors.end());
    return *it;
}
}  // namespace

TEST_CASE("BF16 and F16 weights are converted once, aligned F32 weights are used in place") {
    const llama_reward_model bf16(cirm_test::model_fixture(main_model));
    const std::size_t tensors = 1 + 3 * 9 + 2;  // embedding, 9 per layer, final norm, score
    CHECK(bf16.weights().tensors_converted() == tensors);
    CHECK(bf16.weights().tensors_in_place() == 0);

    const llama_reward_model sharded(cirm_test::model_fixture("tiny_llama_sharded_f32"));
    CHECK(sharded.weights().tensors_in_place() == 1 + 2 * (9 + 4 + 3) + 2);  // with 7 biases per layer
    CHECK(sharded.weights().tensors_converted() == 0);
}

TEST_CASE("the same values stored as F32, aligned or not, give bit-identical rewards") {
    const auto reference = rewards_of(llama_reward_model(cirm_test::model_fixture(main_model)));

    const auto f32 = cirm_test::as_f32(main_tensors());  // BF16 → F32 is exact
    const llama_reward_model aligned(model_with_tensors("f32_aligned", f32));
    CHECK(aligned.weights().tensors_in_place() == 30);  // 1 + 3 × 9 + 2
    CHECK(rewards_of(aligned) == reference);

    // Two more spaces of header padding put every tensor 2 bytes off 4-byte alignment: the
    // loader must copy instead of reading misaligned floats in place.
    std::string bytes = cirm_test::serialize_tensors(f32);
    std::uint64_t header_length = 0;
    std::memcpy(&header_length, bytes.data(), 8);
    bytes.insert(8 + static_cast<std::size_t>(header_length), "  ");
    header_length += 2;
    std::memcpy(bytes.data(), &header_length, 8);
    const auto dir = cirm_test::copy_of_model(main_model, "f32_misaligned");
    cirm_test::write_text(dir / "model.safetensors", bytes);
    const llama_reward_model misaligned(dir);
    CHECK(misaligned.weights().tensors_in_place() == 0);
    CHECK(misaligned.weights().tensors_converted() == 30);
    CHECK(rewards_of(misaligned) == reference);
}

TEST_CASE("a missing tensor is named") {
    auto tensors = main_tensors();
    std::erase_if(tensors, [](const auto& t) { return t.name == "model.layers.1.mlp.up_proj.weight"; });
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("missing", tensors)),
                      Catch::Contains("missing tensor 'model.layers.1.mlp.up_proj.weight' (shape [128, 64])"));
    auto no_score = main_tensors();
    std::erase_if(no_score, [](const auto& t) { return t.name == "score.weight"; });
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("missing_score", no_score)),
                      Catch::Contains("missing tensor 'score.weight'"));
}

TEST_CASE("an extra tensor is named") {
    auto tensors = main_tensors();
    tensors.push_back(tensor_named(tensors, "score.weight"));
    tensors.back().name = "lm_head.weight";
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("extra", tensors)),
                      Catch::Contains("unexpected tensor 'lm_head.weight'"));
    // A bias the config does not declare is extra too.
    auto biased = main_tensors();
    biased.push_back(tensor_named(biased, "model.layers.0.input_layernorm.weight"));
    biased.back().name = "model.layers.0.self_attn.o_proj.bias";
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("extra_bias", biased)),
                      Catch::Contains("unexpected tensor 'model.layers.0.self_attn.o_proj.bias'"));
    // Older transformers saved the rotary inverse frequencies; they are recomputed, so skipped.
    auto rotary = main_tensors();
    rotary.push_back(tensor_named(rotary, "model.layers.0.input_layernorm.weight"));
    rotary.back().name = "model.layers.2.self_attn.rotary_emb.inv_freq";
    CHECK_NOTHROW(llama_reward_model(model_with_tensors("rotary_buffer", rotary)));
}

TEST_CASE("a mis-shaped tensor is named with both shapes") {
    auto tensors = main_tensors();
    auto& k = tensor_named(tensors, "model.layers.2.self_attn.k_proj.weight");
    k.shape = {64, 32};  // same bytes, transposed shape
    CHECK_THROWS_WITH(
        llama_reward_model(model_with_tensors("misshaped", tensors)),
        Catch::Contains("tensor 'model.layers.2.self_attn.k_proj.weight' has shape [64, 32], expected [32, 64]"));

    auto score = main_tensors();
    auto& s = tensor_named(score, "score.weight");
    s.shape = {64};
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("flat_score", score)),
                      Catch::Contains("tensor 'score.weight' has shape [64], expected [1, 64]"));
}

TEST_CASE("a weight of a non-float dtype is named") {
    auto tensors = main_tensors();
    tensor_named(tensors, "model.norm.weight").type = cirm::safetensors::dtype::i16;  // same size as BF16
    CHECK_THROWS_WITH(llama_reward_model(model_with_tensors("int_weights", tensors)),
                      Catch::Contains("tensor 'model.norm.weight' has dtype I16; weights must be F32, F16 or BF16"));
}

TEST_CASE("a config that does not fit the tensors is caught by the shapes") {
    const auto dir = cirm_test::copy_of_model(main_model, "config_mismatch");
    auto config = nlohmann::json::parse(cirm::read_file(dir / "config.json"));
    config["num_key_value_heads"] = 4;
    cirm_test::write_text(dir / "config.json", config.dump());
    CHECK_THROWS_WITH(
        llama_reward_model(dir),
        Catch::Contains("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [32, 64], expected [64, 64]"));
    config["num_key_value_heads"] = 2;
    config["num_hidden_layers"] = 4;
    cirm_test::write_text(dir / "config.json", config.dump());
    CHECK_THROWS_WITH(llama_reward_model(dir),
                      Catch::Contains("missing tensor 'model.layers.3.input_layernorm.weight'"));
    config["num_hidden_layers"] = 2;
    cirm_test::write_text(dir / "config.json", config.dump());
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("unexpected tensor 'model.layers.2."));
}

TEST_CASE("truncated or lying safetensors files are refused with the reader's message") {
    const auto bytes = cirm::read_file(cirm_test::model_fixture(main_model) / "model.safetensors");
    const auto dir = cirm_test::copy_of_model(main_model, "truncated");
    cirm_test::write_text(dir / "model.safetensors", bytes.substr(0, bytes.size() - 100));
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::StartsWith("safetensors: ") &&
                                                   Catch::Contains("model.safetensors") &&
                                                   Catch::Contains("data buffer is"));
    cirm_test::write_text(dir / "model.safetensors", bytes.substr(0, 5));
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("shorter than the 8-byte header length field"));

    // A header that claims more bytes for a tensor than its offsets hold.
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    std::string header = bytes.substr(8, static_cast<std::size_t>(n));
    const auto at = header.find("\"model.norm.weight\"");
    REQUIRE(at != std::string::npos);
    const auto shape = header.find("[64]", at);
    REQUIRE(shape != std::string::npos);
    header.replace(shape, 4, "[65]");
    std::string lying = bytes.substr(0, 8) + header + bytes.substr(8 + static_cast<std::size_t>(n));
    cirm_test::write_text(dir / "model.safetensors", lying);
    CHECK_THROWS_WITH(llama_reward_model(dir),
                      Catch::Contains("tensor 'model.norm.weight' data_offsets span 128 bytes"));

    fs::remove(dir / "model.safetensors");
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("no model.safetensors or model.safetensors.index.json"));
}

TEST_CASE("a sharded checkpoint is read through its index, and a wrong index is named") {
    const std::string sharded = "tiny_llama_sharded_f32";
    const llama_reward_model model(cirm_test::model_fixture(sharded));
    CHECK(model.config().num_hidden_layers == 2);

    const auto dir = cirm_test::copy_of_model(sharded, "bad_index");
    const auto original = nlohmann::json::parse(cirm::read_file(dir / "model.safetensors.index.json"));
    auto rewrite = [&](const nlohmann::json& index) {
        cirm_test::write_text(dir / "model.safetensors.index.json", index.dump());
    };

    auto moved = original;
    moved["weight_map"]["score.weight"] = "model-00001-of-00002.safetensors";  // it lives in shard 2
    rewrite(moved);
    CHECK_THROWS_WITH(llama_reward_model(dir),
                      Catch::Contains("weight_map puts tensor 'score.weight' in 'model-00001-of-00002.safetensors'"));

    auto unlisted = original;
    unlisted["weight_map"].erase("model.norm.weight");
    rewrite(unlisted);
    CHECK_THROWS_WITH(llama_reward_model(dir),
                      Catch::Contains("tensor 'model.norm.weight' is in this shard but the index does not list it"));

    auto escaping = original;
    escaping["weight_map"]["score.weight"] = "../elsewhere.safetensors";
    rewrite(escaping);
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("not a plain file name in the model directory"));

    auto missing_shard = original;
    for (auto& [name, file] : missing_shard["weight_map"].items())
        if (file == "model-00002-of-00002.safetensors") file = "model-00003-of-00003.safetensors";
    rewrite(missing_shard);
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("model-00003-of-00003.safetensors"));

    rewrite(nlohmann::json{{"metadata", nlohmann::json::object()}});
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("missing object 'weight_map'"));
    cirm_test::write_text(dir / "model.safetensors.index.json", "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}");
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("key 'a' appears twice"));

    // The same tensor in two shards.
    rewrite(original);
    auto first = cirm_test::read_tensors(dir / "model-00001-of-00002.safetensors");
    auto second = cirm_test::read_tensors(dir / "model-00002-of-00002.safetensors");
    second.push_back(first.front());
    cirm_test::write_tensors(dir / "model-00002-of-00002.safetensors", second);
    auto doubled = original;
    rewrite(doubled);
    CHECK_THROWS_WITH(llama_reward_model(dir), Catch::Contains("is in this shard but the index does not list it here"));
}
