#pragma once
/// \file
/// Flat lookup tables for the BPE model, built once and read by many threads: the vocabulary
/// (token text <-> id, open addressing over the token texts kept by id) and the merge ranks
/// (a pair of ids -> rank and merged id). Both avoid a node allocation per entry, which keeps
/// loading a 128k-token, 280k-merge file and encoding fast.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cirm::detail {

/// The smallest power of two >= 2 * count (at least 16): the table stays at most half full.
inline std::size_t table_size_for(std::size_t count) {
    std::size_t size = 16;
    while (size < 2 * count) size *= 2;
    return size;
}

/// Token texts and their ids.
class token_vocabulary {
public:
    token_vocabulary() : slots_(16) {}

    /// `entries` are (token, id) with distinct tokens and distinct ids >= 0.
    explicit token_vocabulary(std::vector<std::pair<std::string, std::int32_t>> entries) {
        std::int32_t largest = -1;
        for (const auto& entry : entries) largest = std::max(largest, entry.second);
        tokens_.resize(static_cast<std::size_t>(largest + 1));
        present_.assign(tokens_.size(), false);
        slots_.assign(table_size_for(entries.size()), slot{});
        for (auto& [token, id] : entries) {
            const auto index = static_cast<std::size_t>(id);
            if (find(token) >= 0) {
                if (!duplicate_) duplicate_ = token;
                continue;
            }
            present_[index] = true;
            tokens_[index] = std::move(token);
            place(tokens_[index], id);
            ++count_;
        }
    }

    /// The id of `token`, or -1.
    std::int32_t find(std::string_view token) const noexcept {
        const std::size_t hash = std::hash<std::string_view>{}(token);
        const std::size_t mask = slots_.size() - 1;
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            const slot& s = slots_[i];
            if (s.id < 0) return -1;
            if (s.tag == tag && tokens_[static_cast<std::size_t>(s.id)] == token) return s.id;
        }
    }

    std::size_t size() const noexcept { return count_; }
    /// A token that the entries gave twice (the vocabulary keeps its first id), if any.
    const std::optional<std::string>& duplicate() const noexcept { return duplicate_; }
    /// One past the largest id.
    std::size_t id_limit() const noexcept { return tokens_.size(); }
    bool has_id(std::int32_t id) const noexcept {
        return id >= 0 && static_cast<std::size_t>(id) < present_.size() && present_[static_cast<std::size_t>(id)];
    }
    /// The text of id (valid for has_id(id)).
    const std::string& token(std::int32_t id) const noexcept { return tokens_[static_cast<std::size_t>(id)]; }

private:
    struct slot {
        std::uint32_t tag = 0;
        std::int32_t id = -1;
    };
    void place(std::string_view token, std::int32_t id) {
        const std::size_t hash = std::hash<std::string_view>{}(token);
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash & mask;
        while (slots_[i].id >= 0) i = (i + 1) & mask;
        slots_[i] = {static_cast<std::uint32_t>(hash >> 32), id};
    }

    std::vector<std::string> tokens_;
    std::vector<bool> present_;
    std::vector<slot> slots_;
    std::size_t count_ = 0;
    std::optional<std::string> duplicate_;
};

/// The rank of a merge and the id it makes.
struct merge_rule {
    std::int32_t rank;
    std::int32_t result;
};

/// (left id, right id) -> merge_rule.
class merge_table {
public:
    merge_table() : slots_(16) {}
    explicit merge_table(std::size_t expected) : slots_(table_size_for(expected)) {}

    /// Sets the rule of a pair (a pair given twice keeps the last rule).
    void assign(std::int32_t left, std::int32_t right, merge_rule rule) {
        const std::uint64_t key = key_of(left, right);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = position(key);; i = (i + 1) & mask) {
            if (slots_[i].key == key || slots_[i].key == empty) {
                if (slots_[i].key == empty) ++count_;
                slots_[i] = {key, rule};
                break;
            }
        }
        if (2 * count_ > slots_.size()) grow();
    }

    /// The rule of a pair, or nullptr.
    const merge_rule* find(std::int32_t left, std::int32_t right) const noexcept {
        const std::uint64_t key = key_of(left, right);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = position(key);; i = (i + 1) & mask) {
            if (slots_[i].key == key) return &slots_[i].rule;
            if (slots_[i].key == empty) return nullptr;
        }
    }

    std::size_t size() const noexcept { return count_; }

private:
    static constexpr std::uint64_t empty = ~std::uint64_t{0};
    struct slot {
        std::uint64_t key = empty;
        merge_rule rule{};
    };
    static std::uint64_t key_of(std::int32_t left, std::int32_t right) noexcept {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
    }
    std::size_t position(std::uint64_t key) const noexcept {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & (slots_.size() - 1);
    }
    void grow() {
        std::vector<slot> old(slots_.size() * 2);
        old.swap(slots_);
        count_ = 0;
        for (const auto& s : old)
            if (s.key != empty)
                assign(static_cast<std::int32_t>(s.key >> 32), static_cast<std::int32_t>(s.key & 0xFFFFFFFFu), s.rule);
    }

    std::vector<slot> slots_;
    std::size_t count_ = 0;
};

}  // namespace cirm::detail
