// Every command on bad inputs — a missing file, a malformed JSONL line, an empty dataset, a
// missing model, a spec made for another model — throws one cirm::error whose one-line message
// names the problem (main prints it as "cirm <command>: error: ..."), and leaves no output file.
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cirm/io/atomic_file.hpp"
#include "cirm_cli/annotate.hpp"
#include "cirm_cli/demo.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/locate.hpp"
#include "cirm_cli/report.hpp"
#include "cirm_cli/score.hpp"
#include "cirm_cli/search.hpp"
#include "cli_test_support.hpp"

using namespace cli_test;

namespace {

struct bad_files {
    fs::path dir, out, malformed, empty, missing, qwen_spec;
};

/// Bad inputs in a scratch dir; `out` is where commands are told to write (must stay empty).
bad_files make_bad_files(const std::string& name) {
    bad_files b;
    b.dir = scratch(name);
    b.out = b.dir / "out";
    b.malformed = b.dir / "malformed.jsonl";
    b.empty = b.dir / "empty.jsonl";
    b.missing = b.dir / "missing.jsonl";
    const std::string good = R"({"prompt": "p", "chosen": "a", "rejected": "b"})";
    cirm::write_file_atomically(b.malformed, good + "\n" +
                                                 R"({"prompt": "q", "chosen": "c", "rejected": "d", "id": "x"})" +
                                                 "\n{\"prompt\": \"r\", \"chosen\": \n");
    cirm::write_file_atomically(b.empty, "\n  \n");
    // a spec made for the Qwen2 fixture (hidden 32), which does not fit the Llama fixture (hidden 64)
    cirm::cli::locate_options o;
    o.common.model = qwen();
    o.data = validation();
    o.budgets = "3";
    o.out = (b.dir / "qwen").string();
    std::ostringstream out, err;
    REQUIRE(cirm::cli::run_locate(o, out, err) == 0);
    b.qwen_spec = b.dir / "qwen" / "spec.json";
    return b;
}

/// Runs a command that must fail with a message containing `expected` and leave `out` empty.
void check_fails(const std::function<int(std::ostream&, std::ostream&)>& command, const std::string& expected,
                 const fs::path& out) {
    std::ostringstream o, e;
    try {
        command(o, e);
        FAIL("the command did not fail; expected: " << expected);
    } catch (const cirm::error& error) {
        const std::string message = error.what();
        CHECK_THAT(message, Catch::Contains(expected));
        CHECK(message.find('\n') == std::string::npos);
    }
    CHECK(files_in(out).empty());
}

}  // namespace

TEST_CASE("bad inputs: locate and search and eval") {
    const auto b = make_bad_files("bad_model_commands");
    const std::string line3 = b.malformed.string() + ":3: not valid JSON";
    const std::string empty = b.empty.string() + ": no preference pairs (the dataset is empty)";
    const std::string missing = "cannot read '" + b.missing.string() + "'";

    SECTION("locate") {
        const auto run = [&](std::string model, const fs::path& data) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::locate_options opt;
                opt.common.model = model;
                opt.data = data.string();
                opt.budgets = "2";
                opt.out = b.out.string();
                return cirm::cli::run_locate(opt, o, e);
            };
        };
        check_fails(run(llama(), b.missing), missing, b.out);
        check_fails(run(llama(), b.malformed), line3, b.out);
        check_fails(run(llama(), b.empty), empty, b.out);
        check_fails(run((b.dir / "no-model").string(), validation()),
                    "model directory '" + (b.dir / "no-model").string() + "' does not exist", b.out);
    }
    SECTION("search") {
        const auto run = [&](std::string model, const fs::path& data, std::string grid) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::search_options opt;
                opt.common.model = model;
                opt.data = data.string();
                opt.trials = 5;
                opt.k_grid = grid;
                opt.out = b.out.string();
                return cirm::cli::run_search(opt, o, e);
            };
        };
        check_fails(run(llama(), b.missing, ""), missing, b.out);
        check_fails(run(llama(), b.malformed, ""), line3, b.out);
        check_fails(run(llama(), b.empty, ""), empty, b.out);
        check_fails(run(llama(), validation(), "0,x"), "--k-grid: 'x' is not a non-negative integer", b.out);
    }
    SECTION("eval") {
        const auto run = [&](const fs::path& data, std::string spec) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::eval_options opt;
                opt.common.model = llama();
                opt.data = data.string();
                opt.spec = spec;
                opt.out = (b.out / "eval.json").string();
                return cirm::cli::run_eval(opt, o, e);
            };
        };
        check_fails(run(b.missing, ""), missing, b.out);
        check_fails(run(b.malformed, ""), line3, b.out);
        check_fails(run(b.empty, ""), empty, b.out);
        check_fails(run(test_set(), b.qwen_spec.string()),
                    "spec '" + b.qwen_spec.string() + "' does not fit model '" + llama() + "'", b.out);
        check_fails(run(test_set(), (b.dir / "nope.json").string()),
                    "cannot read '" + (b.dir / "nope.json").string() + "'", b.out);
    }
}

TEST_CASE("bad inputs: score and annotate and report and demo") {
    const auto b = make_bad_files("bad_other_commands");
    const std::string missing = "cannot read '" + b.missing.string() + "'";

    SECTION("score") {
        const auto run = [&](const fs::path& data, std::string spec) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::score_options opt;
                opt.common.model = llama();
                opt.data = data.string();
                opt.spec = spec;
                opt.out = (b.out / "rewards.jsonl").string();
                return cirm::cli::run_score(opt, o, e);
            };
        };
        check_fails(run(b.missing, ""), missing, b.out);
        check_fails(run(b.malformed, ""), b.malformed.string() + ":3: not valid JSON", b.out);
        check_fails(run(b.empty, ""), "no preference pairs (the dataset is empty)", b.out);
        check_fails(run(test_set(), b.qwen_spec.string()), "does not fit model", b.out);
    }
    SECTION("annotate") {
        const fs::path one = b.dir / "one_candidate.jsonl";
        cirm::write_file_atomically(
            one, "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"]}\n{\"prompt\": \"p\", \"responses\": [\"a\"]}\n");
        const auto run = [&](const fs::path& data, std::string spec) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::annotate_options opt;
                opt.common.model = llama();
                opt.data = data.string();
                opt.spec = spec;
                opt.out = (b.out / "dpo.jsonl").string();
                return cirm::cli::run_annotate(opt, o, e);
            };
        };
        check_fails(run(b.missing, ""), missing, b.out);
        check_fails(run(b.malformed, ""), b.malformed.string() + ":1: field 'responses' is missing or not an array",
                    b.out);
        check_fails(run(b.empty, ""), "no prompts (the dataset is empty)", b.out);
        check_fails(run(one, ""), one.string() + ":2: 'responses' needs at least 2 candidates, has 1", b.out);
        check_fails(run(fixture("cli/prompts.jsonl"), b.qwen_spec.string()), "does not fit model", b.out);
    }
    SECTION("report") {
        const fs::path bad_eval = b.dir / "bad_eval.json";
        cirm::write_file_atomically(bad_eval,
                                    R"({"model": "m", "data": "d", "pairs": 3, "methods": {"base": {"all": 1.5}}})");
        const auto run = [&](const fs::path& eval, std::string spec) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::report_options opt;
                opt.eval = eval.string();
                opt.spec = spec;
                opt.model = llama();
                opt.out = (b.out / "report.html").string();
                return cirm::cli::run_report(opt, o, e);
            };
        };
        check_fails(run(b.missing, ""), missing, b.out);
        check_fails(run(b.malformed, ""), "not valid JSON", b.out);
        check_fails(run(bad_eval, ""), bad_eval.string() + ": methods.base.all: must be a fraction in [0, 1] or null",
                    b.out);
        // a valid evaluation, then a spec for another model
        cirm::cli::eval_options e;
        e.common.model = llama();
        e.data = test_set();
        e.flip_rates = false;
        e.out = (b.dir / "eval.json").string();
        std::ostringstream eo, ee;
        REQUIRE(cirm::cli::run_eval(e, eo, ee) == 0);
        check_fails(run(b.dir / "eval.json", b.qwen_spec.string()), "does not fit model", b.out);
    }
    SECTION("demo") {
        const auto run = [&](std::string model, const fs::path& validation_set) {
            return [=](std::ostream& o, std::ostream& e) {
                cirm::cli::demo_options opt;
                opt.common.model = model;
                opt.validation = validation_set.string();
                opt.test = test_set();
                opt.trials = 3;
                opt.out = b.out.string();
                return cirm::cli::run_demo(opt, o, e);
            };
        };
        check_fails(run((b.dir / "no-model").string(), validation()),
                    "the model '" + (b.dir / "no-model").string() + "' is missing", b.out);
        check_fails(run(llama(), b.missing), "the validation set '" + b.missing.string() + "' is missing", b.out);
        check_fails(run(llama(), b.malformed), b.malformed.string() + ":3: not valid JSON", b.out);
        check_fails(run(llama(), b.empty), "no preference pairs (the dataset is empty)", b.out);
        if (!fs::exists(cirm::cli::bundled_path("models/cirm-tiny-rm")))  // until the bundled model exists
            check_fails(run("", validation()), "the bundled model '", b.out);
    }
}
