// Determinism: the same inputs and seed give byte-identical outputs — the correlation
// table, the localization summary, the spec files and the evaluation JSON — across runs and
// across thread counts (--threads 1 and 2), on the small fixture model and data of the CLI
// tests. The trial log is identical too once its timing field ("seconds") is set aside.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bad_inputs/bad_input_support.hpp"

using namespace bad_inputs;

namespace {

/// The files a run wrote to `dir`, by name, with their bytes.
std::map<std::string, std::string> files_of(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = read_bytes(e.path());
    return files;
}

/// trials.jsonl without each line's "seconds" (wall-clock time, the one field that may differ).
std::string trials_without_time(const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::ordered_json::parse(line);
        REQUIRE(j.contains("seconds"));
        j.erase("seconds");
        out += j.dump() + "\n";
    }
    return out;
}

struct run_outputs {
    std::map<std::string, std::string> locate, search;
    std::string eval;
};

/// locate (with a spec for budget 3), search (seed 11, 15 TPE trials) and eval of the searched
/// spec, all with `threads` threads, run by the built `cirm` binary into a fresh directory named
/// `label`.
run_outputs run_pipeline(unsigned threads, const std::string& label) {
    const auto d = fresh_case("determinism", label);
    const std::vector<std::string> common{"--model", llama_fixture(), "--threads", std::to_string(threads), "--quiet"};
    const auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin() + 1, common.begin(), common.end());
        const auto r = run_cli(args, d.root);
        INFO(args.front() << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    };
    run_outputs r;
    run({"locate", "--data", validation_fixture(), "--budgets", "3", "--out", (d.out / "locate").string()});
    r.locate = files_of(d.out / "locate");
    run({"search", "--data", validation_fixture(), "--trials", "15", "--seed", "11", "--out",
         (d.out / "search").string()});
    r.search = files_of(d.out / "search");
    r.search["trials.jsonl"] = trials_without_time(r.search.at("trials.jsonl"));
    run({"eval", "--data", test_fixture(), "--spec", (d.out / "search" / "spec.json").string(), "--out",
         (d.out / "eval.json").string()});
    r.eval = read_bytes(d.out / "eval.json");
    return r;
}

}  // namespace

TEST_CASE("the same inputs and seed give byte-identical outputs across runs and thread counts") {
    const auto first = run_pipeline(1, "threads1_run1");
    const auto two_threads = run_pipeline(2, "threads2");
    const auto again = run_pipeline(1, "threads1_run2");

    // everything the commands write is compared, so a new output file is covered too
    const std::vector<std::string> locate_files{"correlation.safetensors", "localization.json", "spec.json",
                                                "spec.safetensors"};
    const std::vector<std::string> search_files{"spec.json", "spec.safetensors", "trials.jsonl"};
    for (const auto& name : locate_files) REQUIRE(first.locate.count(name) == 1);
    for (const auto& name : search_files) REQUIRE(first.search.count(name) == 1);
    CHECK(first.locate.size() == locate_files.size());
    CHECK(first.search.size() == search_files.size());

    for (const auto* other : {&two_threads, &again}) {
        for (const auto& [name, bytes] : first.locate) {
            INFO("locate output " << name << (other == &two_threads ? " with 2 threads" : " on a second run"));
            REQUIRE(other->locate.count(name) == 1);
            CHECK(other->locate.at(name) == bytes);
        }
        for (const auto& [name, bytes] : first.search) {
            INFO("search output " << name << (other == &two_threads ? " with 2 threads" : " on a second run"));
            REQUIRE(other->search.count(name) == 1);
            CHECK(other->search.at(name) == bytes);
        }
        INFO("eval.json" << (other == &two_threads ? " with 2 threads" : " on a second run"));
        CHECK(other->eval == first.eval);
    }
    // the search edited something, so the evaluated spec is not trivially empty
    const auto spec = nlohmann::json::parse(first.search.at("spec.json"));
    CHECK_FALSE(spec.at("sites").empty());
}
