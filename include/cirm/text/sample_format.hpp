#pragma once
/// \file
/// sample_format: how a sample (prompt, response) becomes the text and the token ids a reward
/// model scores. The model's own chat template renders the conversation
/// [system (optional), user: prompt, assistant: response] with add_generation_prompt false, and
/// the rendered text is tokenized without adding special tokens a second time (the template
/// writes the BOS where the model has one) — what Hugging Face's
/// `apply_chat_template(conversation, tokenize=True)` gives, and what reward-model evaluations
/// score. A user format (`--template` in the command-line tool: text with `{prompt}` and
/// `{response}`, each exactly once, and optionally `{system}`) replaces the chat template where a
/// model has none or where its template cannot be rendered here.
///
/// The text of the sample goes through the tokenizer as a whole: where a prompt or a response
/// contains the text of an added token (for example "<|eot_id|>"), it becomes that token, as in
/// Hugging Face's tokenizers by default (split_special_tokens false). That is an injection
/// surface of every chat-template RM; it is kept so that the ids are the ones the RM was trained
/// and is evaluated on.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/sample.hpp"
#include "cirm/text/chat_template.hpp"
#include "cirm/text/hf_tokenizer.hpp"

namespace cirm {

/// A user-given format: literal text with the placeholders {prompt} and {response} (each exactly
/// once) and optionally {system}. No other brace sequence is special.
class user_format {
public:
    explicit user_format(std::string format) : format_(std::move(format)) {
        if (count("{prompt}") != 1 || count("{response}") != 1)
            throw error("template format '" + format_ + "' must contain {prompt} and {response} exactly once each");
        if (count("{system}") > 1) throw error("template format '" + format_ + "' contains {system} more than once");
    }

    const std::string& text() const noexcept { return format_; }
    bool has_system() const { return count("{system}") == 1; }

    /// The format with its placeholders replaced (the inserted text is never scanned again).
    std::string render(std::string_view system, std::string_view prompt, std::string_view response) const {
        std::string out;
        out.reserve(format_.size() + prompt.size() + response.size() + system.size());
        std::size_t i = 0;
        while (i < format_.size()) {
            if (format_.compare(i, 8, "{prompt}") == 0) {
                out += prompt;
                i += 8;
            } else if (format_.compare(i, 10, "{response}") == 0) {
                out += response;
                i += 10;
            } else if (format_.compare(i, 8, "{system}") == 0) {
                out += system;
                i += 8;
            } else {
                out += format_[i++];
            }
        }
        return out;
    }

private:
    std::size_t count(std::string_view placeholder) const {
        std::size_t n = 0;
        for (auto at = format_.find(placeholder); at != std::string::npos; at = format_.find(placeholder, at + 1)) ++n;
        return n;
    }

    std::string format_;
};

/// What renders a conversation: the model's chat template or a user format.
struct sample_format_settings {
    std::optional<std::string> system;               ///< a system message before every prompt (none: no system turn)
    std::string date_string{default_template_date};  ///< the date templates print (strftime_now, date_string)
};

/// The text and token ids of samples for one model. Immutable after construction; thread-safe.
class sample_format {
public:
    using renderer = std::variant<chat_template, user_format>;

    /// `origin` says where the renderer comes from, for messages (e.g. "chat_template of
    /// tokenizer_config.json", "--template").
    sample_format(std::shared_ptr<const hf_tokenizer> tokenizer, renderer how, chat_render_options tokens,
                  sample_format_settings settings, std::string origin)
        : tokenizer_(std::move(tokenizer)),
          how_(std::move(how)),
          tokens_(std::move(tokens)),
          settings_(std::move(settings)),
          origin_(std::move(origin)) {
        if (!tokenizer_) throw error("sample_format: no tokenizer given");
        tokens_.date_string = settings_.date_string;
        tokens_.add_generation_prompt = false;
        if (const auto* f = std::get_if<user_format>(&how_); f && settings_.system && !f->has_system())
            throw error("a system message is given but the template format has no {system}");
    }

    const hf_tokenizer& tokenizer() const noexcept { return *tokenizer_; }
    std::shared_ptr<const hf_tokenizer> shared_tokenizer() const noexcept { return tokenizer_; }
    const std::string& origin() const noexcept { return origin_; }
    const sample_format_settings& settings() const noexcept { return settings_; }
    const chat_render_options& render_options() const noexcept { return tokens_; }

    /// The text the model scores for `s`.
    std::string render(const sample& s) const {
        if (const auto* f = std::get_if<user_format>(&how_))
            return f->render(settings_.system.value_or(""), s.prompt, s.response);
        std::vector<chat_message> conversation;
        if (settings_.system) conversation.push_back({"system", *settings_.system});
        conversation.push_back({"user", std::string(s.prompt)});
        conversation.push_back({"assistant", std::string(s.response)});
        try {
            return std::get<chat_template>(how_).render(conversation, tokens_);
        } catch (const error& e) {
            throw error(origin_ + ": " + e.what());
        }
    }

    /// Appends the ids of `s` (its rendered text, no special tokens added) to `ids`.
    void encode(const sample& s, std::vector<std::int32_t>& ids) const {
        tokenizer_->encode(render(s), ids, /*add_special_tokens=*/false);
    }

    std::vector<std::int32_t> encode(const sample& s) const {
        std::vector<std::int32_t> ids;
        encode(s, ids);
        return ids;
    }

private:
    std::shared_ptr<const hf_tokenizer> tokenizer_;
    renderer how_;
    chat_render_options tokens_;
    sample_format_settings settings_;
    std::string origin_;
};

}  // namespace cirm
