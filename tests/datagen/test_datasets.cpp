// Properties of the generated splits: determinism, ids, disjointness by prompt, style-neutral
// pairs, and the style/preference proportions the brief asks for. Attributes are measured here
// with the library's by-name factory (cirm::make_attributes), not with the generator's helper.

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cirm/attributes/builtin.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/jsonl.hpp"
#include "files.hpp"
#include "generate.hpp"

namespace fs = std::filesystem;
using cirm::datagen::generated_datasets;
using cirm::datagen::generated_split;

namespace {

const std::vector<std::string> attribute_names{"length", "paragraphs", "overlap", "exclamation",
                                               "bold",   "list_items", "headers"};
constexpr std::size_t method_attributes = 5;  // the first five of attribute_names

const std::vector<cirm::any_attribute>& attributes() {
    static const std::vector<cirm::any_attribute> made = cirm::make_attributes(attribute_names);
    return made;
}

/// Per attribute: how many pairs have chosen more, chosen less, equal.
struct relation_counts {
    std::size_t more = 0, less = 0, equal = 0;
    double more_share() const { return static_cast<double>(more) / static_cast<double>(more + less); }
};

/// Counts over the pairs for which `keep(index)` holds (all by default).
std::vector<relation_counts> count_relations(const generated_split& split,
                                             const std::function<bool(std::size_t)>& keep = {}) {
    std::vector<relation_counts> counts(attribute_names.size());
    for (std::size_t i = 0; i < split.pairs.size(); ++i) {
        if (keep && !keep(i)) continue;
        const cirm::preference_pair& pair = split.pairs[i];
        for (std::size_t a = 0; a < attributes().size(); ++a) {
            const double chosen = attributes()[a](pair.prompt, pair.chosen);
            const double rejected = attributes()[a](pair.prompt, pair.rejected);
            if (chosen > rejected)
                ++counts[a].more;
            else if (chosen < rejected)
                ++counts[a].less;
            else
                ++counts[a].equal;
        }
    }
    return counts;
}

std::size_t count_neutral_flags(const generated_split& split) {
    std::size_t neutral = 0;
    for (bool flag : split.neutral) neutral += flag ? 1 : 0;
    return neutral;
}

const generated_datasets& small_generated_datasets() {
    static const generated_datasets datasets =
        cirm::datagen::generate_datasets({.seed = 7, .sizes = {.train = 2000, .validation = 200, .test = 600}});
    return datasets;
}

const generated_datasets& default_datasets() {
    static const generated_datasets datasets = cirm::datagen::generate_datasets({.seed = 1, .sizes = {}});
    return datasets;
}

std::array<const generated_split*, 3> splits_of(const generated_datasets& datasets) {
    return {&datasets.validation, &datasets.test, &datasets.train};
}

}  // namespace

TEST_CASE("datagen: the same seed gives the same data, another seed other data") {
    const cirm::datagen::generation_config config{.seed = 3, .sizes = {.train = 300, .validation = 50, .test = 100}};
    const generated_datasets first = cirm::datagen::generate_datasets(config);
    const generated_datasets again = cirm::datagen::generate_datasets(config);
    cirm::datagen::generation_config other = config;
    other.seed = 4;
    const generated_datasets different = cirm::datagen::generate_datasets(other);
    for (std::size_t s = 0; s < 3; ++s) {
        const std::string text = cirm::format_preference_jsonl(splits_of(first)[s]->pairs);
        CHECK(text == cirm::format_preference_jsonl(splits_of(again)[s]->pairs));
        CHECK(text != cirm::format_preference_jsonl(splits_of(different)[s]->pairs));
    }
}

TEST_CASE("datagen: written files are byte-identical across runs and read back as the same pairs") {
    const cirm::datagen::generation_config config{.seed = 5, .sizes = {.train = 400, .validation = 60, .test = 120}};
    const fs::path root = fs::path(CIRM_TEST_TMP) / "datagen_files";
    fs::remove_all(root);
    cirm::datagen::write_datasets(root / "a", cirm::datagen::generate_datasets(config));
    cirm::datagen::write_datasets(root / "b", cirm::datagen::generate_datasets(config));
    const generated_datasets expected = cirm::datagen::generate_datasets(config);
    for (const generated_split* split : splits_of(expected)) {
        const std::string name = split->name + ".jsonl";
        INFO(name);
        const std::string bytes = cirm::read_file(root / "a" / name);
        CHECK(bytes == cirm::read_file(root / "b" / name));
        const std::vector<cirm::preference_pair> read = cirm::read_preference_jsonl(root / "a" / name);
        REQUIRE(read.size() == split->pairs.size());
        for (std::size_t i = 0; i < read.size(); ++i) {
            CHECK(read[i].id == split->pairs[i].id);
            CHECK(read[i].prompt == split->pairs[i].prompt);
            CHECK(read[i].chosen == split->pairs[i].chosen);
            CHECK(read[i].rejected == split->pairs[i].rejected);
            CHECK(read[i].subset == split->pairs[i].subset);
        }
        // Plain ASCII (so trivially valid UTF-8), one line per pair.
        std::size_t non_ascii = 0, lines = 0;
        for (char c : bytes) {
            non_ascii += static_cast<unsigned char>(c) >= 0x80 ? 1 : 0;
            lines += c == '\n' ? 1 : 0;
        }
        CHECK(non_ascii == 0);
        CHECK(lines == split->pairs.size());
    }
}

TEST_CASE("datagen: ids are '<split>-<6 digits>' and unique, prompts and responses stay short") {
    std::set<std::string> ids;
    for (const generated_split* split : splits_of(small_generated_datasets())) {
        for (std::size_t i = 0; i < split->pairs.size(); ++i) {
            const cirm::preference_pair& pair = split->pairs[i];
            INFO(pair.id);
            const std::string prefix = split->name + "-";
            REQUIRE(pair.id.size() == prefix.size() + 6);
            CHECK(pair.id.starts_with(prefix));
            CHECK(pair.id.find_first_not_of("0123456789", prefix.size()) == std::string::npos);
            CHECK(ids.insert(pair.id).second);
            CHECK(pair.prompt.size() < 80);
            CHECK(pair.chosen.size() <= 220);
            CHECK(pair.rejected.size() <= 220);
            CHECK(pair.chosen != pair.rejected);
        }
    }
    CHECK(ids.size() == 2000 + 200 + 600);
}

TEST_CASE("datagen: no prompt is shared between splits or repeated within validation or test") {
    for (const generated_datasets* datasets : {&small_generated_datasets(), &default_datasets()}) {
        std::unordered_set<std::string> validation, test, train;
        std::size_t repeated = 0;
        for (const auto& pair : datasets->validation.pairs) repeated += validation.insert(pair.prompt).second ? 0 : 1;
        for (const auto& pair : datasets->test.pairs) repeated += test.insert(pair.prompt).second ? 0 : 1;
        for (const auto& pair : datasets->train.pairs) train.insert(pair.prompt);
        CHECK(repeated == 0);
        std::size_t shared = 0;
        for (const std::string& prompt : validation) shared += test.count(prompt) + train.count(prompt);
        for (const std::string& prompt : test) shared += train.count(prompt);
        CHECK(shared == 0);
    }
}

TEST_CASE("datagen: families come in equal shares") {
    // 2000 pairs: 500 per family.
    std::map<std::string, std::size_t> per_subset;
    for (const auto& pair : small_generated_datasets().train.pairs) ++per_subset[pair.subset];
    const std::map<std::string, std::size_t> expected{
        {"animal", 500}, {"below_fifty", 500}, {"even", 500}, {"uppercase", 500}};
    CHECK(per_subset == expected);
}

TEST_CASE(
    "datagen: style-neutral pairs measure equal on all seven attributes, the others differ in length and overlap") {
    for (const generated_datasets* datasets : {&small_generated_datasets(), &default_datasets()}) {
        for (const generated_split* split : splits_of(*datasets)) {
            REQUIRE(split->neutral.size() == split->pairs.size());
            for (std::size_t i = 0; i < split->pairs.size(); ++i) {
                const cirm::preference_pair& pair = split->pairs[i];
                std::size_t unequal = 0;
                for (const cirm::any_attribute& attribute : attributes())
                    unequal += attribute(pair.prompt, pair.chosen) != attribute(pair.prompt, pair.rejected) ? 1 : 0;
                const bool length_and_overlap_differ =
                    attributes()[0](pair.prompt, pair.chosen) != attributes()[0](pair.prompt, pair.rejected) &&
                    attributes()[2](pair.prompt, pair.chosen) != attributes()[2](pair.prompt, pair.rejected);
                INFO(pair.id << "\n" << pair.chosen << "\n---\n" << pair.rejected);
                if (split->neutral[i])
                    CHECK(unequal == 0);
                else
                    CHECK(length_and_overlap_differ);
            }
        }
    }
    // Neutral shares: half of train, a fifth of validation and test.
    CHECK(count_neutral_flags(small_generated_datasets().train) == 1000);
    CHECK(count_neutral_flags(small_generated_datasets().validation) == 40);
    CHECK(count_neutral_flags(small_generated_datasets().test) == 120);
}

TEST_CASE(
    "datagen: in train the chosen response carries more of each attribute 7 times out of 10, 8.5 in fooled pairs") {
    for (const generated_datasets* datasets : {&small_generated_datasets(), &default_datasets()}) {
        const generated_split& train = datasets->train;
        const std::vector<relation_counts> counts = count_relations(train);
        const std::vector<relation_counts> fooled =
            count_relations(train, [&](std::size_t i) { return bool(train.fooled[i]); });
        const std::vector<relation_counts> others =
            count_relations(train, [&](std::size_t i) { return !train.fooled[i] && !train.neutral[i]; });
        for (std::size_t a = 0; a < attribute_names.size(); ++a) {
            INFO(attribute_names[a] << ": more " << counts[a].more << ", less " << counts[a].less << ", equal "
                                    << counts[a].equal << "; fooled pairs: more " << fooled[a].more << ", less "
                                    << fooled[a].less << "; other non-neutral: more " << others[a].more << ", less "
                                    << others[a].less);
            CHECK(others[a].more_share() >= 0.65);
            CHECK(others[a].more_share() <= 0.75);
            CHECK(fooled[a].more_share() >= 0.80);
            CHECK(fooled[a].more_share() <= 0.90);
            // Equal relations: the neutral half, plus about a fifth of the others for the counting attributes.
            const std::size_t pairs = train.pairs.size();
            if (attribute_names[a] == "length" || attribute_names[a] == "overlap") {
                CHECK(counts[a].equal == pairs / 2);
            } else {
                CHECK(counts[a].equal > pairs / 2 + pairs / 2 * 15 / 100);
                CHECK(counts[a].equal < pairs / 2 + pairs / 2 * 25 / 100);
            }
        }
    }
}

TEST_CASE("datagen: in validation and test style is independent of preference") {
    for (const generated_split* split : {&default_datasets().validation, &default_datasets().test}) {
        const std::vector<relation_counts> counts = count_relations(*split);
        for (std::size_t a = 0; a < attribute_names.size(); ++a) {
            INFO(split->name << " " << attribute_names[a] << ": more " << counts[a].more << ", less "
                             << counts[a].less);
            CHECK(counts[a].more_share() >= 0.4);
            CHECK(counts[a].more_share() <= 0.6);
        }
    }
}

TEST_CASE("datagen: the default test split populates every B_b and unbiased B_b, and has 300+ neutral pairs") {
    const generated_split& test = default_datasets().test;
    REQUIRE(test.pairs.size() == 3000);
    REQUIRE(default_datasets().validation.pairs.size() == 500);
    REQUIRE(default_datasets().train.pairs.size() == 24000);
    const std::vector<relation_counts> counts = count_relations(test);
    for (std::size_t a = 0; a < method_attributes; ++a) {
        INFO(attribute_names[a]);
        CHECK(counts[a].more >= 300);
        CHECK(counts[a].less >= 300);
    }
    // Neutral: all seven equal, measured.
    std::size_t all_equal = 0;
    for (const cirm::preference_pair& pair : test.pairs) {
        bool equal = true;
        for (const cirm::any_attribute& attribute : attributes())
            equal = equal && attribute(pair.prompt, pair.chosen) == attribute(pair.prompt, pair.rejected);
        all_equal += equal ? 1 : 0;
    }
    CHECK(all_equal >= 300);
    CHECK(all_equal == 600);
}

TEST_CASE("datagen: impossible sizes are errors that name the split") {
    using cirm::datagen::generate_datasets;
    CHECK_THROWS_WITH(generate_datasets({.seed = 1, .sizes = {.train = 0, .validation = 10, .test = 10}}),
                      Catch::Contains("split 'train' must have 1 to 999999 pairs, not 0"));
    CHECK_THROWS_WITH(generate_datasets({.seed = 1, .sizes = {.train = 10, .validation = 1000000, .test = 10}}),
                      Catch::Contains("split 'validation' must have 1 to 999999 pairs"));
    // The animal family offers 367 animal/food pairs of equal length (lengths 3-7:
    // 5*5 + 8*8 + 14*11 + 9*12 + 4*4), in 2 orders and 4 phrasings: 2936 prompts. A test split of
    // 24000 pairs would need 6000 distinct ones.
    CHECK_THROWS_WITH(generate_datasets({.seed = 1, .sizes = {.train = 10, .validation = 10, .test = 24000}}),
                      Catch::Contains("split 'test': found no unused prompt for subset '"));
}
