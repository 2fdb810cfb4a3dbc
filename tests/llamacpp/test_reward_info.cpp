// What the llama.cpp source reads from a GGUF reward model besides llama.cpp's own keys: the score
// head (missing, of the wrong length, of the wrong type: each refused naming the key) and the
// padding token the score is read before (config.json's, not the tokenizer's).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gguf.h>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/model_text.hpp"
#include "cirm/llamacpp/convert.hpp"
#include "cirm/llamacpp/gguf_reward_info.hpp"

namespace reward_info_test {
namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "reward_info";
    fs::create_directories(dir);
    return dir / name;
}

/// The bundled model as an F32 GGUF, once.
const fs::path& bundled_gguf() {
    static const fs::path path = [] {
        const auto p = scratch("bundled.gguf");
        cirm::llamacpp::convert_to_gguf(CIRM_TEST_BUNDLED_MODEL, p);
        return p;
    }();
    return path;
}

/// A copy of `source` with its metadata changed by `edit(gguf_context*)`: the new header (padded
/// to the alignment by gguf's writer), then the original data section unchanged (tensor offsets are
/// relative to that section).
template <class Edit>
fs::path edited_copy(const fs::path& source, const std::string& name, Edit edit) {
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    gguf_context* g = gguf_init_from_file(source.string().c_str(), params);
    REQUIRE(g != nullptr);
    const auto data_offset = static_cast<std::streamoff>(gguf_get_data_offset(g));
    edit(g);
    const auto out = scratch(name);
    const bool written = gguf_write_to_file(g, out.string().c_str(), /*only_meta=*/true);
    gguf_free(g);
    REQUIRE(written);
    std::ifstream in(source, std::ios::binary);
    in.seekg(data_offset);
    std::ofstream(out, std::ios::binary | std::ios::app) << in.rdbuf();
    return out;
}
}  // namespace reward_info_test

TEST_CASE("a GGUF without a usable score head is refused naming the key") {
    using namespace reward_info_test;
    const auto info = cirm::llamacpp::read_gguf_reward_info(bundled_gguf());
    REQUIRE(info.score_head.size() == info.config.hidden_size);

    const auto missing =
        edited_copy(bundled_gguf(), "no_head.gguf", [](gguf_context* g) { gguf_remove_key(g, "cirm.score_head"); });
    CHECK_THROWS_WITH(cirm::llamacpp::read_gguf_reward_info(missing),
                      Catch::Contains("metadata 'cirm.score_head' (the reward head) is missing"));

    const auto shorter = edited_copy(bundled_gguf(), "short_head.gguf", [&](gguf_context* g) {
        gguf_set_arr_data(g, "cirm.score_head", GGUF_TYPE_FLOAT32, info.score_head.data(), info.score_head.size() - 1);
    });
    CHECK_THROWS_WITH(cirm::llamacpp::read_gguf_reward_info(shorter),
                      Catch::Contains("metadata 'cirm.score_head' has " + std::to_string(info.score_head.size() - 1) +
                                      " values but embedding_length is " + std::to_string(info.config.hidden_size)));

    const auto as_text = edited_copy(bundled_gguf(), "text_head.gguf",
                                     [](gguf_context* g) { gguf_set_val_str(g, "cirm.score_head", "0.5"); });
    CHECK_THROWS_WITH(cirm::llamacpp::read_gguf_reward_info(as_text),
                      Catch::Contains("metadata 'cirm.score_head' is not an array of float32"));
}

TEST_CASE("the score's padding token is config.json's, written as cirm.pad_token_id") {
    using namespace reward_info_test;
    // The fixture's config.json sets pad_token_id 257.
    const auto fixture = scratch("gqa.gguf");
    cirm::llamacpp::convert_to_gguf(fs::path(CIRM_TEST_FIXTURES) / "reference" / "tiny_llama_gqa_bf16", fixture);
    CHECK(cirm::llamacpp::read_gguf_reward_info(fixture).pad_token_id == 257);
    // A tokenizer padding id that differs is llama.cpp's, not the score's.
    const auto other = edited_copy(fixture, "gqa_other_pad.gguf", [](gguf_context* g) {
        gguf_set_val_u32(g, "tokenizer.ggml.padding_token_id", 256);
    });
    CHECK(cirm::llamacpp::read_gguf_reward_info(other).pad_token_id == 257);
    // Without cirm.pad_token_id (a file from elsewhere), the tokenizer's padding id is used.
    const auto foreign =
        edited_copy(other, "gqa_no_score_pad.gguf", [](gguf_context* g) { gguf_remove_key(g, "cirm.pad_token_id"); });
    CHECK(cirm::llamacpp::read_gguf_reward_info(foreign).pad_token_id == 256);
}

TEST_CASE("a GGUF carries the model's text files verbatim and formats samples from them as the directory does") {
    using namespace reward_info_test;
    const auto fixture_dir = fs::path(CIRM_TEST_FIXTURES) / "reference" / "tiny_llama_gqa_bf16";
    const auto fixture = scratch("gqa_texts.gguf");
    cirm::llamacpp::convert_to_gguf(fixture_dir, fixture);
    for (const auto& [dir, gguf] :
         {std::pair{fs::path(CIRM_TEST_BUNDLED_MODEL), bundled_gguf()}, {fixture_dir, fixture}}) {
        INFO(dir.string());
        const auto info = cirm::llamacpp::read_gguf_reward_info(gguf);
        for (const char* name : {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            INFO(name);
            const std::string* text = info.texts.find(name);
            REQUIRE(text != nullptr);
            CHECK(*text == cirm::read_file(dir / name));
        }
        CHECK(info.texts.where("tokenizer.json") == gguf.string() + " [tokenizer.json]");
        const auto from_gguf = cirm::llamacpp::gguf_sample_format(gguf);
        const auto from_dir = cirm::load_sample_format(dir);
        for (const cirm::sample& s : {cirm::sample{"What is 2 + 2?", "4!\n\n**Done.**"},
                                      cirm::sample{"Grüße aus Köln", "Ça va — très bien 👍"}, cirm::sample{"", "x"}}) {
            CHECK(from_gguf.render(s) == from_dir.render(s));
            CHECK(from_gguf.encode(s) == from_dir.encode(s));
        }
        // a user format replaces the carried template, as it does the directory's
        cirm::sample_format_options user;
        user.user_template = "Q: {prompt}\nA: {response}";
        CHECK(cirm::llamacpp::gguf_sample_format(gguf, user).render({"p", "r"}) == "Q: p\nA: r");
    }
}

TEST_CASE("a GGUF without the text files, or with a broken one, is refused saying what to do") {
    using namespace reward_info_test;
    const auto bare = edited_copy(bundled_gguf(), "no_texts.gguf", [](gguf_context* g) {
        for (const char* name : {"cirm.hf.config.json", "cirm.hf.tokenizer.json", "cirm.hf.tokenizer_config.json"})
            gguf_remove_key(g, name);
    });
    CHECK(cirm::llamacpp::read_gguf_reward_info(bare).texts.files.empty());
    CHECK_THROWS_WITH(cirm::llamacpp::gguf_sample_format(bare),
                      Catch::Contains("carries no tokenizer files") && Catch::Contains("convert the model again"));
    const auto broken = edited_copy(bundled_gguf(), "broken_texts.gguf", [](gguf_context* g) {
        gguf_set_val_str(g, "cirm.hf.tokenizer_config.json", "{\"bos_token\": 3");
    });
    CHECK_THROWS_WITH(cirm::llamacpp::gguf_sample_format(broken),
                      Catch::Contains("broken_texts.gguf [tokenizer_config.json]"));
    const auto typed = edited_copy(bundled_gguf(), "typed_texts.gguf",
                                   [](gguf_context* g) { gguf_set_val_u32(g, "cirm.hf.tokenizer.json", 7); });
    CHECK_THROWS_WITH(cirm::llamacpp::read_gguf_reward_info(typed),
                      Catch::Contains("metadata 'cirm.hf.tokenizer.json' is not a string"));
}
