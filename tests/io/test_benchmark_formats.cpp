// Test sets in the benchmarks' formats (io/datasets.hpp): which format a first line means, the
// records read, and errors that name the line and the field.
#include <catch2/catch.hpp>

#include <string>

#include "cirm/error.hpp"
#include "cirm/io/datasets.hpp"

using namespace cirm;

namespace {
const std::string pair_line = R"({"prompt": "p", "chosen": "a", "rejected": "b"})"
                              "\n";
const std::string own_subset_line = R"({"prompt": "p", "chosen": "a", "rejected": "b", "subset": "animal"})"
                                    "\n";
const std::string rb_line = R"({"prompt": "p", "chosen": "a", "rejected": "b", "subset": "hep-go", "id": 3})"
                            "\n";
const std::string rm_bench_line = R"({"prompt": "p", "chosen": ["a", "b", "c"], "rejected": ["d", "e", "f"]})"
                                  "\n";
const std::string rb2_line =
    R"({"prompt": "p", "chosen": ["a", "b"], "rejected": ["c", "d", "e"], "num_correct": 2, "subset": "Ties", "id": "tied:1"})"
    "\n";
}  // namespace

TEST_CASE("test set formats are told apart by the first line's fields") {
    CHECK(detect_test_format(pair_line) == test_format::pairs);
    CHECK(detect_test_format(own_subset_line) == test_format::pairs);  // a subset of one's own is not RewardBench
    CHECK(detect_test_format(rb_line) == test_format::reward_bench);
    CHECK(detect_test_format(rm_bench_line) == test_format::rm_bench);
    CHECK(detect_test_format(rb2_line) == test_format::reward_bench_2);  // list-valued chosen, but num_correct

    CHECK(parse_test_format("auto") == std::nullopt);
    CHECK(parse_test_format("rewardbench") == test_format::reward_bench);
    CHECK(parse_test_format("rewardbench2") == test_format::reward_bench_2);
    CHECK(parse_test_format("rm-bench") == test_format::rm_bench);
    CHECK(parse_test_format("pairs") == test_format::pairs);
    CHECK_THROWS_WITH(parse_test_format("rb3"), Catch::Contains("unknown test set format 'rb3'"));
}

TEST_CASE("RewardBench 2 prompts become every correct-incorrect pair") {
    const auto t = parse_test_set(rb2_line, "rb2.jsonl");
    REQUIRE(t.format == test_format::reward_bench_2);
    REQUIRE(t.reward_bench_2);
    REQUIRE(t.reward_bench_2->size() == 1);
    CHECK(t.reward_bench_2->front().chosen.size() == 2);
    CHECK(t.reward_bench_2->front().rejected.size() == 3);
    REQUIRE(t.pairs.size() == 6);  // 2 x 3, chosen-major
    CHECK(t.pairs[0].id == "tied:1/0/0");
    CHECK(t.pairs[4].chosen == "b");
    CHECK(t.pairs[4].rejected == "d");
    CHECK(t.pairs[5].subset == "Ties");
}

TEST_CASE("a format given explicitly overrides the detection") {
    const auto t = parse_test_set(own_subset_line, "own.jsonl", test_format::reward_bench);
    CHECK(t.format == test_format::reward_bench);
    CHECK(t.pairs.front().subset == "animal");
    CHECK(parse_test_set(rb_line, "rb.jsonl", test_format::pairs).format == test_format::pairs);
    CHECK_THROWS_WITH(parse_test_set(pair_line, "x.jsonl", test_format::reward_bench),
                      Catch::Contains("x.jsonl:1: missing field 'subset'"));
}

TEST_CASE("malformed RewardBench and RewardBench 2 records name the line and the field") {
    const auto rb2_error = [](const std::string& second_line) {
        try {
            (void)parse_test_set(rb2_line + second_line, "rb2.jsonl");
        } catch (const error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": [], "rejected": ["x"], "num_correct": 0, "subset": "Math"})"),
               Catch::Contains("rb2.jsonl:2: field 'chosen' must be an array of at least 1 string"));
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": ["a"], "rejected": "x", "num_correct": 1, "subset": "Math"})"),
               Catch::Contains("rb2.jsonl:2: field 'rejected' must be an array"));
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": ["a", 5], "rejected": ["x"], "num_correct": 2, "subset": "M"})"),
               Catch::Contains("rb2.jsonl:2: 'chosen[1]' is not a string"));
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": ["a"], "rejected": ["x"], "num_correct": 2, "subset": "Math"})"),
               Catch::Contains("rb2.jsonl:2: field 'num_correct' must be the number of 'chosen' completions (1)"));
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": ["a"], "rejected": ["x"], "num_correct": 1})"),
               Catch::Contains("rb2.jsonl:2: missing field 'subset'"));
    CHECK_THAT(rb2_error(R"({"prompt": "q", "chosen": ["a"], "rejected": ["x"], "num_correct": 1, "subset": ""})"),
               Catch::Contains("rb2.jsonl:2: field 'subset' is empty"));

    try {
        (void)parse_test_set(rb_line + R"({"prompt": "q", "chosen": "a", "rejected": ["b"], "subset": "hep-go"})",
                             "rb.jsonl");
        FAIL("no error");
    } catch (const error& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("rb.jsonl:2:") && Catch::Contains("rejected"));
    }
}
