#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cirm/io/safetensors.hpp"

namespace st = cirm::safetensors;
namespace fs = std::filesystem;

namespace {

/// A file made by hand: the 8-byte little-endian length of `header`, `header`, then `data`.
/// Built without the writer, so the reader is tested on bytes it did not produce.
std::string craft(const std::string& header, const std::string& data = {}, std::uint64_t length = 0,
                  bool use_length = false) {
    const std::uint64_t n = use_length ? length : header.size();
    std::string file;
    for (int i = 0; i < 8; ++i) file.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    return file + header + data;
}

std::string file_parse_error(const std::string& file) {
    try {
        st::reader r{std::string_view(file)};
    } catch (const cirm::error& e) {
        return e.what();
    }
    return "(no error)";
}

/// One-tensor header with the given fields, for the rule tests.
std::string one_tensor(const std::string& dtype, const std::string& shape, const std::string& offsets) {
    return R"({"x":{"dtype":)" + dtype + R"(,"shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
}

}  // namespace

// The bytes of this file are written out by hand:
//   header (54 bytes)  {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
//   padded with 2 spaces to 56 = 0x38 bytes, so the length field is 38 00 00 00 00 00 00 00;
//   data: 1.0f  = 0x3f800000 → 00 00 80 3f (little-endian),
//         -2.5f = -1.25 · 2^1 → sign 1, exponent 128, mantissa 0x200000 → 0xc0200000 → 00 00 20 c0.
TEST_CASE("safetensors reads a hand-built F32 file, and the writer produces the same bytes") {
    const char bytes[] = "\x38\x00\x00\x00\x00\x00\x00\x00"
                         "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "
                         "\x00\x00\x80\x3f"
                         "\x00\x00\x20\xc0";
    const std::string file(bytes, sizeof bytes - 1);
    REQUIRE(file.size() == 8 + 56 + 8);

    const st::reader r{std::string_view(file)};
    REQUIRE(r.tensors().size() == 1);
    const st::tensor_view& x = r.at("x");
    CHECK(x.name == "x");
    CHECK(x.type == st::dtype::f32);
    CHECK(x.shape == std::vector<std::size_t>{2});
    CHECK(x.elements() == 2);
    CHECK(x.bytes.data() == reinterpret_cast<const std::byte*>(file.data()) + 64);  // a view, not a copy
    CHECK(x.to_floats() == std::vector<float>{1.0f, -2.5f});
    CHECK(r.header_length() == 56);
    CHECK(r.metadata().empty());

    const std::vector<float> values = {1.0f, -2.5f};
    const st::tensor_data t{"x", st::dtype::f32, {2}, st::bytes_of(values)};
    CHECK(st::serialize(std::span(&t, 1)) == file);
}

TEST_CASE("safetensors converts F16, BF16 and F64 to float and integer types to int64") {
    // F16 3c00 = 1.0, c000 = -2.0; BF16 3f80 = 1.0, 4049 = 3.140625; F64 0.5 = 0x3fe0000000000000.
    // I64 -1 = ff×8, 2^40 = 00 00 00 00 00 01 00 00; I8 0xfe = -2; U8 0xfe = 254.
    std::string header = R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
                         R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},)"
                         R"("d":{"dtype":"F64","shape":[],"data_offsets":[8,16]},)"
                         R"("i":{"dtype":"I64","shape":[2],"data_offsets":[16,32]},)"
                         R"("s":{"dtype":"I8","shape":[1],"data_offsets":[32,33]},)"
                         R"("u":{"dtype":"U8","shape":[1],"data_offsets":[33,34]}})";
    const std::string data("\x00\x3c\x00\xc0"
                           "\x80\x3f\x49\x40"
                           "\x00\x00\x00\x00\x00\x00\xe0\x3f"
                           "\xff\xff\xff\xff\xff\xff\xff\xff"
                           "\x00\x00\x00\x00\x00\x01\x00\x00"
                           "\xfe"
                           "\xfe",
                           34);
    const std::string file = craft(header, data);
    const st::reader r{std::string_view(file)};
    CHECK(r.at("h").to_floats() == std::vector<float>{1.0f, -2.0f});
    CHECK(r.at("b").to_floats() == std::vector<float>{1.0f, 3.140625f});
    CHECK(r.at("d").shape.empty());
    CHECK(r.at("d").elements() == 1);
    CHECK(r.at("d").to_floats() == std::vector<float>{0.5f});
    CHECK(r.at("i").to_int64s() == std::vector<std::int64_t>{-1, std::int64_t{1} << 40});
    CHECK(r.at("s").to_int64s() == std::vector<std::int64_t>{-2});
    CHECK(r.at("u").to_int64s() == std::vector<std::int64_t>{254});
    // tensors() lists them in data order, whatever the header's key order
    std::vector<std::string> order;
    for (const auto& t : r.tensors()) order.push_back(t.name);
    CHECK(order == std::vector<std::string>{"h", "b", "d", "i", "s", "u"});

    CHECK_THROWS_WITH(r.at("i").to_floats(),
                      Catch::Contains("tensor 'i' has dtype I64, which cannot be read as float"));
    CHECK_THROWS_WITH(r.at("h").to_int64s(), Catch::Contains("tensor 'h' has dtype F16"));
    CHECK_THROWS_WITH(r.at("nope"), Catch::StartsWith("safetensors: ") && Catch::Contains("no tensor named 'nope'"));
    CHECK(r.find("nope") == nullptr);
}

TEST_CASE("safetensors round-trips tensors and metadata through the writer") {
    const std::vector<float> f32 = {0.1f, -3.5f, 1e-30f, 7.0f, 8.0f, 9.0f};
    const std::vector<std::uint16_t> bf16 = {0x3f80, 0x4049, 0xc000};
    const std::vector<std::int64_t> i64 = {-5, 0, std::numeric_limits<std::int64_t>::max()};
    const std::vector<std::uint8_t> flags = {1, 0, 1};
    const std::vector<double> scalar = {2.25};
    const std::vector<st::tensor_data> tensors = {
        {"layer.weight", st::dtype::f32, {2, 3}, st::bytes_of(f32)},
        {"b", st::dtype::bf16, {3}, st::bytes_of(bf16)},
        {"empty", st::dtype::f32, {0, 3}, {}},
        {"idx", st::dtype::i64, {3}, st::bytes_of(i64)},
        {"mask", st::dtype::boolean, {3}, st::bytes_of(flags)},
        {"scalar", st::dtype::f64, {}, st::bytes_of(scalar)},
        {"ünïcode ✓", st::dtype::u8, {1}, st::bytes_of(flags).subspan(0, 1)},
    };
    const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "quote \" and ✓"}};
    const std::string file = st::serialize(tensors, metadata);

    const st::reader r{std::string_view(file)};
    CHECK(r.header_length() % 8 == 0);
    CHECK(r.metadata() == metadata);
    REQUIRE(r.tensors().size() == tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = r.tensors()[i];  // written in order, contiguous: data order is write order
        INFO(tensors[i].name);
        CHECK(t.name == tensors[i].name);
        CHECK(t.type == tensors[i].type);
        CHECK(t.shape == tensors[i].shape);
        REQUIRE(t.bytes.size() == tensors[i].bytes.size());
        if (!t.bytes.empty()) CHECK(std::memcmp(t.bytes.data(), tensors[i].bytes.data(), t.bytes.size()) == 0);
    }
    CHECK(r.at("layer.weight").to_floats() == f32);
    CHECK(r.at("idx").to_int64s() == i64);
    CHECK(r.at("empty").elements() == 0);
    CHECK(r.at("empty").to_floats().empty());
    // header padding: spaces up to the data, which starts 8-byte aligned
    const std::string_view header(file.data() + 8, r.header_length());
    CHECK(header.find_last_not_of(' ') + 1 > header.size() - 8);
    CHECK(header.back() == ' ');
}

TEST_CASE("safetensors writer rejects inconsistent tensors") {
    const std::vector<float> two = {1.0f, 2.0f};
    const std::vector<st::tensor_data> wrong_size = {{"x", st::dtype::f32, {3}, st::bytes_of(two)}};
    CHECK_THROWS_WITH(st::serialize(wrong_size),
                      Catch::Contains("tensor 'x'") && Catch::Contains("has 8 bytes") && Catch::Contains("needs 12"));
    const std::vector<st::tensor_data> twice = {{"x", st::dtype::f32, {2}, st::bytes_of(two)},
                                                {"x", st::dtype::f32, {2}, st::bytes_of(two)}};
    CHECK_THROWS_WITH(st::serialize(twice), Catch::Contains("tensor 'x' twice"));
    const std::vector<st::tensor_data> reserved = {{"__metadata__", st::dtype::f32, {2}, st::bytes_of(two)}};
    CHECK_THROWS_WITH(st::serialize(reserved), Catch::Contains("'__metadata__'"));
    const std::vector<st::tensor_data> bad_name = {{"\xff", st::dtype::f32, {2}, st::bytes_of(two)}};
    CHECK_THROWS_WITH(st::serialize(bad_name), Catch::Contains("not valid UTF-8"));
}

TEST_CASE("safetensors mapped_file maps the file and views point into the mapping") {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "safetensors";
    fs::create_directories(dir);
    const fs::path path = dir / "model.safetensors";
    const std::vector<float> w = {1.5f, -2.0f, 3.25f};
    const std::vector<std::int64_t> idx = {4, 8};
    const std::vector<st::tensor_data> tensors = {{"w", st::dtype::f32, {3}, st::bytes_of(w)},
                                                  {"idx", st::dtype::i64, {2}, st::bytes_of(idx)}};
    st::save(path, tensors, {{"k", "v"}});

    st::mapped_file file(path);
    const auto whole = file.bytes();
    CHECK(whole.size() == fs::file_size(path));
    const st::tensor_view& view = file.at("w");
    CHECK(view.bytes.data() >= whole.data());
    CHECK(view.bytes.data() + view.bytes.size() <= whole.data() + whole.size());
    CHECK(file.metadata().at("k") == "v");

    st::mapped_file moved(std::move(file));  // the mapping moves with its owner; views stay valid
    CHECK(moved.at("w").bytes.data() == view.bytes.data());
    CHECK(moved.at("w").to_floats() == w);
    CHECK(moved.at("idx").to_int64s() == idx);
    st::mapped_file assigned(path);
    assigned = std::move(moved);
    CHECK(assigned.find("w") != nullptr);
    CHECK(assigned.tensors().size() == 2);

    const fs::path empty = dir / "empty.safetensors";
    cirm::write_file_atomically(empty, "");
    CHECK_THROWS_WITH(st::mapped_file(empty),
                      Catch::StartsWith("safetensors: " + empty.string() + ": ") && Catch::Contains("file is 0 bytes"));
    CHECK_THROWS_WITH(st::mapped_file(dir / "missing.safetensors"),
                      Catch::Contains("cannot open") && Catch::Contains("missing.safetensors"));
    CHECK_THROWS_WITH(st::mapped_file(dir), Catch::Contains("not a regular file"));
}

TEST_CASE("safetensors accepts trailing spaces in the header and an empty file of tensors") {
    const std::string file = craft(one_tensor("\"U8\"", "[1]", "[0,1]") + "       ", "\x07");
    const st::reader r{std::string_view(file)};
    CHECK(r.at("x").to_int64s() == std::vector<std::int64_t>{7});

    const std::string nothing = craft("{}      ");
    CHECK(st::reader{std::string_view(nothing)}.tensors().empty());
}

TEST_CASE("safetensors rule: the file holds the 8-byte header length") {
    CHECK(file_parse_error("") == "safetensors: file is 0 bytes, shorter than the 8-byte header length field");
    CHECK(file_parse_error(std::string("\x01\x00\x00", 3)) ==
          "safetensors: file is 3 bytes, shorter than the 8-byte header length field");
}

TEST_CASE("safetensors rule: the header length is at most 100,000,000 bytes") {
    CHECK_THAT(file_parse_error(craft("{}", "", 100'000'001, true)),
               Catch::StartsWith("safetensors: header length 100000001 exceeds the limit of 100000000 bytes"));
    // 2^63: must be refused by the limit, not overflow the end-of-file arithmetic
    CHECK_THAT(file_parse_error(craft("{}", "", std::uint64_t{1} << 63, true)),
               Catch::StartsWith("safetensors: header length 9223372036854775808 exceeds the limit"));
    CHECK_THAT(file_parse_error(craft("{}", "", std::numeric_limits<std::uint64_t>::max(), true)),
               Catch::Contains("exceeds the limit"));
}

TEST_CASE("safetensors rule: the header lies inside the file") {
    CHECK_THAT(file_parse_error(craft("{}", "", 100, true)),
               Catch::StartsWith("safetensors: header length 100 runs past the end of the file") &&
                   Catch::Contains("only 2 bytes follow"));
}

TEST_CASE("safetensors rule: the header is a JSON object of objects") {
    CHECK_THAT(file_parse_error(craft("{\"x\": ")), Catch::StartsWith("safetensors: header is not valid JSON"));
    CHECK_THAT(file_parse_error(craft("{} {}")), Catch::StartsWith("safetensors: header is not valid JSON"));
    CHECK_THAT(file_parse_error(craft(std::string("{}\0\0", 4))),
               Catch::StartsWith("safetensors: header is not valid JSON"));
    CHECK_THAT(file_parse_error(craft("[1, 2]")),
               Catch::StartsWith("safetensors: header is not a JSON object (it is array)"));
    CHECK_THAT(file_parse_error(craft(R"({"x": 5})")),
               Catch::StartsWith("safetensors: tensor 'x' entry is not an object (it is number)"));
    CHECK_THAT(file_parse_error(craft(R"({"x": {"shape": [], "data_offsets": [0, 4]}})")),
               Catch::StartsWith("safetensors: tensor 'x' has no 'dtype'"));
    CHECK_THAT(file_parse_error(craft(R"({"x": {"dtype": "F32", "data_offsets": [0, 4]}})")),
               Catch::StartsWith("safetensors: tensor 'x' has no 'shape'"));
    CHECK_THAT(file_parse_error(craft(R"({"x": {"dtype": "F32", "shape": []}})")),
               Catch::StartsWith("safetensors: tensor 'x' has no 'data_offsets'"));
}

TEST_CASE("safetensors rule: the dtype is known") {
    CHECK(file_parse_error(craft(one_tensor("\"Q4_K\"", "[1]", "[0,1]"), "x")) ==
          "safetensors: tensor 'x' has unknown dtype 'Q4_K'");
    CHECK(file_parse_error(craft(one_tensor("\"f32\"", "[1]", "[0,4]"), "xxxx")) ==
          "safetensors: tensor 'x' has unknown dtype 'f32'");
    CHECK_THAT(file_parse_error(craft(one_tensor("4", "[1]", "[0,4]"), "xxxx")),
               Catch::StartsWith("safetensors: tensor 'x' dtype is not a string"));
}

TEST_CASE("safetensors rule: the shape is a list of non-negative integers") {
    for (const char* shape : {"[-1]", "[1.5]", "[\"2\"]", "2", "[2, null]", "[1e2]"}) {
        INFO(shape);
        CHECK_THAT(file_parse_error(craft(one_tensor("\"U8\"", shape, "[0,2]"), "xx")),
                   Catch::StartsWith("safetensors: tensor 'x' shape is not a list of non-negative integers"));
    }
}

TEST_CASE("safetensors rule: the size computation does not wrap") {
    // 2^32 · 2^32 elements = 2^64: the element count itself overflows
    CHECK_THAT(file_parse_error(craft(one_tensor("\"U8\"", "[4294967296, 4294967296]", "[0,0]"))),
               Catch::StartsWith("safetensors: tensor 'x' size overflows"));
    // 2^62 elements fit, but × 4 bytes (F32) = 2^64 does not; a wrapping product would be 0 and
    // match the empty range [0, 0]
    CHECK_THAT(file_parse_error(craft(one_tensor("\"F32\"", "[4611686018427387904]", "[0,0]"))),
               Catch::StartsWith("safetensors: tensor 'x' size overflows: shape [4611686018427387904] × 4 bytes"));
    // a zero extent makes the tensor empty, whatever the other extents are
    const std::string empty = craft(one_tensor("\"F32\"", "[4294967296, 0, 4294967296]", "[0,0]"));
    CHECK(st::reader{std::string_view(empty)}.at("x").elements() == 0);
}

TEST_CASE("safetensors rule: data_offsets are two integers with begin <= end") {
    for (const char* offsets : {"[0]", "[0, 4, 8]", "[0, -4]", "[\"0\", \"4\"]", "[0.0, 4]", "{}", "4"}) {
        INFO(offsets);
        CHECK_THAT(file_parse_error(craft(one_tensor("\"F32\"", "[1]", offsets), "xxxx")),
                   Catch::StartsWith("safetensors: tensor 'x' data_offsets is not two non-negative integers"));
    }
    CHECK(file_parse_error(craft(one_tensor("\"F32\"", "[1]", "[8, 4]"), "xxxxxxxx")) ==
          "safetensors: tensor 'x' data_offsets [8, 4] have begin > end");
}

TEST_CASE("safetensors rule: the byte range matches dtype size × shape") {
    CHECK(file_parse_error(craft(one_tensor("\"F32\"", "[2]", "[0,4]"), "xxxx")) ==
          "safetensors: tensor 'x' data_offsets span 4 bytes but dtype F32 × shape [2] needs 8");
    CHECK(file_parse_error(craft(one_tensor("\"BF16\"", "[2, 3]", "[0,13]"), std::string(13, 'x'))) ==
          "safetensors: tensor 'x' data_offsets span 13 bytes but dtype BF16 × shape [2, 3] needs 12");
}

TEST_CASE("safetensors rule: tensors cover the data buffer contiguously from 0") {
    // a hole before the first tensor
    CHECK_THAT(file_parse_error(craft(one_tensor("\"F32\"", "[1]", "[4,8]"), "xxxxxxxx")),
               Catch::StartsWith("safetensors: tensor 'x' data_offsets begin at 4 but the data before it ends at 0: "
                                 "a hole"));
    // a hole between two tensors
    const std::string gap = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
    CHECK_THAT(file_parse_error(craft(gap, std::string(12, 'x'))),
               Catch::StartsWith("safetensors: tensor 'b' data_offsets begin at 8 but the data before it ends at 4: "
                                 "a hole"));
    // two tensors sharing bytes
    const std::string overlap = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    CHECK_THAT(file_parse_error(craft(overlap, std::string(8, 'x'))),
               Catch::StartsWith("safetensors: tensor 'b' data_offsets begin at 4, inside tensor 'a' which ends at 8: "
                                 "tensors overlap"));
}

TEST_CASE("safetensors rule: the data buffer is exactly as long as the tensors") {
    CHECK(file_parse_error(craft(one_tensor("\"F32\"", "[1]", "[0,4]"), "xxxxxxxx")) ==
          "safetensors: data buffer is 8 bytes but the tensors' data_offsets end at 4 (data buffer length must "
          "equal the last offset)");
    CHECK_THAT(file_parse_error(craft(one_tensor("\"F32\"", "[1]", "[0,4]"), "xx")),
               Catch::StartsWith("safetensors: data buffer is 2 bytes but the tensors' data_offsets end at 4"));
}

TEST_CASE("safetensors rule: __metadata__ maps strings to strings") {
    CHECK(file_parse_error(craft(R"({"__metadata__":{"a":"b","n":1}})")) ==
          "safetensors: __metadata__ must map strings to strings, but key 'n' holds number");
    CHECK(file_parse_error(craft(R"({"__metadata__":["a"]})")) ==
          "safetensors: __metadata__ is not an object of strings (it is array)");
    const std::string ok = craft(R"({"__metadata__":{"a":"b"}})");
    CHECK(st::reader{std::string_view(ok)}.metadata().at("a") == "b");
}

TEST_CASE("safetensors rule: a tensor name appears once") {
    const std::string twice = R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                              R"("x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})";
    CHECK(file_parse_error(craft(twice, "xy")) == "safetensors: duplicate tensor name 'x' in the header");
    const std::string key_twice = R"({"x":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
    CHECK(file_parse_error(craft(key_twice, "x")) == "safetensors: duplicate key 'dtype' in the header entry 'x'");
}

TEST_CASE("safetensors rejects a truncated file") {
    const std::vector<float> w(16, 1.0f);
    const std::vector<st::tensor_data> tensors = {{"w", st::dtype::f32, {16}, st::bytes_of(w)}};
    const std::string file = st::serialize(tensors);
    const std::string cut_data = file.substr(0, file.size() - 3);
    CHECK_THAT(file_parse_error(cut_data), Catch::StartsWith("safetensors: data buffer is 61 bytes but the tensors' "
                                                             "data_offsets end at 64"));
    const std::string cut_header = file.substr(0, 20);
    CHECK_THAT(file_parse_error(cut_header), Catch::Contains("runs past the end of the file (only 12 bytes follow"));
}
