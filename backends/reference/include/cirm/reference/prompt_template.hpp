#pragma once
/// \file
/// How a sample (prompt, response) becomes one token sequence: a list of pieces — special
/// tokens, fixed text, and the two slots for the prompt and the response — that comes with the
/// model's files (see tokenizer_file.hpp), so no chat format is hard-coded in the engine.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/reference/tokenizer.hpp"
#include "cirm/sample.hpp"

namespace cirm::reference {

/// One piece of a template.
struct template_piece {
    enum class kind { special, text, prompt, response };
    kind what = kind::text;
    std::string value;  ///< the special token's name (special) or the text (text); empty for the slots
};

/// A prompt/response template: pieces in order, with the prompt slot and the response slot each
/// exactly once.
class prompt_template {
public:
    explicit prompt_template(std::vector<template_piece> pieces) : pieces_(std::move(pieces)) {
        std::size_t prompts = 0, responses = 0;
        for (const auto& p : pieces_) {
            prompts += p.what == template_piece::kind::prompt;
            responses += p.what == template_piece::kind::response;
            if (p.what == template_piece::kind::special && p.value.empty())
                throw error("prompt template: a special piece has an empty name");
        }
        if (prompts != 1 || responses != 1)
            throw error("prompt template: needs the prompt slot and the response slot exactly once each (has " +
                        std::to_string(prompts) + " prompt and " + std::to_string(responses) + " response slots)");
    }

    const std::vector<template_piece>& pieces() const noexcept { return pieces_; }

    /// Appends the token ids of `s` under this template to `ids`.
    void encode(const tokenizer& tok, const sample& s, std::vector<std::int32_t>& ids) const {
        for (const auto& p : pieces_) {
            switch (p.what) {
                case template_piece::kind::special: ids.push_back(tok.special_id(p.value)); break;
                case template_piece::kind::text: tok.encode(p.value, ids); break;
                case template_piece::kind::prompt: tok.encode(s.prompt, ids); break;
                case template_piece::kind::response: tok.encode(s.response, ids); break;
            }
        }
    }

    /// Checks that every special piece names a token of `tok`.
    void check_against(const tokenizer& tok) const {
        for (const auto& p : pieces_)
            if (p.what == template_piece::kind::special) (void)tok.special_id(p.value);
    }

private:
    std::vector<template_piece> pieces_;
};

}  // namespace cirm::reference
