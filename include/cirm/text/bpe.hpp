#pragma once
/// \file
/// The BPE model of tokenizer.json, encoding a piece as Hugging Face's `tokenizers` does: the
/// piece's characters (each looked up in the vocabulary, else its bytes as `<0xXX>` tokens with
/// byte_fallback, else the unknown token, consecutive ones fused with fuse_unk), then the merges
/// applied lowest rank first, leftmost first among equal ranks (a priority queue over a linked
/// list of symbols). With ignore_merges a piece that is itself a token is that token. Encoding
/// is const and thread-safe; a small cache of recent pieces is shared under a lock per shard.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/text/unicode.hpp"
#include "cirm/text/vocabulary.hpp"

namespace cirm::detail {

/// Hashes std::string and std::string_view alike, for lookups by view.
struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

/// The options of a BPE model besides its vocabulary and merges.
struct bpe_options {
    std::optional<std::string> unk_token;
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;
    std::string continuing_subword_prefix;  ///< "" for none
    std::string end_of_word_suffix;         ///< "" for none
};

/// A BPE model: vocabulary, ranked merges and options.
class bpe_model {
public:
    bpe_model() = default;

    /// `merges` are pairs of tokens, in rank order; each token and each merged token must be
    /// in `vocabulary` (the merged token is the left one followed by the right one less its
    /// continuing_subword_prefix). Errors name `where`.
    bpe_model(token_vocabulary vocabulary, const std::vector<std::pair<std::string_view, std::string_view>>& merges,
              bpe_options options, const std::string& where)
        : vocabulary_(std::move(vocabulary)), merges_(merges.size()), options_(std::move(options)) {
        if (options_.unk_token) {
            const auto id = vocabulary_.find(*options_.unk_token);
            if (id < 0) throw error(where + ": model.unk_token '" + *options_.unk_token + "' is not in model.vocab");
            unk_id_ = id;
        }
        std::string merged;
        const std::size_t prefix_length = options_.continuing_subword_prefix.size();
        for (std::size_t rank = 0; rank < merges.size(); ++rank) {
            const std::string_view left = merges[rank].first;
            const std::string_view right = merges[rank].second;
            const auto where_merge = [&] {
                return where + ": model.merges[" + std::to_string(rank) + "] ('" + std::string(left) + "', '" +
                       std::string(right) + "')";
            };
            const auto left_id = vocabulary_.find(left);
            const auto right_id = vocabulary_.find(right);
            if (left_id < 0) throw error(where_merge() + ": '" + std::string(left) + "' is not in model.vocab");
            if (right_id < 0) throw error(where_merge() + ": '" + std::string(right) + "' is not in model.vocab");
            if (prefix_length > 0 && right.substr(0, prefix_length) != options_.continuing_subword_prefix)
                throw error(where_merge() + ": the right token does not start with continuing_subword_prefix");
            merged.assign(left);
            merged.append(right.substr(prefix_length));
            const auto merged_id = vocabulary_.find(merged);
            if (merged_id < 0) throw error(where_merge() + ": the merged token '" + merged + "' is not in model.vocab");
            // A pair listed twice keeps its last rank, as the reference library's map does.
            merges_.assign(left_id, right_id, merge_rule{static_cast<std::int32_t>(rank), merged_id});
        }
        byte_ids_.fill(-1);
        if (options_.byte_fallback) {
            static constexpr char hex[] = "0123456789ABCDEF";
            for (int byte = 0; byte < 256; ++byte) {
                const std::string name = std::string("<0x") + hex[byte >> 4] + hex[byte & 15] + ">";
                byte_ids_[static_cast<std::size_t>(byte)] = vocabulary_.find(name);
            }
        }
        if (prefix_length == 0 && options_.end_of_word_suffix.empty()) {
            bmp_ids_.assign(0x10000, -1);
            for (std::int32_t id = 0; static_cast<std::size_t>(id) < vocabulary_.id_limit(); ++id) {
                if (!vocabulary_.has_id(id)) continue;
                const std::string& token = vocabulary_.token(id);
                std::size_t length = 0;
                if (token.empty() || token.size() > 3) continue;
                const char32_t c = code_point_at(token, 0, length);
                if (length == token.size() && c < 0x10000) bmp_ids_[c] = id;
            }
        }
    }

    const token_vocabulary& vocabulary() const noexcept { return vocabulary_; }
    const bpe_options& options() const noexcept { return options_; }
    std::size_t merge_count() const noexcept { return merges_.size(); }

    /// Appends the ids of one pre-tokenized piece.
    void encode_piece(std::string_view piece, std::vector<std::int32_t>& ids) const {
        if (piece.empty()) return;
        if (options_.ignore_merges) {
            if (const auto id = vocabulary_.find(piece); id >= 0) {
                ids.push_back(id);
                return;
            }
        }
        const bool cacheable = piece.size() < max_cached_length;
        cache_shard* shard = nullptr;
        if (cacheable) {
            shard = &cache_[text_hash{}(piece) % cache_shards];
            std::lock_guard lock(shard->mutex);
            if (const auto it = shard->entries.find(piece); it != shard->entries.end()) {
                ids.insert(ids.end(), it->second.begin(), it->second.end());
                return;
            }
        }
        const std::size_t first = ids.size();
        merge_piece(piece, ids);
        if (cacheable) {
            std::lock_guard lock(shard->mutex);
            if (shard->entries.size() >= cache_entries_per_shard) shard->entries.clear();
            shard->entries.emplace(
                std::string(piece),
                std::vector<std::int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(first), ids.end()));
        }
    }

private:
    struct symbol {
        std::int32_t id;
        std::int32_t previous;  // index, -1 for none
        std::int32_t next;      // index, -1 for none
        bool removed;
    };
    struct pending_merge {
        std::int32_t rank;
        std::int32_t position;
        std::int32_t result;
        bool operator>(const pending_merge& other) const noexcept {
            return rank != other.rank ? rank > other.rank : position > other.position;
        }
    };
    struct cache_shard {
        std::mutex mutex;
        std::unordered_map<std::string, std::vector<std::int32_t>, text_hash, std::equal_to<>> entries;
    };
    static constexpr std::size_t cache_shards = 16;
    static constexpr std::size_t cache_entries_per_shard = 4096;
    static constexpr std::size_t max_cached_length = 256;

    const merge_rule* find_merge(std::int32_t left, std::int32_t right) const noexcept {
        return merges_.find(left, right);
    }

    std::int32_t character_id(std::string_view piece, std::size_t position, std::size_t length, char32_t c,
                              bool is_last) const {
        if (!bmp_ids_.empty()) {
            if (c < 0x10000) return bmp_ids_[c];
            return vocabulary_.find(piece.substr(position, length));
        }
        std::string text;
        if (position > 0) text = options_.continuing_subword_prefix;
        text.append(piece.substr(position, length));
        if (is_last) text += options_.end_of_word_suffix;
        return vocabulary_.find(text);
    }

    void merge_piece(std::string_view piece, std::vector<std::int32_t>& ids) const {
        thread_local std::vector<symbol> symbols;
        symbols.clear();
        const auto add = [](std::int32_t id) {
            const auto index = static_cast<std::int32_t>(symbols.size());
            symbols.push_back({id, index - 1, -1, false});
            if (index > 0) symbols[static_cast<std::size_t>(index) - 1].next = index;
        };
        bool pending_unk = false;
        std::size_t length = 0;
        for (std::size_t i = 0; i < piece.size(); i += length) {
            const char32_t c = code_point_at(piece, i, length);
            const std::int32_t id = character_id(piece, i, length, c, i + length == piece.size());
            if (id >= 0) {
                if (pending_unk) add(*unk_id_);
                pending_unk = false;
                add(id);
                continue;
            }
            if (options_.byte_fallback) {
                bool all_bytes = true;
                for (std::size_t k = 0; k < length; ++k)
                    all_bytes = all_bytes && byte_ids_[static_cast<unsigned char>(piece[i + k])] >= 0;
                if (all_bytes) {
                    if (pending_unk) add(*unk_id_);
                    pending_unk = false;
                    for (std::size_t k = 0; k < length; ++k) add(byte_ids_[static_cast<unsigned char>(piece[i + k])]);
                    continue;
                }
            }
            if (!unk_id_) continue;  // no unknown token: the character is dropped, as the reference does
            if (pending_unk && !options_.fuse_unk) add(*unk_id_);
            pending_unk = true;
        }
        if (pending_unk) add(*unk_id_);

        // a min-heap of pending merges (lowest rank, then leftmost), its storage kept per thread
        thread_local std::vector<pending_merge> queue;
        queue.clear();
        const auto push = [](pending_merge merge) {
            queue.push_back(merge);
            std::push_heap(queue.begin(), queue.end(), std::greater<>{});
        };
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
            if (const auto* rule = find_merge(symbols[i].id, symbols[i + 1].id))
                push({rule->rank, static_cast<std::int32_t>(i), rule->result});
        while (!queue.empty()) {
            std::pop_heap(queue.begin(), queue.end(), std::greater<>{});
            const pending_merge top = queue.back();
            queue.pop_back();
            symbol& left = symbols[static_cast<std::size_t>(top.position)];
            if (left.removed || left.next < 0) continue;
            symbol& right = symbols[static_cast<std::size_t>(left.next)];
            const auto* rule = find_merge(left.id, right.id);
            if (rule == nullptr || rule->result != top.result) continue;  // an outdated entry
            left.id = top.result;
            right.removed = true;
            left.next = right.next;
            if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].previous = top.position;
            if (left.previous >= 0)
                if (const auto* before = find_merge(symbols[static_cast<std::size_t>(left.previous)].id, left.id))
                    push({before->rank, left.previous, before->result});
            if (left.next >= 0)
                if (const auto* after = find_merge(left.id, symbols[static_cast<std::size_t>(left.next)].id))
                    push({after->rank, top.position, after->result});
        }
        for (const auto& s : symbols)
            if (!s.removed) ids.push_back(s.id);
    }

    token_vocabulary vocabulary_;
    merge_table merges_;
    bpe_options options_;
    std::optional<std::int32_t> unk_id_;
    std::array<std::int32_t, 256> byte_ids_{};
    std::vector<std::int32_t> bmp_ids_;  // single BMP characters -> id, when no prefix or suffix applies
    mutable std::array<cache_shard, cache_shards> cache_;
};

}  // namespace cirm::detail
