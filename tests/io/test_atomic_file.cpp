#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "cirm/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "atomic_file" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}
std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
}  // namespace

TEST_CASE("write_file_atomically writes, overwrites and leaves no temporary file") {
    const fs::path dir = fresh_dir("write");
    const fs::path target = dir / "out.bin";
    const std::string binary("a\0b\xff\n", 5);
    cirm::write_file_atomically(target, binary);
    CHECK(cirm::read_file(target) == binary);
    CHECK(fs::file_size(target) == 5);

    cirm::write_file_atomically(target, "second, longer contents");
    CHECK(cirm::read_file(target) == "second, longer contents");
    cirm::write_file_atomically(target, "");
    CHECK(cirm::read_file(target).empty());
    CHECK(entries(dir) == std::vector<std::string>{"out.bin"});

    const std::string big(3 << 20, 'z');  // larger than one write() chunk on most systems
    cirm::write_file_atomically(target, big);
    CHECK(cirm::read_file(target) == big);
}

TEST_CASE("write_file_atomically into a missing directory fails, naming the path") {
    const fs::path dir = fresh_dir("missing");
    const fs::path target = dir / "no" / "such" / "dir" / "out.json";
    CHECK_THROWS_WITH(
        cirm::write_file_atomically(target, "x"),
        Catch::Contains("cannot write '" + target.string() + "'") && Catch::Contains("No such file or directory"));
    CHECK(entries(dir).empty());
}

TEST_CASE("a failed rename removes the temporary file and keeps the target") {
    // The target is a non-empty directory: the temporary file is written and flushed, then
    // rename() refuses to replace a directory with a file.
    const fs::path dir = fresh_dir("rename");
    const fs::path target = dir / "occupied";
    fs::create_directories(target / "child");
    CHECK_THROWS_WITH(cirm::write_file_atomically(target, "payload"),
                      Catch::Contains("cannot write '" + target.string() + "'") && Catch::Contains("renaming"));
    CHECK(entries(dir) == std::vector<std::string>{"occupied"});
    CHECK(fs::is_directory(target / "child"));
}

TEST_CASE("write_file_atomically refuses paths without a file name") {
    CHECK_THROWS_WITH(cirm::write_file_atomically("", "x"), Catch::Contains("empty path"));
    const fs::path dir = fresh_dir("noname");
    CHECK_THROWS_WITH(cirm::write_file_atomically(dir / "", "x"), Catch::Contains("names a directory"));
}

TEST_CASE("read_file reports missing files and directories") {
    const fs::path dir = fresh_dir("read");
    const fs::path missing = dir / "missing.jsonl";
    CHECK_THROWS_WITH(cirm::read_file(missing), Catch::Contains("cannot read '" + missing.string() + "'") &&
                                                    Catch::Contains("No such file or directory"));
    CHECK_THROWS_WITH(cirm::read_file(dir),
                      Catch::Contains("cannot read '" + dir.string() + "'") && Catch::Contains("is a directory"));
}

TEST_CASE("stale temporary files left by a crashed writer do not block writing") {
    // A crashed process with this pid (containers reuse pids) left temporary files behind under
    // the names this process would try first: the writer must move on to a free name.
    const fs::path dir = fresh_dir("stale");
    const fs::path target = dir / "spec.json";
    // (written with ofstream: write_file_atomically would advance the name counter past them)
    for (int n = 0; n < 300; ++n)
        std::ofstream(dir / (".spec.json.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(n))) << "stale";
    const auto before = entries(dir).size();
    cirm::write_file_atomically(target, "fresh");
    CHECK(cirm::read_file(target) == "fresh");
    CHECK(entries(dir).size() == before + 1);
}
