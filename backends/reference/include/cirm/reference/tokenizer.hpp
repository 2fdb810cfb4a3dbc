#pragma once
/// \file
/// How text becomes token ids for the reference engine. The engine only sees the `tokenizer`
/// interface, so a BPE tokenizer for real checkpoints can be added as another implementation
/// without touching the engine. `byte_tokenizer` is the one the bundled model uses: the UTF-8
/// bytes of the text are the ids 0–255, and special tokens (named in the model's files) have
/// ids from 256 up.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cirm/error.hpp"

namespace cirm::reference {

/// Turns text into token ids. Implementations are immutable after construction, so one
/// tokenizer may be used from several threads.
class tokenizer {
public:
    virtual ~tokenizer() = default;

    /// Appends the ids of `text` to `ids`. Text never produces special tokens: a prompt that
    /// contains the name of a special token is encoded as plain text.
    virtual void encode(std::string_view text, std::vector<std::int32_t>& ids) const = 0;
    /// The id of the special token with this name; an unknown name is an error.
    virtual std::int32_t special_id(std::string_view name) const = 0;
    /// One past the largest id this tokenizer can produce (text or special), so a model can check
    /// that its vocabulary covers it.
    virtual std::size_t id_limit() const noexcept = 0;
};

/// Bytes as tokens: byte b of the UTF-8 text is id b; special tokens have ids ≥ 256.
class byte_tokenizer final : public tokenizer {
public:
    static constexpr std::int32_t first_special_id = 256;

    /// `specials`: name → id. Names are non-empty, ids are ≥ 256 and distinct.
    explicit byte_tokenizer(std::map<std::string, std::int32_t, std::less<>> specials)
        : specials_(std::move(specials)) {
        std::map<std::int32_t, std::string_view> by_id;
        for (const auto& [name, id] : specials_) {
            if (name.empty()) throw error("byte tokenizer: a special token has an empty name");
            if (id < first_special_id)
                throw error("byte tokenizer: special token '" + name + "' has id " + std::to_string(id) +
                            ", but ids 0-255 are the bytes");
            if (auto [it, fresh] = by_id.emplace(id, name); !fresh)
                throw error("byte tokenizer: special tokens '" + std::string(it->second) + "' and '" + name +
                            "' share id " + std::to_string(id));
            id_limit_ = std::max(id_limit_, static_cast<std::size_t>(id) + 1);
        }
    }

    void encode(std::string_view text, std::vector<std::int32_t>& ids) const override {
        for (char ch : text) ids.push_back(static_cast<std::int32_t>(static_cast<unsigned char>(ch)));
    }
    std::int32_t special_id(std::string_view name) const override {
        auto it = specials_.find(name);
        if (it == specials_.end()) throw error("byte tokenizer: no special token named '" + std::string(name) + "'");
        return it->second;
    }
    std::size_t id_limit() const noexcept override { return id_limit_; }

    const std::map<std::string, std::int32_t, std::less<>>& specials() const noexcept { return specials_; }

private:
    std::map<std::string, std::int32_t, std::less<>> specials_;
    std::size_t id_limit_ = first_special_id;
};

}  // namespace cirm::reference
