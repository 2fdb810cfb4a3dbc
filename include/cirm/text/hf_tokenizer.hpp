#pragma once
/// \file
/// A Hugging Face `tokenizer.json` tokenizer (BPE models: byte-level as in Llama-3 and Qwen, or
/// SentencePiece-style with ▁ and byte fallback as in Llama-2 and Gemma), encoding exactly as
/// Hugging Face's `tokenizers` does: added tokens cut out first (see added_tokens.hpp; their text
/// inside a user's prompt or response becomes the token, as Hugging Face does by default), then
/// per remaining part the normalizer, the normalized added tokens, the pre-tokenizer and the
/// model; the post-processor only when special tokens are asked for. Built by
/// parse_tokenizer_json (cirm/io/tokenizer_json.hpp); immutable, and encode is thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/added_tokens.hpp"
#include "cirm/text/bpe.hpp"
#include "cirm/text/normalizer.hpp"
#include "cirm/text/post_processor.hpp"
#include "cirm/text/pre_tokenizer.hpp"
#include "cirm/utf8.hpp"

namespace cirm {

/// The parts of a tokenizer, as parse_tokenizer_json reads them.
struct hf_tokenizer_parts {
    text_normalizer normalizer;
    text_pre_tokenizer pre_tokenizer;
    std::shared_ptr<const detail::bpe_model> model;
    std::vector<added_token> added_tokens;
    text_post_processor post_processor;
};

/// A tokenizer.json tokenizer.
class hf_tokenizer {
public:
    /// Assembles the parts; an added token whose id another added token has is an error.
    explicit hf_tokenizer(hf_tokenizer_parts parts, const std::string& source = "tokenizer.json")
        : normalizer_(std::move(parts.normalizer)),
          pre_tokenizer_(std::move(parts.pre_tokenizer)),
          model_(std::move(parts.model)),
          post_processor_(std::move(parts.post_processor)) {
        if (!model_) throw error(source + ": no model");
        const auto& vocabulary = model_->vocabulary();
        auto largest = static_cast<std::int32_t>(vocabulary.id_limit()) - 1;
        for (const auto& t : parts.added_tokens) largest = std::max(largest, t.id);
        id_to_token_.resize(static_cast<std::size_t>(largest + 1));
        special_.assign(static_cast<std::size_t>(largest + 1), false);
        for (std::int32_t id = 0; static_cast<std::size_t>(id) < vocabulary.id_limit(); ++id)
            if (vocabulary.has_id(id)) id_to_token_[static_cast<std::size_t>(id)] = vocabulary.token(id);
        std::vector<added_token> raw, normalized;
        std::vector<std::string> raw_texts, normalized_texts;
        std::vector<bool> added_seen(static_cast<std::size_t>(largest + 1), false);
        for (const auto& t : parts.added_tokens) {
            const auto index = static_cast<std::size_t>(t.id);
            if (added_seen[index])
                throw error(source + ": added_tokens: id " + std::to_string(t.id) + " is given to two added tokens");
            added_seen[index] = true;
            added_texts_->push_back(t.content);
            special_[index] = t.special;
            added_by_text_.try_emplace(t.content, t.id);  // the first of two with one text counts
            ++added_count_;
            if (t.special) ++special_count_;
            if (t.normalized) {
                normalized.push_back(t);
                normalized_texts.push_back(normalizer_.apply(t.content));
            } else {
                raw.push_back(t);
                raw_texts.push_back(t.content);
            }
        }
        for (std::size_t k = 0; k < added_texts_->size(); ++k)  // it no longer grows: the views stay valid
            id_to_token_[static_cast<std::size_t>(parts.added_tokens[k].id)] = (*added_texts_)[k];
        raw_added_ = detail::added_token_matcher(std::move(raw), raw_texts);
        normalized_added_ = detail::added_token_matcher(std::move(normalized), normalized_texts);
    }

    /// Appends the ids of `text` (UTF-8; anything else is a cirm::error). With
    /// add_special_tokens the post-processor adds its special tokens (e.g. BOS).
    void encode(std::string_view text, std::vector<std::int32_t>& ids, bool add_special_tokens = false) const {
        validate_utf8(text, "the text to tokenize");
        const std::size_t first = ids.size();
        for (const auto& part : raw_added_.split(text)) {
            if (part.token >= 0) {
                ids.push_back(part.token);
                continue;
            }
            std::string normalized = normalizer_.apply(std::string(text.substr(part.start, part.end - part.start)));
            const bool starts_input = part.start == 0;
            if (normalized_added_.empty()) {
                encode_normalized(std::move(normalized), starts_input, ids);
                continue;
            }
            for (const auto& inner : normalized_added_.split(normalized)) {
                if (inner.token >= 0)
                    ids.push_back(inner.token);
                else
                    encode_normalized(normalized.substr(inner.start, inner.end - inner.start),
                                      starts_input && inner.start == 0, ids);
            }
        }
        if (add_special_tokens) post_processor_.apply(ids, first);
    }

    /// The ids of `text`.
    std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = false) const {
        std::vector<std::int32_t> ids;
        encode(text, ids, add_special_tokens);
        return ids;
    }

    /// The id of a token, as the file writes it: an added token's content or a vocabulary entry.
    std::optional<std::int32_t> token_id(std::string_view token) const {
        if (const auto it = added_by_text_.find(token); it != added_by_text_.end()) return it->second;
        if (const auto id = model_->vocabulary().find(token); id >= 0) return id;
        return std::nullopt;
    }

    /// The token of an id as the file writes it ("Ġthe", "▁the", "<0x0A>"); "" for an id that no
    /// token has.
    std::string_view token_text(std::int32_t id) const {
        if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return {};
        return id_to_token_[static_cast<std::size_t>(id)];
    }

    /// True for an added token with special = true.
    bool is_special(std::int32_t id) const {
        return id >= 0 && static_cast<std::size_t>(id) < special_.size() && special_[static_cast<std::size_t>(id)];
    }

    /// One past the largest id (vocabulary and added tokens).
    std::size_t id_limit() const noexcept { return id_to_token_.size(); }

    /// One line, e.g. "BPE, byte-level, 128000 tokens + 256 added (256 special)".
    std::string describe() const {
        std::string kind = "BPE";
        if (pre_tokenizer_.byte_level()) kind += ", byte-level";
        if (model_->options().byte_fallback) kind += ", byte fallback";
        return kind + ", " + std::to_string(model_->vocabulary().size()) + " tokens + " + std::to_string(added_count_) +
               " added (" + std::to_string(special_count_) + " special)";
    }

private:
    void encode_normalized(std::string text, bool starts_input, std::vector<std::int32_t>& ids) const {
        if (text.empty()) return;
        for (const auto& piece : pre_tokenizer_.apply(std::move(text), starts_input))
            model_->encode_piece(piece.text, ids);
    }

    text_normalizer normalizer_;
    text_pre_tokenizer pre_tokenizer_;
    std::shared_ptr<const detail::bpe_model> model_;
    text_post_processor post_processor_;
    detail::added_token_matcher raw_added_;
    detail::added_token_matcher normalized_added_;
    std::unordered_map<std::string, std::int32_t, detail::text_hash, std::equal_to<>> added_by_text_;
    std::vector<std::string_view> id_to_token_;  // into the model's vocabulary or added_texts_
    // shared, so that a copy of the tokenizer views the same texts
    std::shared_ptr<std::vector<std::string>> added_texts_ = std::make_shared<std::vector<std::string>>();
    std::vector<bool> special_;
    std::size_t added_count_ = 0;
    std::size_t special_count_ = 0;
};

}  // namespace cirm
