#pragma once
/// \file
/// Token sequences for training, and their batches: sequences are encoded once with the model's
/// own tokenizer and template (the engine's code, so trainer and engine see the same ids), and
/// batched by similar length so that little of a batch is padding.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cirm/sample.hpp"
#include "cirm/text/sample_format.hpp"

namespace cirm::train {

using token_ids = std::vector<std::int32_t>;

inline token_ids encode(const sample_format& format, std::string_view prompt, std::string_view response) {
    return format.encode(sample{prompt, response});
}

/// A padded batch: ids [B, T] (pad id after each sequence's end) and each row's last real index.
struct padded_batch {
    torch::Tensor ids;
    torch::Tensor last;
};

inline padded_batch pad(std::span<const token_ids* const> rows, std::int32_t pad_id) {
    std::size_t width = 0;
    for (const auto* r : rows) width = std::max(width, r->size());
    auto ids =
        torch::full({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(width)}, pad_id, torch::kLong);
    auto last = torch::empty({static_cast<std::int64_t>(rows.size())}, torch::kLong);
    auto* out = ids.data_ptr<std::int64_t>();
    for (std::size_t b = 0; b < rows.size(); ++b) {
        for (std::size_t t = 0; t < rows[b]->size(); ++t) out[b * width + t] = (*rows[b])[t];
        last[static_cast<std::int64_t>(b)] = static_cast<std::int64_t>(rows[b]->size()) - 1;
    }
    return {ids, last};
}

/// One epoch's order: items shuffled, cut into windows of 64 batches, sorted by length inside a
/// window (so a batch holds similar lengths), cut into batches, and the batches shuffled.
inline std::vector<std::vector<std::size_t>> length_bucketed_batches(std::span<const std::size_t> lengths,
                                                                     std::size_t batch_size, std::mt19937_64& rng) {
    std::vector<std::size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t window = batch_size * 64;
    for (std::size_t begin = 0; begin < order.size(); begin += window) {
        const auto end = std::min(order.size(), begin + window);
        std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(begin),
                         order.begin() + static_cast<std::ptrdiff_t>(end),
                         [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
    }
    std::vector<std::vector<std::size_t>> batches;
    for (std::size_t begin = 0; begin + batch_size <= order.size(); begin += batch_size)
        batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(begin),
                             order.begin() + static_cast<std::ptrdiff_t>(begin + batch_size));
    std::shuffle(batches.begin(), batches.end(), rng);
    return batches;
}

}  // namespace cirm::train
