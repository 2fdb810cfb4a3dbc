#pragma once
/// \file
/// The regular expressions of tokenizer.json files, compiled by PCRE2 (UTF and Unicode
/// properties, JIT-compiled). Hugging Face's `tokenizers` runs them with Oniguruma, whose `\s`
/// is the Unicode White_Space property; PCRE2's `\s` leaves out U+0085, so `\s` and `\S` are
/// rewritten to `\p{White_Space}` and `\P{White_Space}` before compiling. A compiled expression
/// is immutable and may be used by several threads at once.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "cirm/error.hpp"
#include "cirm/text/unicode.hpp"

namespace cirm::detail {

/// `pattern` with `\s` and `\S` spelled as the White_Space property (see the file comment).
inline std::string with_unicode_whitespace(std::string_view pattern) {
    std::string out;
    out.reserve(pattern.size() + 16);
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '\\' || i + 1 == pattern.size()) {
            out += pattern[i];
            continue;
        }
        const char escaped = pattern[++i];
        if (escaped == 's')
            out += "\\p{White_Space}";
        else if (escaped == 'S')
            out += "\\P{White_Space}";
        else {
            out += '\\';
            out += escaped;
        }
    }
    return out;
}

/// Per-thread PCRE2 state: one match block (the whole match is all that is read) and a JIT
/// stack large enough for long runs of one class.
class pcre2_thread_state {
public:
    pcre2_thread_state()
        : match_data_(pcre2_match_data_create(1, nullptr)),
          context_(pcre2_match_context_create(nullptr)),
          jit_stack_(pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr)) {
        if (match_data_ == nullptr || context_ == nullptr) throw error("regular expression: out of memory");
        if (jit_stack_ != nullptr) pcre2_jit_stack_assign(context_, nullptr, jit_stack_);
    }
    ~pcre2_thread_state() {
        pcre2_match_data_free(match_data_);
        pcre2_match_context_free(context_);
        if (jit_stack_ != nullptr) pcre2_jit_stack_free(jit_stack_);
    }
    pcre2_thread_state(const pcre2_thread_state&) = delete;
    pcre2_thread_state& operator=(const pcre2_thread_state&) = delete;

    pcre2_match_data* match_data() const noexcept { return match_data_; }
    pcre2_match_context* context() const noexcept { return context_; }

    static pcre2_thread_state& current() {
        thread_local pcre2_thread_state state;
        return state;
    }

private:
    pcre2_match_data* match_data_;
    pcre2_match_context* context_;
    pcre2_jit_stack* jit_stack_;
};

/// One compiled regular expression.
class compiled_regex {
public:
    /// Compiles `pattern` (after the `\s` rewrite); a pattern PCRE2 refuses is a cirm::error
    /// naming `where`.
    compiled_regex(std::string_view pattern, const std::string& where) {
        const std::string rewritten = with_unicode_whitespace(pattern);
        int code = 0;
        PCRE2_SIZE offset = 0;
        pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                                             PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
        if (compiled == nullptr) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(code, message, sizeof message);
            throw error(where + ": the regular expression '" + std::string(pattern) + "' does not compile: " +
                        reinterpret_cast<const char*>(message) + " (at offset " + std::to_string(offset) + ")");
        }
        code_.reset(compiled, &pcre2_code_free);
        pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);  // without JIT support, the interpreter runs
    }

    /// Calls `on_match(start, end)` for every non-overlapping match in `text` (valid UTF-8),
    /// left to right, as a find-all loop does: after an empty match the search moves on by one
    /// character.
    template <class OnMatch>
    void for_each_match(std::string_view text, OnMatch&& on_match) const {
        auto& state = pcre2_thread_state::current();
        const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
        std::size_t position = 0;
        while (position <= text.size()) {
            const int found = pcre2_match(code_.get(), subject, text.size(), position, PCRE2_NO_UTF_CHECK,
                                          state.match_data(), state.context());
            if (found == PCRE2_ERROR_NOMATCH) return;
            if (found < 0) {
                PCRE2_UCHAR message[256];
                pcre2_get_error_message(found, message, sizeof message);
                throw error(std::string("regular expression match failed: ") + reinterpret_cast<const char*>(message));
            }
            const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.match_data());
            const std::size_t start = ovector[0];
            const std::size_t end = ovector[1];
            on_match(start, end);
            if (end > start) {
                position = end;
            } else {
                if (end >= text.size()) return;
                position = end + utf8_sequence_length(static_cast<unsigned char>(text[end]));
            }
        }
    }

private:
    std::shared_ptr<pcre2_code> code_;
};

}  // namespace cirm::detail
