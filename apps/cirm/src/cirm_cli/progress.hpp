#pragma once
/// \file
/// A one-line progress bar on stderr, redrawn in place with '\r'. Drawn only when enabled (main
/// enables it when stderr is a terminal and --quiet is not given), so that logs and the tests,
/// which read stderr, never see it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cirm/pipeline/config.hpp"

namespace cirm::cli {

class progress_bar {
public:
    progress_bar(std::ostream& err, bool enabled, std::string label)
        : err_(err), enabled_(enabled), label_(std::move(label)), start_(std::chrono::steady_clock::now()) {}
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;
    ~progress_bar() { finish(); }

    /// Shows `done` of `total`; redraws at most ~10 times a second (and always at the end).
    void update(std::size_t done, std::size_t total) {
        if (!enabled_ || total == 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        constexpr std::size_t width = 30;
        const std::size_t filled = done >= total ? width : done * width / total;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        std::string line = "\r" + label_ + " [";
        line.append(filled, '#');
        line.append(width - filled, ' ');
        line += "] " + std::to_string(done) + "/" + std::to_string(total) + " " +
                std::to_string(static_cast<long>(seconds)) + "s";
        err_ << line << std::flush;
        drawn_ = true;
    }

    /// Ends the bar's line (once), so that later output starts on a fresh line.
    void finish() {
        if (drawn_) err_ << "\n" << std::flush;
        drawn_ = false;
    }

private:
    std::ostream& err_;
    bool enabled_;
    std::string label_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
};

/// A progress_callback for the pipeline that draws one bar per stage ("locate", "search", ...),
/// ending a stage's line when the next stage begins. Draws nothing when disabled.
inline progress_callback stage_bars(std::ostream& err, bool enabled) {
    if (!enabled) return nullptr;
    struct bars {
        std::string stage;
        std::optional<progress_bar> bar;
    };
    auto state = std::make_shared<bars>();
    return [&err, state](std::string_view stage, std::size_t done, std::size_t total) {
        if (!state->bar || state->stage != stage) {
            state->bar.reset();
            state->stage = std::string(stage);
            std::string label(stage);
            if (label.size() < 5) label.resize(5, ' ');
            state->bar.emplace(err, true, label);
        }
        state->bar->update(done, total);
    };
}

}  // namespace cirm::cli
