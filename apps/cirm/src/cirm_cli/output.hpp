#pragma once
/// \file
/// Output files of a command, staged in memory and written together at the end: a command that
/// fails half-way leaves no output at all, and each file is written atomically (temporary file +
/// rename), so a reader never sees a partial one. If writing one of them fails, the files this
/// commit already wrote are removed again.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"

namespace cirm::cli {

class pending_outputs {
public:
    /// Stages `bytes` for `path` (replacing an earlier staging of the same path).
    void add(std::filesystem::path path, std::string bytes) {
        for (auto& f : files_)
            if (f.first == path) {
                f.second = std::move(bytes);
                return;
            }
        files_.emplace_back(std::move(path), std::move(bytes));
    }

    /// Creates the missing parent directories and writes every staged file atomically (the staged
    /// list stays, for reporting what was written).
    void commit() {
        std::vector<std::filesystem::path> written;
        try {
            for (const auto& [path, bytes] : files_) {
                if (path.has_parent_path()) {
                    std::error_code ec;
                    std::filesystem::create_directories(path.parent_path(), ec);
                    if (ec) throw error("cannot create directory '" + path.parent_path().string() + "': " + ec.message());
                }
                write_file_atomically(path, bytes);
                written.push_back(path);
            }
        } catch (...) {
            std::error_code ignored;
            for (const auto& p : written) std::filesystem::remove(p, ignored);
            throw;
        }
    }

    const std::vector<std::pair<std::filesystem::path, std::string>>& files() const noexcept { return files_; }

private:
    std::vector<std::pair<std::filesystem::path, std::string>> files_;
};

}  // namespace cirm::cli
