#pragma once
/// \file
/// The regular expressions of tokenizer.json files, compiled by PCRE2 (UTF and Unicode
/// properties, JIT-compiled). Hugging Face's `tokenizers` runs them with Oniguruma, whose
/// classes differ from PCRE2's in two places: its `\s` is U+0009-U+000D, U+0085 and the
/// separators (the White_Space property; PCRE2 leaves out U+0085), and its `\w` is letters,
/// marks, numbers and connector punctuation (PCRE2 10.42 leaves out marks and most connectors).
/// Both are spelled out as Unicode properties before compiling. A compiled expression is
/// immutable and may be used by several threads at once.

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

/// `pattern` with Oniguruma's meaning of `\s`, `\S`, `\w` and `\W` spelled out for PCRE2 (see
/// the file comment). Inside a character class `\w` becomes the list of its properties; `\W`
/// there, which a class cannot spell, is left to PCRE2.
inline std::string with_oniguruma_classes(std::string_view pattern) {
    static constexpr std::string_view word_properties = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
    std::string out;
    out.reserve(pattern.size() + 16);
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '[' && !in_class) {
            in_class = true;
            out += c;
            // a ']' right after '[' or '[^' is a literal member, not the end
            if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
            if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
            continue;
        }
        if (c == ']' && in_class) {
            in_class = false;
            out += c;
            continue;
        }
        if (c != '\\' || i + 1 == pattern.size()) {
            out += c;
            continue;
        }
        const char escaped = pattern[++i];
        if (escaped == 's') {
            out += "\\p{White_Space}";
        } else if (escaped == 'S') {
            out += "\\P{White_Space}";
        } else if (escaped == 'w') {
            if (in_class)
                out += word_properties;
            else
                out.append("[").append(word_properties).append("]");
        } else if (escaped == 'W' && !in_class) {
            out.append("[^").append(word_properties).append("]");
        } else {
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
        const std::string rewritten = with_oniguruma_classes(pattern);
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
