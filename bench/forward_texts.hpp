// The texts every forward-pass benchmark scores (bench/reference_forward.cpp,
// bench/llamacpp/forward.cpp and bench/llamacpp/engines.cpp; bench/peers/torch_forward.py's
// bench_texts makes the same ones in Python): sample i is the prompt "Question i: how long is a
// piece of string?" and a response that repeats the sentence "Answer i says it depends on the
// string. ", cut so that prompt and response together come to about `bytes` bytes (about that
// many tokens with the byte-level vocabularies of the bench models).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "cirm/sample.hpp"

namespace cirm_bench {

/// The size of one benchmark sample, in bytes of prompt and response together (approximately).
inline constexpr std::size_t forward_text_bytes = 200;

/// The benchmark's first `count` samples, each of about `bytes` bytes. It owns the texts its
/// samples view, so it is neither copied nor moved.
class forward_texts {
public:
    explicit forward_texts(std::size_t count, std::size_t bytes = forward_text_bytes) {
        prompts_.reserve(count);
        responses_.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            prompts_.push_back("Question " + std::to_string(i) + ": how long is a piece of string?");
            const std::string sentence = "Answer " + std::to_string(i) + " says it depends on the string. ";
            std::string response;
            // repeated past the cut below (at least one byte, as in the Python peer)
            while (response.size() < std::max<std::size_t>(bytes, 1)) response += sentence;
            response.resize(std::max<std::size_t>(1, bytes - std::min(bytes, prompts_.back().size() + 8)));
            responses_.push_back(std::move(response));
        }
        for (std::size_t i = 0; i < count; ++i) samples_.push_back({prompts_[i], responses_[i]});
    }
    forward_texts(const forward_texts&) = delete;
    forward_texts& operator=(const forward_texts&) = delete;

    /// The (prompt, response) pairs, in order.
    const std::vector<cirm::sample>& samples() const noexcept { return samples_; }
    std::size_t size() const noexcept { return samples_.size(); }

private:
    std::vector<std::string> prompts_, responses_;
    std::vector<cirm::sample> samples_;
};

}  // namespace cirm_bench
