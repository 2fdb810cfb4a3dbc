// A user-defined bias attribute next to the built-in ones.
//
// Any type with a name() and `double operator()(std::string_view prompt, std::string_view
// response) const` is a cirm::BiasAttribute: it can be evaluated directly, or wrapped in
// cirm::any_attribute to sit in one list with the built-in attributes chosen by name.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/attributes.hpp"

namespace {

/// Words written in capitals ("VERY", "NOT"; at least two letters, so "I" and "A" do not count):
/// shouting is a style a reward model might reward for its own sake.
struct shouted_words {
    static constexpr std::string_view name() noexcept { return "shouted_words"; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        cirm::validate_utf8(response, "response");  // like the built-ins, refuse garbage
        double count = 0;
        std::size_t capitals = 0;
        bool lowercase_seen = false;
        const auto end_word = [&] {
            if (capitals >= 2 && !lowercase_seen) ++count;
            capitals = 0;
            lowercase_seen = false;
        };
        for (char c : response) {
            if (c >= 'A' && c <= 'Z')
                ++capitals;
            else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                lowercase_seen = true;
            else
                end_word();
        }
        end_word();
        return count;
    }
};

/// Occurrences of a chosen hedge word (e.g. "honestly"), whole words, any ASCII case. Its name
/// depends on the word, so it is a const member rather than a static one.
struct hedge_word {
    std::string word;  // lowercase
    std::string label = "hedge_" + word;

    std::string_view name() const { return label; }
    double operator()(std::string_view /*prompt*/, std::string_view response) const {
        cirm::validate_utf8(response, "response");
        double count = 0;
        const auto is_word_char = [](char c) { return cirm::is_ascii_alnum(cirm::as_code_unit(c)); };
        for (std::size_t i = 0; i + word.size() <= response.size(); ++i) {
            if (i > 0 && is_word_char(response[i - 1])) continue;
            if (!cirm::starts_with_ignoring_ascii_case(response.substr(i), word)) continue;
            const std::size_t end = i + word.size();
            if (end < response.size() && is_word_char(response[end])) continue;
            ++count;
        }
        return count;
    }
};
static_assert(cirm::BiasAttribute<shouted_words>);
static_assert(cirm::BiasAttribute<hedge_word>);

}  // namespace

int main() {
    const std::vector<cirm::sample> samples{
        {"Is the tap water safe to drink?", "Honestly, it is VERY safe. Honestly!"},
        {"Is the tap water safe to drink?", "Yes. Tap water here meets the drinking water standard."},
        {"How do I boil an egg?",
         "Sure! **Boil** it for 9 minutes, then cool it in cold water. DO NOT crack it first."},
    };

    // Built-ins by name (as a command line would give them), then the two custom attributes.
    std::vector<cirm::any_attribute> attributes;
    for (std::string_view name : cirm::method_attribute_names()) attributes.push_back(cirm::make_attribute(name));
    attributes.push_back(cirm::make_attribute("affirmative"));
    attributes.emplace_back(shouted_words{});
    attributes.emplace_back(hedge_word{"honestly"});

    const cirm::attribute_values table = cirm::evaluate_attributes(samples, attributes);

    std::printf("%-8s", "sample");
    for (const std::string& name : table.names) std::printf(" %14s", name.c_str());
    std::printf("\n");
    for (std::size_t i = 0; i < table.samples; ++i) {
        std::printf("%-8zu", i);
        for (std::size_t b = 0; b < table.attributes(); ++b) std::printf(" %14.3f", table.at(i, b));
        std::printf("\n");
    }

    // A custom attribute can also be evaluated without type erasure.
    const auto direct = cirm::evaluate_attributes(samples, shouted_words{}, cirm::attributes::length{});
    std::printf("\nshouted words per sample, evaluated directly:");
    for (double v : direct.column(0)) std::printf(" %.0f", v);
    std::printf("\n");
}
