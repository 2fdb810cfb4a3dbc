#pragma once
// Shared by the reference-engine tests. Include it FIRST in every tests/reference/*.cpp: it turns
// Eigen's run-time allocation check on (EIGEN_RUNTIME_NO_MALLOC) and makes Eigen's assertions
// throw, for all files of this test program alike (the macros must be the same in every file
// that includes Eigen, or the program would hold two versions of Eigen's inline functions).

#include <stdexcept>
#include <string>

namespace cirm_test {
[[noreturn]] inline void eigen_assertion_failed(const char* condition, const char* file, int line) {
    throw std::logic_error(std::string("Eigen assertion failed: ") + condition + " at " + file + ":" +
                           std::to_string(line));
}
}  // namespace cirm_test

#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(x)                                                                         \
    do {                                                                                        \
        if (!static_cast<bool>(x)) ::cirm_test::eigen_assertion_failed(#x, __FILE__, __LINE__); \
    } while (false)

#include <Eigen/Core>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/reference/reference.hpp"
#include "cirm/spec.hpp"

namespace cirm_test {

namespace fs = std::filesystem;

/// Directory of a model fixture made by tools/peers/llama_rm_peer.py.
inline fs::path model_fixture(const std::string& name) { return fs::path(CIRM_TEST_FIXTURES) / "reference" / name; }
/// The bundled model, models/cirm-tiny-rm.
inline fs::path bundled_model() { return fs::path(CIRM_TEST_BUNDLED_MODEL); }

/// The outputs the PyTorch peer recorded for a model fixture.
inline nlohmann::json peer_outputs(const std::string& name) {
    return nlohmann::json::parse(cirm::read_file(fs::path(CIRM_TEST_FIXTURES) / "reference" / (name + ".peer.json")));
}

inline const std::vector<std::string>& peer_models() {
    static const std::vector<std::string> names{"tiny_llama_gqa_bf16", "tiny_qwen2_bias_f16", "tiny_llama_sharded_f32"};
    return names;
}

/// The prompt/response pairs of a peer file (the strings live in the json).
inline std::vector<cirm::sample> peer_samples(const nlohmann::json& outputs) {
    std::vector<cirm::sample> samples;
    for (const auto& s : outputs["samples"])
        samples.push_back({s["prompt"].get_ref<const std::string&>(), s["response"].get_ref<const std::string&>()});
    return samples;
}

/// The pin of one recorded intervention, bound to the model's layout.
inline cirm::neuron_pin peer_pin(const nlohmann::json& intervention, const cirm::site_layout& layout) {
    cirm::spec s;
    s.positions = cirm::parse_mode<cirm::positions>(intervention["positions"].get<std::string>());
    for (const auto& site : intervention["sites"])
        s.sites.push_back({site["site"].get<std::string>(),
                           site["indices"].get<std::vector<std::int64_t>>(),
                           site["values"].get<std::vector<float>>(),
                           {}});
    return cirm::neuron_pin(s, layout);
}

/// A fresh empty directory under the test temp dir.
inline fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::path(CIRM_TEST_TMP) / "reference" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// A copy of a model fixture in a fresh temp dir, to break on purpose.
inline fs::path copy_of_model(const std::string& fixture, const std::string& name) {
    const fs::path dir = fresh_dir(name);
    for (const auto& entry : fs::directory_iterator(model_fixture(fixture)))
        fs::copy_file(entry.path(), dir / entry.path().filename());
    return dir;
}

inline void write_text(const fs::path& path, const std::string& text) { cirm::write_file_atomically(path, text); }

/// The tensors of a safetensors file, owned, so they can be changed and written again.
struct owned_tensor {
    std::string name;
    cirm::safetensors::dtype type;
    std::vector<std::size_t> shape;
    std::vector<std::byte> bytes;
};

inline std::vector<owned_tensor> read_tensors(const fs::path& path) {
    cirm::safetensors::mapped_file file(path);
    std::vector<owned_tensor> out;
    for (const auto& t : file.tensors())
        out.push_back({t.name, t.type, t.shape, std::vector<std::byte>(t.bytes.begin(), t.bytes.end())});
    return out;
}

inline std::string serialize_tensors(const std::vector<owned_tensor>& tensors) {
    std::vector<cirm::safetensors::tensor_data> data;
    for (const auto& t : tensors) data.push_back({t.name, t.type, t.shape, std::span<const std::byte>(t.bytes)});
    return cirm::safetensors::serialize(data);
}

inline void write_tensors(const fs::path& path, const std::vector<owned_tensor>& tensors) {
    write_text(path, serialize_tensors(tensors));
}

/// The same tensors stored as F32 (exact for BF16 and F16 values).
inline std::vector<owned_tensor> as_f32(const std::vector<owned_tensor>& tensors) {
    std::vector<owned_tensor> out;
    for (const auto& t : tensors) {
        const cirm::safetensors::tensor_view view{t.name, t.type, t.shape, std::span<const std::byte>(t.bytes)};
        const auto floats = view.to_floats();
        const auto bytes = std::as_bytes(std::span<const float>(floats));
        out.push_back(
            {t.name, cirm::safetensors::dtype::f32, t.shape, std::vector<std::byte>(bytes.begin(), bytes.end())});
    }
    return out;
}

/// Records every put() of a collect call.
struct recording_sink {
    std::map<std::pair<std::size_t, std::size_t>, std::vector<float>> values;
    std::size_t puts = 0;
    void put(std::size_t sample, std::size_t site, std::span<const float> v) {
        ++puts;
        values[{sample, site}] = std::vector<float>(v.begin(), v.end());
    }
};

}  // namespace cirm_test
