#pragma once
// Shared by the tests of the `cirm` commands (apps/cirm/tests/test_*.cpp): fixture paths, a fresh
// scratch directory per test, running a command in-process, and an independent computation of
// the five method attributes for the ASCII fixture data (the reference the subset counts and
// accuracies are checked against).

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cirm/site.hpp"

namespace cli_test {

namespace fs = std::filesystem;

inline std::string fixture(const std::string& relative) { return std::string(CIRM_TEST_FIXTURES) + "/" + relative; }
inline std::string llama() { return fixture("reference/tiny_llama_gqa_bf16"); }
inline std::string qwen() { return fixture("reference/tiny_qwen2_bias_f16"); }
inline std::string validation() { return fixture("cli/validation.jsonl"); }
inline std::string test_set() { return fixture("cli/test.jsonl"); }

/// An empty directory for one test.
/// Sets any command's options to the fixture model, with --json and --quiet.
template <class Options>
void on_fixture(Options& o) {
    o.common.model = llama();
    o.common.json = true;
    o.common.quiet = true;
}

inline fs::path scratch(const std::string& name) {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "cli" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

inline std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

inline std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_text(p));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

/// Last-token activations of one response, flat over the model's layout (an ActivationSink).
struct flat_row_sink {
    const cirm::site_layout* layout;
    std::vector<float> row;
    void put(std::size_t, std::size_t site, std::span<const float> values) {
        std::copy(values.begin(), values.end(), row.begin() + static_cast<std::ptrdiff_t>(layout->offset(site)));
    }
};

/// Files directly in `dir` (names), to check that a failed command left nothing behind.
inline std::set<std::string> files_in(const fs::path& dir) {
    std::set<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& e : fs::recursive_directory_iterator(dir)) names.insert(fs::relative(e.path(), dir).string());
    return names;
}

// --- the five method attributes, written independently of the library for ASCII text ---------

inline double ref_length(const std::string& r) { return static_cast<double>(r.size()); }  // ASCII: bytes = code points
inline double ref_count(const std::string& r, const std::string& what) {
    double n = 0;
    for (std::size_t at = r.find(what); at != std::string::npos; at = r.find(what, at + what.size())) ++n;
    return n;
}
inline std::set<std::string> ref_words(const std::string& text) {
    std::set<std::string> words;
    std::string w;
    for (char c : text + " ") {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!w.empty()) {
            words.insert(w);
            w.clear();
        }
    }
    return words;
}
inline double ref_overlap(const std::string& prompt, const std::string& r) {
    const auto wy = ref_words(r), wq = ref_words(prompt);
    if (wy.empty()) return 0.0;
    double shared = 0;
    for (const auto& w : wy) shared += wq.count(w) ? 1 : 0;
    return shared / static_cast<double>(wy.size());
}
/// The method attribute `name` of a response, by the definitions of docs/method.md §4.
inline double ref_attribute(const std::string& name, const std::string& prompt, const std::string& r) {
    if (name == "length") return ref_length(r);
    if (name == "paragraphs") return ref_count(r, "\n\n");
    if (name == "overlap") return ref_overlap(prompt, r);
    if (name == "exclamation") return ref_count(r, "!");
    if (name == "bold") return ref_count(r, "**");
    FAIL("unknown attribute " << name);
    return 0;
}
inline const std::vector<std::string>& five() {
    static const std::vector<std::string> names{"length", "paragraphs", "overlap", "exclamation", "bold"};
    return names;
}

}  // namespace cli_test
