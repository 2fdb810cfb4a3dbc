#pragma once
/// \file
/// The memory check made before a model is loaded: the bytes its weights need are compared with
/// the memory available, and a model that does not fit is refused with both numbers, instead of
/// being killed by the system half-way through loading.
///
/// Available memory (Linux): MemAvailable of /proc/meminfo, lowered to what the process's cgroup
/// (v2) still allows (memory.max − memory.current) where a limit is set, and to the environment
/// variable CIRM_MEMORY_LIMIT (bytes; a cap a user sets on a shared machine, and what tests use
/// to make a model not fit). Where none of these can be read, nothing is refused.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "cirm/error.hpp"

namespace cirm::reference {

namespace detail {

/// The first number of a file (e.g. a cgroup's memory.max); nullopt if unreadable or "max".
inline std::optional<std::uint64_t> read_number_file(const std::string& path) {
    std::ifstream in(path);
    std::string word;
    if (!(in >> word) || word.empty() || word.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    try {
        return std::stoull(word);
    } catch (...) {
        return std::nullopt;
    }
}

/// MemAvailable of /proc/meminfo, in bytes.
inline std::optional<std::uint64_t> meminfo_available() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("MemAvailable:", 0) != 0) continue;
        std::istringstream fields(line.substr(13));
        std::uint64_t kib = 0;
        if (fields >> kib) return kib * 1024;
    }
    return std::nullopt;
}

/// limit − usage of a cgroup directory's two files, if both can be read.
inline std::optional<std::uint64_t> cgroup_room(const std::string& dir, const char* limit_file,
                                                const char* usage_file) {
    const auto limit = read_number_file(dir + "/" + limit_file);
    if (!limit) return std::nullopt;
    const auto used = read_number_file(dir + "/" + usage_file);
    return used && *used < *limit ? *limit - *used : 0;
}

/// What the process's cgroup still allows (v2: memory.max − memory.current; v1:
/// memory.limit_in_bytes − memory.usage_in_bytes), if a limit is set. Inside a container the
/// cgroup's own directory is mounted as the root, so that is tried when the path is not found.
inline std::optional<std::uint64_t> cgroup_available() {
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line)) {
        const auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
        const bool v2 = controllers.empty(), v1 = controllers == "memory";
        if (!v1 && !v2) continue;
        const std::string base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
        const char* limit = v2 ? "memory.max" : "memory.limit_in_bytes";
        const char* usage = v2 ? "memory.current" : "memory.usage_in_bytes";
        for (const auto& dir : {base + path, base})
            if (const auto room = cgroup_room(dir, limit, usage)) return room;
    }
    return std::nullopt;
}

}  // namespace detail

/// The bytes of memory this process may still use (see the file comment); nullopt where nothing
/// says. CIRM_MEMORY_LIMIT that is not a whole number of bytes is an error.
inline std::optional<std::uint64_t> available_memory() {
    std::optional<std::uint64_t> available = detail::meminfo_available();
    const auto lower = [&](std::optional<std::uint64_t> cap) {
        if (cap && (!available || *cap < *available)) available = cap;
    };
    lower(detail::cgroup_available());
    if (const char* limit = std::getenv("CIRM_MEMORY_LIMIT"); limit && *limit) {
        const std::string text = limit;
        if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19)
            throw error("CIRM_MEMORY_LIMIT must be a whole number of bytes (found '" + text + "')");
        lower(std::stoull(text));
    }
    return available;
}

/// "1.50 GiB", "12.0 MiB", "512 bytes".
inline std::string format_bytes(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    if (unit == 0) return std::to_string(bytes) + " bytes";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %s (%llu bytes)", value, units[unit],
                  static_cast<unsigned long long>(bytes));
    return text;
}

/// Refuses to go on when `needed` bytes (described by `what`) exceed `available`.
inline void check_memory_fits(std::uint64_t needed, std::optional<std::uint64_t> available, const std::string& what) {
    if (available && needed > *available)
        throw error("not enough memory: " + what + " need " + format_bytes(needed) + ", but only " +
                    format_bytes(*available) + " is available (MemAvailable, the cgroup limit or CIRM_MEMORY_LIMIT)");
}

/// check_memory_fits against available_memory().
inline void check_memory_fits(std::uint64_t needed, const std::string& what) {
    check_memory_fits(needed, available_memory(), what);
}

}  // namespace cirm::reference
