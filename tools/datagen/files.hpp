#pragma once
/// \file
/// Writing the generated splits as the bundled data files: <out>/validation.jsonl, test.jsonl and
/// train.jsonl (RewardBench-style JSONL, cirm/io/jsonl.hpp), each written atomically, and the
/// summary as JSON.

#include <filesystem>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "generate.hpp"

namespace cirm::datagen {

/// The file a split is written to: "<name>.jsonl".
inline std::filesystem::path dataset_file(const std::filesystem::path& out_dir, const generated_split& split) {
    return out_dir / (split.name + ".jsonl");
}

/// Writes the three splits into `out_dir` (created if missing).
inline void write_datasets(const std::filesystem::path& out_dir, const generated_datasets& datasets) {
    std::error_code failure;
    std::filesystem::create_directories(out_dir, failure);
    if (failure) throw error("cannot create the output directory '" + out_dir.string() + "': " + failure.message());
    for (const generated_split* split : {&datasets.validation, &datasets.test, &datasets.train})
        write_preference_jsonl(dataset_file(out_dir, *split), split->pairs);
}

/// Writes the summary JSON (indented, with a final newline), atomically.
inline void write_summary(const std::filesystem::path& path, const nlohmann::ordered_json& summary) {
    write_file_atomically(path, summary.dump(2) + "\n");
}

}  // namespace cirm::datagen
