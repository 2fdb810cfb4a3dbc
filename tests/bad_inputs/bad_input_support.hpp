#pragma once
// Shared by the tests of tests/bad_inputs/: a scratch directory per case, fixture copies that a
// case may corrupt, safetensors files rewritten at the byte level, and running the built `cirm`
// binary with its exit code and stderr captured (the command line a user runs, not an in-process
// call, so that main's error handling is part of what is checked).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

extern char** environ;

namespace bad_inputs {

namespace fs = std::filesystem;

inline std::string fixture(const std::string& relative) { return std::string(CIRM_TEST_FIXTURES) + "/" + relative; }
inline std::string llama_fixture() { return fixture("reference/tiny_llama_gqa_bf16"); }
inline std::string sharded_fixture() { return fixture("reference/tiny_llama_sharded_f32"); }
inline std::string validation_fixture() { return fixture("cli/validation.jsonl"); }
inline std::string test_fixture() { return fixture("cli/test.jsonl"); }

/// The built `cirm` binary: CIRM_CLI_BINARY when the build defines it, else bin/cirm of the build
/// tree that CIRM_TEST_TMP (<build>/tests/tmp) lies in.
inline fs::path cli_binary() {
#ifdef CIRM_CLI_BINARY
    return CIRM_CLI_BINARY;
#else
    return fs::path(CIRM_TEST_TMP).parent_path().parent_path() / "bin" / "cirm";
#endif
}

/// An empty directory for one case: <tmp>/bad_inputs/<name>, with in/ and out/ inside.
struct case_dir {
    fs::path root, in, out;
};
inline case_dir fresh_case(const std::string& area, const std::string& name) {
    case_dir d;
    d.root = fs::path(CIRM_TEST_TMP) / "bad_inputs" / area / name;
    fs::remove_all(d.root);
    d.in = d.root / "in";
    d.out = d.root / "out";
    fs::create_directories(d.in);
    fs::create_directories(d.out);
    return d;
}

inline std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
inline void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
    out << bytes;
}

/// Copies a fixture model directory to `to` (which is returned).
inline fs::path copy_model(const std::string& from, const fs::path& to) {
    fs::copy(from, to, fs::copy_options::recursive);
    return to;
}

/// Every file and directory under `dir` (relative names), to show that nothing was left behind.
inline std::vector<std::string> entries_under(const fs::path& dir) {
    std::vector<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(e.path(), dir).string());
    return names;
}

/// 8 little-endian bytes.
inline std::string length_field(std::uint64_t n) {
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xffu);
    return b;
}

/// A safetensors file from a header text and a data buffer, the header padded to 8 bytes.
inline std::string safetensors_bytes(std::string header, const std::string& data) {
    header.append((8 - header.size() % 8) % 8, ' ');
    return length_field(header.size()) + header + data;
}

/// A safetensors file split into its header (as ordered JSON) and data buffer, to be edited.
struct safetensors_parts {
    nlohmann::ordered_json header;
    std::string data;

    static safetensors_parts read(const fs::path& p) {
        const std::string bytes = read_bytes(p);
        REQUIRE(bytes.size() >= 8);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
        safetensors_parts parts;
        parts.header = nlohmann::ordered_json::parse(bytes.substr(8, n));
        parts.data = bytes.substr(8 + n);
        return parts;
    }
    void write(const fs::path& p) const { write_bytes(p, safetensors_bytes(header.dump(), data)); }
    /// The byte offset of tensor `name`'s data in `data`.
    std::size_t offset_of(const std::string& name) const {
        return header.at(name).at("data_offsets").at(0).get<std::size_t>();
    }
};

/// What a run of the binary left: exit status (-1 if it did not exit normally) and its outputs.
struct run_result {
    int exit_code = -1;
    std::string out, err;
};

/// Runs the `cirm` binary with `args`, stdout and stderr captured through files in `scratch`.
inline run_result run_cli(const std::vector<std::string>& args, const fs::path& scratch) {
    const fs::path binary = cli_binary();
    if (!fs::exists(binary)) FAIL("the cirm binary " << binary << " is not built (build the target cirm_cli first)");
    const fs::path out_file = scratch / "stdout.txt", err_file = scratch / "stderr.txt";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> all{binary.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) REQUIRE(errno == EINTR);
    run_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_bytes(out_file);
    r.err = read_bytes(err_file);
    fs::remove(out_file);
    fs::remove(err_file);
    return r;
}

}  // namespace bad_inputs
