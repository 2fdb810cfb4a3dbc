// The catalogue of bad inputs (tests/bad_inputs/README.md lists it): one table of library
// cases and one of command-line cases. Each case builds its input in a scratch directory under
// CIRM_TEST_TMP and names the one-line error it must produce. A library case must throw a
// cirm::error whose message contains every expected fragment and is one line. A command-line
// case runs the built `cirm` binary and must exit with 1, print exactly one line
// "cirm <command>: error: <message>" on stderr containing every expected fragment, and leave
// nothing in its output directory. The expected texts are written from the rules the code
// states (file formats, docs/method.md), not copied from a run.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bad_inputs/bad_input_support.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/io/byte_level_tokenizer.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/reference/config.hpp"
#include "cirm/reference/model.hpp"

using namespace bad_inputs;

namespace {

// ---- building bad inputs ------------------------------------------------------------------

/// A tensor's elements as raw little-endian bytes of its dtype (F32 or BF16), all set to `value`.
void fill_tensor(safetensors_parts& parts, const std::string& name, float value, std::size_t only_element = SIZE_MAX) {
    const auto& entry = parts.header.at(name);
    const std::string dtype = entry.at("dtype").get<std::string>();
    const std::size_t begin = entry.at("data_offsets").at(0).get<std::size_t>();
    const std::size_t end = entry.at("data_offsets").at(1).get<std::size_t>();
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    const std::size_t width = dtype == "F32" ? 4 : 2;
    REQUIRE((dtype == "F32" || dtype == "BF16"));
    for (std::size_t at = begin, i = 0; at < end; at += width, ++i) {
        if (only_element != SIZE_MAX && i != only_element) continue;
        // BF16 is the top half of the float32 bits (exact for NaN and for the values used here)
        const std::uint32_t stored = width == 4 ? bits : bits >> 16;
        for (std::size_t b = 0; b < width; ++b) parts.data[at + b] = static_cast<char>((stored >> (8 * b)) & 0xffu);
    }
}

/// The fixture model's config.json with one field changed.
void edit_config(const fs::path& model, const std::function<void(nlohmann::ordered_json&)>& edit) {
    auto config = nlohmann::ordered_json::parse(read_bytes(model / "config.json"));
    edit(config);
    write_bytes(model / "config.json", config.dump(2));
}

/// JSONL of `count` pairs without "\n\n", "!" or "**" (so paragraphs, exclamation and bold are
/// constant) and with lengths that differ.
std::string plain_pairs(std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i)
        text += "{\"id\": \"q" + std::to_string(i) + "\", \"prompt\": \"p" + std::to_string(i) + "\", \"chosen\": \"" +
                std::string(i + 1, 'a') + "\", \"rejected\": \"" + std::string(2 * i + 3, 'b') + "\"}\n";
    return text;
}

/// A spec for the Llama fixture, as JSON, editing one neuron of `site` (index `index`), with the
/// model size `total_neurons` in its provenance (0 = not recorded).
std::string one_neuron_spec(const std::string& site, int index, std::size_t total_neurons = 0) {
    std::string provenance;
    if (total_neurons)
        provenance = ", \"provenance\": {\"attributes\": [\"length\"], \"samples\": 80, \"data_hash\": \"0\", "
                     "\"total_neurons\": " +
                     std::to_string(total_neurons) + "}";
    return "{\"format\": \"cirm-spec\", \"version\": 1" + provenance + ", \"sites\": [{\"name\": \"" + site +
           "\", \"neurons\": [{\"index\": " + std::to_string(index) + ", \"value\": 0.5}]}]}";
}

/// An evaluation document that follows the contract of `cirm eval --out` (apps/cirm/README.md).
nlohmann::ordered_json minimal_eval_document() {
    return nlohmann::ordered_json::parse(R"({"model": "m", "data": "d", "pairs": 1, "neutral_pairs": 0,
        "methods": {"base": {"all": 1.0, "neutral": null, "subsets": {}, "flip_rate": {}}},
        "spec": null, "flip_pairs": 0})");
}

/// A spec with one site `s` as safetensors, its two tensors given.
std::string spec_safetensors_file(cirm::safetensors::dtype index_type, const std::string& index_bytes, float value) {
    namespace st = cirm::safetensors;
    const std::string value_bytes(reinterpret_cast<const char*>(&value), sizeof value);
    const std::vector<st::tensor_data> tensors{
        {"s.indices", index_type, {1}, std::as_bytes(std::span<const char>(index_bytes.data(), index_bytes.size()))},
        {"s.values",
         st::dtype::f32,
         {1},
         std::as_bytes(std::span<const char>(value_bytes.data(), value_bytes.size()))}};
    return st::serialize(tensors, {{"format", "cirm-spec"}, {"version", "1"}, {"sites", "[\"s\"]"}});
}

// ---- the library cases ---------------------------------------------------------------------

struct library_case {
    std::string name;
    std::function<void(const case_dir&)> run;  ///< must throw cirm::error
    std::vector<std::string> expected;         ///< fragments of the message
};

std::vector<library_case> library_cases() {
    namespace st = cirm::safetensors;
    const auto read_safetensors = [](const std::string& bytes) {
        (void)st::reader(std::string_view(bytes), "t.safetensors");
    };
    return {
        {"safetensors_header_past_end_of_file",
         [=](const case_dir&) { read_safetensors(length_field(1000) + "{}"); },
         {"header length 1000 runs past the end of the file (only 2 bytes follow the length field)"}},
        {"safetensors_header_over_100_mb",
         [=](const case_dir&) { read_safetensors(length_field(100'000'001) + "{}"); },
         {"header length 100000001 exceeds the limit of 100000000 bytes"}},
        {"safetensors_offsets_overlap",
         [=](const case_dir&) {
             read_safetensors(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                                R"("b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})",
                                                "xyz"));
         },
         {"tensor 'b' data_offsets begin at 1, inside tensor 'a' which ends at 2", "tensors overlap"}},
        {"safetensors_offsets_leave_a_hole",
         [=](const case_dir&) {
             read_safetensors(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "xy"));
         },
         {"tensor 'a' data_offsets begin at 1 but the data before it ends at 0", "a hole in the data buffer"}},
        {"safetensors_dtype_shape_mismatch",
         [=](const case_dir&) {
             read_safetensors(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})",
                                                std::string(12, '\0')));
         },
         {"tensor 'w' data_offsets span 12 bytes but dtype F32 × shape [2, 3] needs 24"}},
        {"safetensors_shape_overflows_64_bits",
         [=](const case_dir&) {
             read_safetensors(safetensors_bytes(
                 R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", "abcd"));
         },
         {"tensor 'w' size overflows: shape [1099511627776, 1099511627776]"}},
        {"safetensors_metadata_not_strings",
         [=](const case_dir&) { read_safetensors(safetensors_bytes(R"({"__metadata__":{"n":5}})", "")); },
         {"__metadata__ must map strings to strings, but key 'n' holds number"}},
        {"safetensors_tensor_named_twice",
         [=](const case_dir&) {
             read_safetensors(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                                                R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                                                "xy"));
         },
         {"duplicate tensor name 'a' in the header"}},
        {"jsonl_truncated_last_line",
         [](const case_dir&) {
             (void)cirm::parse_preference_jsonl("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                                                "{\"prompt\": \"q\", \"chosen\": \"c\", \"rej",
                                                "data.jsonl");
         },
         {"data.jsonl:2: not valid JSON (the last line looks truncated)"}},
        {"jsonl_invalid_utf8",
         [](const case_dir&) {
             // the lone lead byte 0xC3 is byte 27 of the line: {"prompt": "p", "chosen": " is 27 bytes
             (void)cirm::parse_preference_jsonl("{\"prompt\": \"p\", \"chosen\": \"\xc3(\", \"rejected\": \"b\"}\n",
                                                "data.jsonl");
         },
         {"data.jsonl:1: invalid UTF-8 at byte 27 of the line: truncated sequence"}},
        {"jsonl_duplicate_ids",
         [](const case_dir&) {
             (void)cirm::parse_preference_jsonl(
                 "{\"id\": \"x\", \"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n\n"
                 "{\"id\": \"x\", \"prompt\": \"q\", \"chosen\": \"c\", \"rejected\": \"d\"}\n",
                 "data.jsonl");
         },
         {"data.jsonl:3: duplicate id 'x' (first on line 1)"}},
        {"jsonl_key_twice",
         [](const case_dir&) {
             (void)cirm::parse_preference_jsonl(
                 "{\"prompt\": \"p\", \"chosen\": \"a\", \"chosen\": \"c\", \"rejected\": \"b\"}", "data.jsonl");
         },
         {"data.jsonl:1: key 'chosen' appears twice"}},
        {"jsonl_nul_byte",
         [](const case_dir&) {
             std::string line = "{\"prompt\": \"p\"";  // 14 bytes, then the NUL
             line += '\0';
             line += ", \"chosen\": \"a\", \"rejected\": \"b\"}\n";
             (void)cirm::parse_preference_jsonl(line, "data.jsonl");
         },
         {"data.jsonl:1: not valid JSON: NUL byte at offset 14"}},
        {"spec_json_unknown_field",
         [](const case_dir&) {
             (void)cirm::spec_from_json(R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "neurons": [)"
                                        R"({"index": 1, "value": 0.5, "weight": 2}]}]})");
         },
         {"spec: sites[0].neurons[0].weight is not a known field"}},
        {"spec_json_other_version",
         [](const case_dir&) { (void)cirm::spec_from_json(R"({"format": "cirm-spec", "version": 2, "sites": []})"); },
         {"spec: version 2 is not supported (this build reads version 1)"}},
        {"spec_json_indices_not_ascending",
         [](const case_dir&) {
             (void)cirm::spec_from_json(R"({"format": "cirm-spec", "version": 1, "sites": [{"name": "s", "neurons": [)"
                                        R"({"index": 5, "value": 1}, {"index": 2, "value": 1}]}]})");
         },
         {"spec: site 's' indices are not strictly ascending at position 1"}},
        {"spec_safetensors_nan_value",
         [](const case_dir&) {
             const std::int64_t index = 0;
             const std::string bytes = spec_safetensors_file(cirm::safetensors::dtype::i64,
                                                             std::string(reinterpret_cast<const char*>(&index), 8),
                                                             std::numeric_limits<float>::quiet_NaN());
             (void)cirm::spec_from_safetensors(std::string_view(bytes));
         },
         {"spec: site 's' neuron 0 has a non-finite value"}},
        {"spec_safetensors_indices_not_i64",
         [](const case_dir&) {
             const float index = 0.0f;
             const std::string bytes = spec_safetensors_file(
                 cirm::safetensors::dtype::f32, std::string(reinterpret_cast<const char*>(&index), 4), 0.5f);
             (void)cirm::spec_from_safetensors(std::string_view(bytes));
         },
         {"spec: tensor 's.indices' has dtype F32, expected I64"}},
        {"spec_site_that_does_not_exist",
         [](const case_dir&) {
             const auto config = cirm::reference::load_llama_config(fs::path(llama_fixture()) / "config.json");
             const auto spec = cirm::spec_from_json(one_neuron_spec("model.layers.7.mlp.up_proj", 1));
             spec.validate_against(cirm::reference::llama_site_layout(config));  // the fixture has layers 0-2
         },
         {"spec names site 'model.layers.7.mlp.up_proj', which the model does not have"}},
        {"config_missing_field",
         [](const case_dir&) {
             (void)cirm::reference::parse_llama_config(
                 R"({"intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 300, "rms_norm_eps": 1e-6})");
         },
         {"config.json: missing field 'hidden_size'"}},
        {"config_rope_scaling",
         [](const case_dir&) {
             (void)cirm::reference::parse_llama_config(
                 R"({"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                     "vocab_size": 300, "rms_norm_eps": 1e-6, "rope_scaling": {"type": "yarn", "factor": 2}})");
         },
         {"config.json: rope_scaling: rope type 'yarn' is not supported (default, linear and llama3 are)"}},
        {"config_gemma2_sliding_window_not_a_size",
         [](const case_dir&) {
             (void)cirm::reference::parse_llama_config(
                 R"({"model_type": "gemma2", "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "vocab_size": 300, "rms_norm_eps": 1e-6, "sliding_window": -4})");
         },
         {"config.json: field 'sliding_window' must be a positive integer (found -4)"}},
        {"tokenizer_config_template_list_without_default",
         [](const case_dir&) {
             (void)cirm::parse_tokenizer_config(R"({"chat_template": [{"name": "tool_use", "template": "x"}]})");
         },
         {"tokenizer_config.json: 'chat_template' lists the templates tool_use but none named 'default'"}},
        {"tokenizer_config_special_token_of_wrong_type",
         [](const case_dir&) { (void)cirm::parse_tokenizer_config(R"({"bos_token": 1})"); },
         {"tokenizer_config.json: 'bos_token' must be a string, null or an object with a string 'content'"}},
        {"byte_level_specials_share_an_id",
         [](const case_dir&) {
             (void)cirm::byte_level_tokenizer_json({{"<a>", 256}, {"<b>", 256}});
         },
         {"byte-level tokenizer: two special tokens share id 256"}},
        {"attribute_on_invalid_utf8",
         [](const case_dir&) { (void)cirm::make_attribute("overlap")("ab\xff", "x"); },
         {"invalid UTF-8 at byte 2 of the prompt: byte 0xF8-0xFF never occurs in UTF-8"}},
        {"nan_activation",
         [](const case_dir&) {
             const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 3}});
             cirm::activation_store store(layout, 2);
             const float values[] = {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
             store.put(1, 0, values);
         },
         {"activation of site 'model.layers.0.mlp.up_proj' neuron 1 is NaN for sample 1"}},
    };
}

// ---- the command-line cases ----------------------------------------------------------------

/// The command line of a case, built once its inputs are written.
struct cli_run {
    std::vector<std::string> args;      ///< after the binary: the command first
    std::vector<std::string> expected;  ///< fragments of the error line
};

struct cli_case {
    std::string name;
    std::function<cli_run(const case_dir&)> make;  ///< writes the inputs under in/; outputs go under out/
};

std::vector<cli_case> cli_cases() {
    const std::string test = test_fixture(), validation = validation_fixture(), llama = llama_fixture();
    // `cirm score` of the test set on a model, writing under out/
    const auto score_with = [test](const fs::path& model, const case_dir& d) {
        return std::vector<std::string>{
            "score", "--model", model.string(), "--data", test, "--out", (d.out / "rewards.jsonl").string()};
    };
    return {
        {"checkpoint_nan_weight",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             auto parts = safetensors_parts::read(model / "model.safetensors");
             fill_tensor(parts, "model.layers.0.mlp.up_proj.weight", std::numeric_limits<float>::quiet_NaN(), 5);
             parts.write(model / "model.safetensors");
             return cli_run{score_with(model, d),
                            {"tensor 'model.layers.0.mlp.up_proj.weight' element 5 is NaN; weights must be finite"}};
         }},
        {"checkpoint_overflowing_activations_locate",
         [=](const case_dir& d) {
             // finite weights of 1e30 make q_proj's outputs overflow float32 (64 products of 1e30 × 1e30)
             const auto model = copy_model(llama, d.in / "model");
             auto parts = safetensors_parts::read(model / "model.safetensors");
             fill_tensor(parts, "model.layers.0.input_layernorm.weight", 1e30f);
             fill_tensor(parts, "model.layers.0.self_attn.q_proj.weight", 1e30f);
             parts.write(model / "model.safetensors");
             return cli_run{
                 {"locate", "--model", model.string(), "--data", validation, "--out", (d.out / "loc").string()},
                 {"activation of site 'model.layers.0.self_attn.q_proj' neuron 0 is", " for sample "}};
         }},
        {"checkpoint_overflowing_activations_score",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             auto parts = safetensors_parts::read(model / "model.safetensors");
             fill_tensor(parts, "model.layers.0.input_layernorm.weight", 1e30f);
             fill_tensor(parts, "model.layers.0.self_attn.q_proj.weight", 1e30f);
             parts.write(model / "model.safetensors");
             return cli_run{score_with(model, d),
                            {"the model gives a NaN reward for the response '", "(its activations overflow float32)"}};
         }},
        {"checkpoint_header_past_end_of_file",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             write_bytes(model / "model.safetensors", length_field(1000) + "{}");
             return cli_run{score_with(model, d),
                            {"model.safetensors: header length 1000 runs past the end of the file"}};
         }},
        {"checkpoint_header_over_100_mb",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             write_bytes(model / "model.safetensors", length_field(200'000'000) + "{}");
             return cli_run{score_with(model, d), {"header length 200000000 exceeds the limit of 100000000 bytes"}};
         }},
        {"checkpoint_truncated",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             const std::string bytes = read_bytes(model / "model.safetensors");
             write_bytes(model / "model.safetensors", bytes.substr(0, bytes.size() - 100));
             return cli_run{score_with(model, d), {"data buffer is", "bytes but the tensors' data_offsets end at"}};
         }},
        {"checkpoint_shape_mismatch",
         [=](const case_dir& d) {
             // a config that says intermediate_size 64 for a checkpoint made with 128
             const auto model = copy_model(llama, d.in / "model");
             edit_config(model, [](auto& c) { c["intermediate_size"] = 64; });
             // gate and up are [128, 64], down [64, 128]; whichever the file holds first is named
             return cli_run{score_with(model, d), {"tensor 'model.layers.0.mlp.", "has shape", ", expected [64, 64]"}};
         }},
        {"checkpoint_config_claims_2_31_layers",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             edit_config(model, [](auto& c) { c["num_hidden_layers"] = std::uint64_t{1} << 31; });
             // 9 tensors per layer (no biases) + embedding, final norm, score head
             return cli_run{
                 score_with(model, d),
                 {"describes a model of 2147483648 layers with 19327352835 tensors, but its checkpoint holds only 30"}};
         }},
        {"checkpoint_missing",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             fs::remove(model / "model.safetensors");
             return cli_run{score_with(model, d), {"no model.safetensors or model.safetensors.index.json in '"}};
         }},
        {"checkpoint_shard_outside_the_directory",
         [=](const case_dir& d) {
             const auto model = copy_model(sharded_fixture(), d.in / "model");
             auto index = nlohmann::ordered_json::parse(read_bytes(model / "model.safetensors.index.json"));
             index["weight_map"]["score.weight"] = "../elsewhere.safetensors";
             write_bytes(model / "model.safetensors.index.json", index.dump(2));
             return cli_run{
                 score_with(model, d),
                 {"weight_map entry 'score.weight' names shard '../elsewhere.safetensors', which is not a plain file "
                  "name in the model directory"}};
         }},
        {"config_not_json",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             write_bytes(model / "config.json", "{\"hidden_size\": 64,");
             return cli_run{score_with(model, d), {"config.json: not valid JSON"}};
         }},
        {"config_unsupported_activation",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             edit_config(model, [](auto& c) { c["hidden_act"] = "gelu"; });
             return cli_run{score_with(model, d),
                            {"hidden_act 'gelu' is not supported for llama (the engine implements silu)"}};
         }},
        {"chat_template_with_unknown_role",
         [=](const case_dir& d) {
             // the bundled model's template knows user and assistant only
             auto args = score_with(fs::path(CIRM_TEST_BUNDLED_MODEL), d);
             args.insert(args.end(), {"--system", "Be brief."});
             return cli_run{args, {"roles user and assistant only, not system"}};
         }},
        {"template_format_without_response",
         [=](const case_dir& d) {
             auto args = score_with(llama, d);
             args.insert(args.end(), {"--template", "Q: {prompt}"});
             return cli_run{args, {"must contain {prompt} and {response} exactly once each"}};
         }},
        {"model_without_tokenizer_config",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             std::filesystem::remove(model / "tokenizer_config.json");
             return cli_run{score_with(model, d), {"no tokenizer_config.json"}};
         }},
        {"tokenizer_ids_beyond_the_vocabulary",
         [=](const case_dir& d) {
             const auto model = copy_model(llama, d.in / "model");
             write_bytes(model / "tokenizer.json", cirm::byte_level_tokenizer_json({{"<bos>", 300}}));
             return cli_run{score_with(model, d), {"produces ids up to 300 but the model's vocab_size is 264"}};
         }},
        {"spec_for_a_model_of_another_size",
         [=](const case_dir& d) {
             write_bytes(d.in / "spec.json", one_neuron_spec("model.layers.0.mlp.up_proj", 3, 999));
             auto args = score_with(llama, d);
             args.insert(args.end(), {"--spec", (d.in / "spec.json").string()});
             return cli_run{args,
                            {"does not fit model", "it was made for a model with 999 neurons, this one has 1536"}};
         }},
        {"spec_site_that_does_not_exist",
         [=](const case_dir& d) {
             write_bytes(d.in / "spec.json", one_neuron_spec("model.layers.3.mlp.up_proj", 3));
             return cli_run{{"eval", "--model", llama, "--data", test, "--spec", (d.in / "spec.json").string(), "--out",
                             (d.out / "eval.json").string()},
                            {"spec names site 'model.layers.3.mlp.up_proj', which the model does not have"}};
         }},
        {"spec_index_past_the_site_width",
         [=](const case_dir& d) {
             write_bytes(d.in / "spec.json", one_neuron_spec("model.layers.0.mlp.up_proj", 128));
             return cli_run{
                 {"annotate", "--model", llama, "--data", fixture("cli/prompts.jsonl"), "--spec",
                  (d.in / "spec.json").string(), "--out", (d.out / "dpo.jsonl").string()},
                 {"neuron 128 of site 'model.layers.0.mlp.up_proj' is out of range (the site has width 128)"}};
         }},
        {"spec_that_is_a_checkpoint",
         [=](const case_dir& d) {
             auto args = score_with(llama, d);
             args.insert(args.end(), {"--spec", llama + "/model.safetensors"});
             return cli_run{args, {"spec: __metadata__ format is 'pt', expected 'cirm-spec'"}};
         }},
        {"budget_k_above_the_neuron_count",
         [=](const case_dir& d) {
             return cli_run{
                 {"locate", "--model", llama, "--data", validation, "--budgets", "100000", "--out", d.out.string()},
                 {"k = 100000 for attribute 'length' exceeds the 1536 neurons available"}};
         }},
        {"zero_variance_attribute",
         [=](const case_dir& d) {
             write_bytes(d.in / "plain.jsonl", plain_pairs(6));  // no "\n\n" in any of the 12 responses
             return cli_run{
                 {"locate", "--model", llama, "--data", (d.in / "plain.jsonl").string(), "--budgets", "2", "--out",
                  d.out.string()},
                 {"attribute 'paragraphs' was constant over the 12 samples, so no neuron correlates with it"}};
         }},
        {"budget_for_an_attribute_not_located",
         [=](const case_dir& d) {
             return cli_run{{"locate", "--model", llama, "--data", validation, "--budgets", "length=2,shouting=3",
                             "--out", d.out.string()},
                            {"--budgets: 'shouting' is not one of the located attributes"}};
         }},
        {"response_longer_than_the_model_context",
         [=](const case_dir& d) {
             std::string data = plain_pairs(5);
             data += "{\"id\": \"long\", \"prompt\": \"p\", \"chosen\": \"" + std::string(400, 'x') +
                     "\", \"rejected\": \"b\"}\n";
             write_bytes(d.in / "long.jsonl", data);
             return cli_run{
                 {"eval", "--model", llama, "--data", (d.in / "long.jsonl").string(), "--out",
                  (d.out / "eval.json").string()},
                 {"long.jsonl: pair 'long' (chosen): a sample of", "tokens exceeds max_position_embeddings (256)"}};
         }},
        {"jsonl_truncated_last_line",
         [=](const case_dir& d) {
             const std::string line = "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n";
             write_bytes(d.in / "cut.jsonl", line + line + "{\"prompt\": \"p\", \"cho");
             return cli_run{{"search", "--model", llama, "--data", (d.in / "cut.jsonl").string(), "--trials", "3",
                             "--out", d.out.string()},
                            {"cut.jsonl:3: not valid JSON (the last line looks truncated)"}};
         }},
        {"jsonl_invalid_utf8",
         [=](const case_dir& d) {
             write_bytes(d.in / "latin1.jsonl",
                         plain_pairs(2) + "{\"prompt\": \"caf\xe9\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
             // byte 15 of line 3 is 0xE9, a lead byte followed by '"', not a continuation byte
             return cli_run{
                 {"locate", "--model", llama, "--data", (d.in / "latin1.jsonl").string(), "--out", d.out.string()},
                 {"latin1.jsonl:3: invalid UTF-8 at byte 15 of the line: truncated sequence"}};
         }},
        {"jsonl_duplicate_ids",
         [=](const case_dir& d) {
             write_bytes(
                 d.in / "dup.jsonl",
                 plain_pairs(3) + "{\"id\": \"q1\", \"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "dup.jsonl").string(), "--out",
                             (d.out / "eval.json").string()},
                            {"dup.jsonl:4: duplicate id 'q1' (first on line 2)"}};
         }},
        {"jsonl_line_not_an_object",
         [=](const case_dir& d) {
             write_bytes(d.in / "array.jsonl", plain_pairs(1) + "[\"p\", \"a\", \"b\"]\n");
             return cli_run{{"score", "--model", llama, "--data", (d.in / "array.jsonl").string(), "--out",
                             (d.out / "r.jsonl").string()},
                            {"array.jsonl:2: not a JSON object (it is array)"}};
         }},
        {"single_responses_key_twice",
         [=](const case_dir& d) {
             write_bytes(
                 d.in / "responses.jsonl",
                 "{\"prompt\": \"p\", \"response\": \"a\"}\n{\"prompt\": \"p\", \"response\": \"a\", \"response\": \"b\"}\n");
             return cli_run{{"score", "--model", llama, "--data", (d.in / "responses.jsonl").string(), "--out",
                             (d.out / "r.jsonl").string()},
                            {"responses.jsonl:2: key 'response' appears twice"}};
         }},
        {"candidates_not_strings",
         [=](const case_dir& d) {
             write_bytes(d.in / "prompts.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\", 7]}\n");
             return cli_run{{"annotate", "--model", llama, "--data", (d.in / "prompts.jsonl").string(), "--out",
                             (d.out / "dpo.jsonl").string()},
                            {"prompts.jsonl:1: 'responses[1]' is not a string"}};
         }},
        {"rm_bench_item_with_two_variants",
         [=](const case_dir& d) {
             write_bytes(d.in / "rmbench.jsonl",
                         "{\"prompt\": \"p\", \"chosen\": [\"a\", \"b\", \"c\"], \"rejected\": [\"d\", \"e\", \"f\"]}\n"
                         "{\"prompt\": \"q\", \"chosen\": [\"a\", \"b\"], \"rejected\": [\"d\", \"e\", \"f\"]}\n");
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "rmbench.jsonl").string(), "--out",
                             (d.out / "eval.json").string()},
                            {"rmbench.jsonl:2: field 'chosen' must be an array of 3 strings (RM-Bench format)"}};
         }},
        {"reward_bench_2_num_correct_mismatch",
         [=](const case_dir& d) {
             write_bytes(d.in / "rb2.jsonl",
                         "{\"prompt\": \"p\", \"chosen\": [\"a\"], \"rejected\": [\"b\", \"c\"], \"num_correct\": 1, "
                         "\"subset\": \"Focus\"}\n"
                         "{\"prompt\": \"q\", \"chosen\": [\"a\"], \"rejected\": [\"b\"], \"num_correct\": 2, "
                         "\"subset\": \"Focus\"}\n");
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "rb2.jsonl").string(), "--out",
                             (d.out / "eval.json").string()},
                            {"rb2.jsonl:2: field 'num_correct' must be the number of 'chosen' completions (1)"}};
         }},
        {"reward_bench_2_ties_id_without_kind",
         [=](const case_dir& d) {
             write_bytes(d.in / "rb2.jsonl",
                         "{\"prompt\": \"p\", \"chosen\": [\"a\"], \"rejected\": [\"b\"], \"num_correct\": 1, "
                         "\"subset\": \"Ties\", \"id\": \"12\"}\n");
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "rb2.jsonl").string(), "--no-flip-rates",
                             "--out", (d.out / "eval.json").string()},
                            {"Ties: id '12' is not 'ref:<key>' or 'tied:<key>'"}};
         }},
        {"reward_bench_2_with_a_swap_spec",
         [=](const case_dir& d) {
             write_bytes(d.in / "rb2.jsonl",
                         "{\"prompt\": \"p\", \"chosen\": [\"a\"], \"rejected\": [\"b\"], \"num_correct\": 1, "
                         "\"subset\": \"Focus\"}\n");
             std::string swap = one_neuron_spec("model.layers.0.mlp.up_proj", 3);
             swap.insert(swap.find(", \"sites\""), ", \"replacement\": \"swap\"");
             write_bytes(d.in / "spec.json", swap);
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "rb2.jsonl").string(), "--spec",
                             (d.in / "spec.json").string(), "--out", (d.out / "eval.json").string()},
                            {"uses the swap replacement", "best-of-N needs one reward per completion"}};
         }},
        {"reward_bench_pair_without_subset",
         [=](const case_dir& d) {
             write_bytes(d.in / "rb.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
             return cli_run{{"eval", "--model", llama, "--data", (d.in / "rb.jsonl").string(), "--format",
                             "rewardbench", "--out", (d.out / "eval.json").string()},
                            {"rb.jsonl:1: missing field 'subset'"}};
         }},
        {"unknown_test_set_format",
         [=](const case_dir& d) {
             return cli_run{{"eval", "--model", llama, "--data", test, "--format", "rewardbench3", "--out",
                             (d.out / "eval.json").string()},
                            {"unknown test set format 'rewardbench3'"}};
         }},
        {"search_with_no_trials",
         [=](const case_dir& d) {
             return cli_run{
                 {"search", "--model", llama, "--data", validation, "--trials", "0", "--out", d.out.string()},
                 {"--trials must be at least 1"}};
         }},
        {"unknown_positions_mode",
         [=](const case_dir& d) {
             return cli_run{{"locate", "--model", llama, "--data", validation, "--positions", "middle", "--budgets",
                             "2", "--out", d.out.string()},
                            {"unknown positions mode 'middle' (expected last or all)"}};
         }},
        {"output_directory_below_a_file",
         [=](const case_dir& d) {
             write_bytes(d.in / "file.txt", "not a directory");
             return cli_run{{"eval", "--model", llama, "--data", test, "--no-flip-rates", "--out",
                             (d.in / "file.txt" / "eval.json").string()},
                            {"cannot create directory '" + (d.in / "file.txt").string() + "'"}};
         }},
        {"report_spec_in_a_huge_layer",
         [=](const case_dir& d) {
             write_bytes(d.in / "eval.json", minimal_eval_document().dump());
             write_bytes(d.in / "spec.json", one_neuron_spec("model.layers.2000000000.mlp.up_proj", 1));
             return cli_run{{"report", "--eval", (d.in / "eval.json").string(), "--spec", (d.in / "spec.json").string(),
                             "--out", (d.out / "report.html").string()},
                            {"spec site 'model.layers.2000000000.mlp.up_proj' is in layer 10000 or later"}};
         }},
        {"report_eval_without_spec_field",
         [=](const case_dir& d) {
             auto document = minimal_eval_document();
             document.erase("spec");
             write_bytes(d.in / "eval.json", document.dump());
             return cli_run{
                 {"report", "--eval", (d.in / "eval.json").string(), "--out", (d.out / "report.html").string()},
                 {"eval.json: missing field 'spec' (null when no spec was evaluated)"}};
         }},
    };
}

}  // namespace

TEST_CASE("bad inputs to the library: each is one cirm::error with the expected message") {
    const auto cases = library_cases();
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            const auto d = fresh_case("library", c.name);
            std::string message;
            try {
                c.run(d);
            } catch (const cirm::error& e) {
                message = e.what();
            }
            INFO("message: " << message);
            REQUIRE_FALSE(message.empty());  // it threw a cirm::error
            for (const auto& fragment : c.expected) CHECK_THAT(message, Catch::Contains(fragment));
            CHECK(message.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("bad inputs to the cirm tool: exit 1, one error line, no output left behind") {
    const auto cases = cli_cases();
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            const auto d = fresh_case("cli", c.name);
            const auto run = c.make(d);
            const auto result = run_cli(run.args, d.root);
            const std::string prefix = "cirm " + run.args.front() + ": error: ";
            INFO("stderr: " << result.err);
            CHECK(result.exit_code == 1);
            REQUIRE(result.err.size() > prefix.size());
            CHECK(result.err.compare(0, prefix.size(), prefix) == 0);
            CHECK(result.err.find('\n') == result.err.size() - 1);  // exactly one line
            for (const auto& fragment : run.expected) CHECK_THAT(result.err, Catch::Contains(fragment));
            CHECK(entries_under(d.out).empty());
        }
    }
}

TEST_CASE("the catalogue holds at least 30 bad inputs, each named once") {
    std::vector<std::string> names;
    for (const auto& c : library_cases()) names.push_back("library/" + c.name);
    for (const auto& c : cli_cases()) names.push_back("cli/" + c.name);
    CHECK(names.size() >= 30);
    std::sort(names.begin(), names.end());
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}
