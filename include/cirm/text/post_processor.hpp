#pragma once
/// \file
/// The post-processors of tokenizer.json, for a single sequence: TemplateProcessing (its
/// `single` template: special tokens around the sequence), ByteLevel (which changes only
/// offsets, so no id) and a Sequence of them. They run only when special tokens are asked for.

#include <cstdint>
#include <utility>
#include <vector>

namespace cirm {

/// One item of a `single` template: the encoded sequence, or the ids of a special token.
struct template_item {
    bool is_sequence = false;
    std::vector<std::int32_t> special_ids;  ///< for a special token
};

/// A post-processor: the `single` templates of its TemplateProcessing steps, applied in order
/// (none: the ids are left as they are).
class text_post_processor {
public:
    text_post_processor() = default;
    explicit text_post_processor(std::vector<std::vector<template_item>> templates)
        : templates_(std::move(templates)) {}

    /// Rewrites `ids[first...]` (the encoded sequence) by each template.
    void apply(std::vector<std::int32_t>& ids, std::size_t first) const {
        for (const auto& items : templates_) {
            std::vector<std::int32_t> sequence(ids.begin() + static_cast<std::ptrdiff_t>(first), ids.end());
            ids.resize(first);
            for (const auto& item : items) {
                if (item.is_sequence)
                    ids.insert(ids.end(), sequence.begin(), sequence.end());
                else
                    ids.insert(ids.end(), item.special_ids.begin(), item.special_ids.end());
            }
        }
    }

    /// How many special ids the templates add around a sequence.
    std::size_t added_count() const noexcept {
        std::size_t count = 0;
        for (const auto& items : templates_)
            for (const auto& item : items) count += item.special_ids.size();
        return count;
    }

private:
    std::vector<std::vector<template_item>> templates_;
};

}  // namespace cirm
