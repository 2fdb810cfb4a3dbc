#pragma once
/// \file
/// Whole-file reads and atomic whole-file writes (POSIX). An artifact written by cirm (a spec, a
/// dataset, a tensor file) is either the old file or the complete new one, never a partial file:
/// the bytes go to a temporary file in the target's directory, which is flushed to disk and then
/// renamed over the target (rename is atomic within one file system). staged_files writes several
/// such files together, all or none.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

namespace detail {

inline std::string errno_text(int code) { return std::system_category().message(code); }

/// Closes a POSIX file descriptor when it goes out of scope (unless released).
class scoped_fd {
public:
    explicit scoped_fd(int fd) noexcept : fd_(fd) {}
    scoped_fd(const scoped_fd&) = delete;
    scoped_fd& operator=(const scoped_fd&) = delete;
    ~scoped_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }
    /// Closes now and reports close's own error (which can be the first sign of a failed write).
    int close_checked() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd);
    }

private:
    int fd_;
};

/// A name for the temporary file next to `target` that no other writer (thread or process) uses.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
    static std::atomic<unsigned long> counter{0};
    // Built by appending: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string at -O3.
    std::string name = ".";
    name += target.filename().string();
    name += ".tmp-";
    name += std::to_string(::getpid());
    name += '-';
    name += std::to_string(counter.fetch_add(1));
    return target.parent_path() / name;
}

}  // namespace detail

/// Writes `bytes` to `target` atomically: readers see either the old file or the whole new one.
/// The temporary file is created in the target's directory (so the rename stays on one file
/// system), fsync'ed, and renamed over the target; the directory is then fsync'ed so the rename
/// itself survives a crash. On any failure the temporary file is removed, the target is left as
/// it was, and a cirm::error naming the target is thrown. New files get mode 0666 minus the umask.
inline void write_file_atomically(const std::filesystem::path& target, std::string_view bytes) {
    if (target.empty()) throw error("cannot write a file with an empty path");
    if (!target.has_filename()) throw error("cannot write '" + target.string() + "': the path names a directory");
    std::filesystem::path temporary;
    int raw_fd = -1;
    // A name can be taken by a temporary file that a crashed process left behind (a process in a
    // container often gets the same pid every run): try the next name then.
    for (int attempt = 0; attempt < 1000 && raw_fd < 0; ++attempt) {
        temporary = detail::temporary_sibling(target);
        do {
            raw_fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        } while (raw_fd < 0 && errno == EINTR);
        if (raw_fd < 0 && errno != EEXIST) break;
    }
    if (raw_fd < 0) {
        // Nothing was created, so there is nothing to unlink (and the name might be someone else's).
        const int code = errno;
        throw error("cannot write '" + target.string() +
                    "': creating a temporary file in its directory: " + detail::errno_text(code));
    }
    detail::scoped_fd fd(raw_fd);
    auto fail = [&](const std::string& step, int code) {
        ::unlink(temporary.c_str());  // best effort: the temporary must not be left behind
        throw error("cannot write '" + target.string() + "': " + step + ": " + detail::errno_text(code));
    };

    const char* data = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ::ssize_t n = ::write(fd.get(), data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing", errno);
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) fail("flushing to disk", errno);
    if (fd.close_checked() != 0) fail("closing", errno);
    if (::rename(temporary.c_str(), target.c_str()) != 0) fail("renaming the temporary file over it", errno);

    // The rename is durable only once the directory entry is flushed. Failing here would not
    // make the file partial, so this step is best effort.
    const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

/// Reads a whole file into a string. A missing, unreadable or non-regular file is a cirm::error
/// that names the path and the reason.
inline std::string read_file(const std::filesystem::path& path) {
    int raw_fd = -1;
    do {
        raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (raw_fd < 0 && errno == EINTR);
    if (raw_fd < 0) {
        const int code = errno;
        throw error("cannot read '" + path.string() + "': " + detail::errno_text(code));
    }
    detail::scoped_fd fd(raw_fd);

    struct ::stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        const int code = errno;
        throw error("cannot read '" + path.string() + "': " + detail::errno_text(code));
    }
    if (S_ISDIR(info.st_mode)) throw error("cannot read '" + path.string() + "': it is a directory");

    std::string contents;
    if (S_ISREG(info.st_mode) && info.st_size > 0) contents.reserve(static_cast<std::size_t>(info.st_size));
    char chunk[1 << 16];
    for (;;) {
        const ::ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int code = errno;
            throw error("cannot read '" + path.string() + "': " + detail::errno_text(code));
        }
        if (n == 0) break;
        contents.append(chunk, static_cast<std::size_t>(n));
    }
    return contents;
}

/// Output files staged in memory and written together at the end: a program that fails half-way
/// leaves no output at all, and each file is written atomically, so a reader never sees a partial
/// one. If writing one of them fails, the files this commit already wrote are removed again.
class staged_files {
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
                    if (ec)
                        throw error("cannot create directory '" + path.parent_path().string() + "': " + ec.message());
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

}  // namespace cirm
