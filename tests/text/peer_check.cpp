// The tokenizer against its references (not a Catch program: each mode is one ctest entry).
//   peer_check fixture TOKENIZER.json GGUF_PREFIX
//       llama.cpp's HF-made fixture GGUF_PREFIX.inp/.out (texts separated by
//       "\n__ggml_vocab_test__\n"; one line of ids per text, without BOS): every text must match
//   peer_check corpus OUT.jsonl SOURCE_DIR
//       writes the deterministic test corpus (see write_corpus) as {"text", "special"} lines
//   peer_check compare TOKENIZER.json CORPUS.jsonl PEER_IDS.jsonl
//       encodes each corpus text and compares with the ids the encoding peer wrote
// Prints the counts; exit status 0 when nothing differs, 1 otherwise, 2 for bad usage or input.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/io/tokenizer_json.hpp"
#include "cirm/text/regex.hpp"

namespace {

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw cirm::error(file.string() + ": cannot open");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ids_text(const std::vector<std::int32_t>& ids) {
    std::string out;
    for (auto id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
}

int report(const char* what, std::size_t total, std::size_t mismatches) {
    std::cout << what << ": " << total << " texts, " << (total - mismatches) << " identical, " << mismatches
              << " mismatches\n";
    return mismatches == 0 && total > 0 ? 0 : 1;
}

int check_fixture(const std::string& tokenizer_file, const std::string& prefix) {
    const auto tokenizer = cirm::load_tokenizer_json(tokenizer_file);
    const std::string inputs = read_file(prefix + ".inp");
    std::istringstream outputs(read_file(prefix + ".out"));
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (std::size_t position = 0; position < inputs.size();) {
        const auto next = inputs.find(separator, position);
        if (next == std::string::npos) {
            texts.push_back(inputs.substr(position));
            break;
        }
        texts.push_back(inputs.substr(position, next - position));
        position = next + separator.size();
    }
    std::size_t mismatches = 0;
    std::size_t index = 0;
    for (std::string line; std::getline(outputs, line); ++index) {
        if (index >= texts.size()) throw cirm::error(prefix + ".out has more lines than .inp has texts");
        std::vector<std::int32_t> expected;
        std::istringstream numbers(line);
        for (std::int32_t id; numbers >> id;) expected.push_back(id);
        const auto got = tokenizer.encode(texts[index]);
        if (got != expected) {
            ++mismatches;
            std::cout << "text " << index << " " << nlohmann::json(texts[index]).dump() << "\n  expected "
                      << ids_text(expected) << "\n  got      " << ids_text(got) << "\n";
        }
    }
    if (index != texts.size())
        throw cirm::error(prefix + ".inp has " + std::to_string(texts.size()) + " texts but .out " +
                          std::to_string(index) + " lines");
    return report(prefix.c_str(), index, mismatches);
}

// --- the corpus ---------------------------------------------------------------------------------

/// Deterministic on every platform: only the engine's raw output is used (no std distribution).
class corpus_random {
public:
    explicit corpus_random(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t below(std::uint64_t n) { return engine_() % n; }
    bool chance(std::uint64_t percent) { return below(100) < percent; }

private:
    std::mt19937_64 engine_;
};

void append(std::string& out, char32_t c) { cirm::append_utf8(out, c); }

/// The two characters on which the encoding peer's regular expressions knowingly differ from
/// Hugging Face's: JavaScript's `\s` counts U+FEFF and not U+0085, Oniguruma's (the Unicode
/// White_Space property, which cirm follows) the other way round. The corpus leaves them out;
/// tests/text/test_tokenizer_json.cpp pins what cirm does with them.
bool peer_differs_on(char32_t c) { return c == 0xFEFF || c == 0x85; }

/// A code point of `first`..`last` that is assigned in the Unicode version of the linked PCRE2
/// (the regular expressions' tables: a character assigned later is unassigned to them, while
/// the peer's newer tables know it), not a surrogate, and not one that peer_differs_on.
char32_t assigned_code_point(corpus_random& random, char32_t first, char32_t last) {
    static const cirm::detail::compiled_regex unassigned(R"(\p{Cn})", "corpus");
    for (;;) {
        const auto c = static_cast<char32_t>(first + random.below(last - first + 1));
        if ((c >= 0xD800 && c <= 0xDFFF) || peer_differs_on(c)) continue;
        std::string text;
        append(text, c);
        bool is_unassigned = false;
        unassigned.for_each_match(text, [&](std::size_t, std::size_t) { is_unassigned = true; });
        if (!is_unassigned) return c;
    }
}

const std::vector<std::string>& fixed_fragments() {
    static const std::vector<std::string> fragments = {
        // special-token texts of the four vocabularies, inside content
        "<|begin_of_text|>",
        "<|eot_id|>",
        "<|start_header_id|>user<|end_header_id|>\n\n",
        "<|im_start|>",
        "<|im_end|>",
        "<|endoftext|>",
        "<bos>",
        "<eos>",
        "<start_of_turn>",
        "<end_of_turn>\n",
        "<s>",
        "</s>",
        "<unk>",
        "<pad>",
        "<mask>",
        "[INST]",
        "<think>",
        "</think>",
        "<0x0A>",
        "<|reserved_special_token_5|>",
        "<unused7>",
        // code
        "def f(x):\n    return x ** 2\n",
        "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
        "if x != None:\r\n\treturn",
        "#include <vector>\n",
        "SELECT * FROM t WHERE id=42;",
        "```python\nprint('hi')\n```",
        "const s = `${a}+${b}`;",
        "fn main() -> Result<(), Box<dyn Error>> {}",
        "x<<=3; y>>=2; z&&=w||v;",
        "<div class=\"a\">&nbsp;</div>",
        // English with contractions and punctuation
        "I'm sure you'll see it's fine, isn't it?",
        "DON'T SHOUT! WE'LL HEAR YOU'RE THERE.",
        "He said: \"Well...\"",
        "e.g. U.S.A. -- 3.14159 -- 1,000,000",
        "'s 't 're 've 'm 'll 'd",
        "Hello world",
        " hello",
        "   leading",
        "trailing   ",
        "tab\tseparated\tvalues",
        "a\u00A0b",
        "naïve café résumé",
        "Straße",
        "ﬁnancial ﬂow",
        // RTL, CJK
        "مرحبا بالعالم",
        "שלום עולם",
        "\u200Fמימין\u200E",
        "你好，世界！",
        "日本語のテキストです。",
        "한국어 문장입니다.",
        // emoji with joiners, modifiers, variation selectors, flags
        "👨‍👩‍👧‍👦",
        "👍🏽",
        "❤️",
        "🏳️‍🌈",
        "🇫🇷🇯🇵",
        "🧑🏿‍💻",
        "☕️ and 🍰",
        // whitespace of every kind
        "\r\n",
        "\r\n\r\n",
        "\n\n\n",
        "\v",
        "\f",
        " \v \f ",
        "\t\t",
        "    ",
        "\u3000",
        "\u2028",
        "\u2029",
        "\u200B",
    };
    return fragments;
}

std::string random_fragment(corpus_random& random, const std::vector<std::string>& dataset_texts) {
    std::string out;
    switch (random.below(13)) {
        case 0: {  // any plane
            static const char32_t planes[][2] = {{0x20, 0xFFFD},     {0x10000, 0x1FFFF}, {0x20000, 0x2FFFF},
                                                 {0x30000, 0x3FFFF}, {0xE0000, 0xE01EF}, {0xF0000, 0x10FFFD}};
            const auto& plane = planes[random.below(6)];
            const auto count = 1 + random.below(4);
            for (std::uint64_t i = 0; i < count; ++i) append(out, assigned_code_point(random, plane[0], plane[1]));
            break;
        }
        case 1: {  // CJK, kana, Hangul
            static const char32_t blocks[][2] = {
                {0x4E00, 0x9FFF}, {0x3040, 0x30FF}, {0xAC00, 0xD7A3}, {0xFF01, 0xFF5E}};
            const auto& block = blocks[random.below(4)];
            const auto count = 1 + random.below(12);
            for (std::uint64_t i = 0; i < count; ++i) append(out, assigned_code_point(random, block[0], block[1]));
            break;
        }
        case 2: {  // right to left
            static const char32_t blocks[][2] = {{0x0600, 0x06FF}, {0x05D0, 0x05EA}, {0x0750, 0x077F}};
            const auto& block = blocks[random.below(3)];
            const auto count = 1 + random.below(10);
            for (std::uint64_t i = 0; i < count; ++i) {
                append(out, assigned_code_point(random, block[0], block[1]));
                if (random.chance(15)) out += ' ';
            }
            break;
        }
        case 3: {  // emoji, with joiners, skin tones and variation selectors
            const auto count = 1 + random.below(4);
            for (std::uint64_t i = 0; i < count; ++i) {
                append(out, static_cast<char32_t>(0x1F600 + random.below(0x50)));
                if (random.chance(30)) append(out, static_cast<char32_t>(0x1F3FB + random.below(5)));
                if (random.chance(20)) append(out, 0xFE0F);
                if (i + 1 < count && random.chance(50)) append(out, 0x200D);
            }
            break;
        }
        case 4: {  // combining marks on letters
            append(out, static_cast<char32_t>("aeiouAEIOUnc"[random.below(12)]));
            const auto count = 1 + random.below(3);
            for (std::uint64_t i = 0; i < count; ++i) append(out, static_cast<char32_t>(0x0300 + random.below(0x70)));
            break;
        }
        case 5: {  // a run of whitespace
            static const char* pieces[] = {" ",  "  ", "\t",     "\n",     "\r\n",  "\r",
                                           "\v", "\f", "\u00A0", "\u3000", "\u2009"};
            const auto count = 1 + random.below(6);
            for (std::uint64_t i = 0; i < count; ++i) out += pieces[random.below(11)];
            break;
        }
        case 6: {  // digits
            const auto count = 1 + random.below(14);
            for (std::uint64_t i = 0; i < count; ++i) out += static_cast<char>('0' + random.below(10));
            if (random.chance(20)) append(out, static_cast<char32_t>(0x0660 + random.below(10)));
            if (random.chance(20)) append(out, static_cast<char32_t>(0xFF10 + random.below(10)));
            break;
        }
        case 7: {  // ASCII, printable and not
            const auto count = 1 + random.below(10);
            for (std::uint64_t i = 0; i < count; ++i)
                out += static_cast<char>(random.chance(90) ? 0x20 + random.below(95) : 1 + random.below(31));
            break;
        }
        case 8:
        case 9: {  // words
            static const char* words[] = {"the",    "The",  "reward", "model", "is", "not",  "a",      "judge",
                                          "but",    "it's", "quite",  "good",  "at", "this", "Answer", "**bold**",
                                          "- item", "1.",   "##",     "–",     "—",  "…"};
            const auto count = 1 + random.below(8);
            for (std::uint64_t i = 0; i < count; ++i) {
                if (i > 0) out += ' ';
                out += words[random.below(sizeof words / sizeof *words)];
            }
            break;
        }
        case 10:
        case 11: {
            const auto& fragments = fixed_fragments();
            out = fragments[random.below(fragments.size())];
            break;
        }
        default:
            if (!dataset_texts.empty()) out = dataset_texts[random.below(dataset_texts.size())];
            break;
    }
    return out;
}

/// Every string value of a JSON value (the texts of a dataset line).
void collect_strings(const nlohmann::json& value, std::vector<std::string>& out) {
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        if (s.size() > 1) out.push_back(s);
    } else if (value.is_array() || value.is_object()) {
        for (const auto& item : value) collect_strings(item, out);
    }
}

/// The corpus: the texts of the project's datasets (every JSONL file under data/ and models/
/// with text in it; at most 600 lines per file), the fixed fragments alone, then generated
/// strings of 1 to 8 random fragments, 24,000 lines in all; one line in eight is encoded with
/// special tokens.
int write_corpus(const std::string& out_file, const std::filesystem::path& source_dir) {
    std::vector<std::string> dataset_texts;
    for (const char* folder : {"data", "models"}) {
        if (!std::filesystem::exists(source_dir / folder)) continue;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(source_dir / folder))
            if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            std::istringstream lines(read_file(file));
            std::size_t count = 0;
            for (std::string line; count < 600 && std::getline(lines, line); ++count) {
                const auto value = nlohmann::json::parse(line, nullptr, false);
                if (!value.is_discarded()) collect_strings(value, dataset_texts);
            }
        }
    }
    std::vector<std::string> corpus;
    const std::size_t total = 24000;
    for (std::size_t i = 0; i < dataset_texts.size() && corpus.size() < total / 4; i += 2)
        corpus.push_back(dataset_texts[i]);
    for (const auto& fragment : fixed_fragments()) corpus.push_back(fragment);
    corpus_random random(20260);
    while (corpus.size() < total) {
        std::string text;
        const auto count = 1 + random.below(8);
        for (std::uint64_t i = 0; i < count; ++i) text += random_fragment(random, dataset_texts);
        corpus.push_back(std::move(text));
    }
    std::ofstream out(out_file, std::ios::binary);
    for (std::size_t i = 0; i < corpus.size(); ++i)
        out << nlohmann::json{{"text", corpus[i]}, {"special", i % 8 == 3}}.dump() << '\n';
    if (!out) throw cirm::error(out_file + ": cannot write");
    std::cout << out_file << ": " << corpus.size() << " texts (" << dataset_texts.size()
              << " dataset texts available)\n";
    return 0;
}

int compare(const std::string& tokenizer_file, const std::string& corpus_file, const std::string& peer_file) {
    const auto tokenizer = cirm::load_tokenizer_json(tokenizer_file);
    std::istringstream corpus(read_file(corpus_file));
    std::istringstream peer(read_file(peer_file));
    std::size_t total = 0;
    std::size_t mismatches = 0;
    std::string corpus_line;
    std::string peer_line;
    while (std::getline(corpus, corpus_line)) {
        if (!std::getline(peer, peer_line)) throw cirm::error(peer_file + " has fewer lines than " + corpus_file);
        const auto entry = nlohmann::json::parse(corpus_line);
        const auto text = entry.at("text").get<std::string>();
        const bool special = entry.at("special").get<bool>();
        const auto expected = nlohmann::json::parse(peer_line).get<std::vector<std::int32_t>>();
        const auto got = tokenizer.encode(text, special);
        ++total;
        if (got != expected) {
            if (++mismatches <= 8)
                std::cout << "line " << total << (special ? " (special tokens)" : "") << " "
                          << nlohmann::json(text).dump() << "\n  peer " << ids_text(expected) << "\n  cirm "
                          << ids_text(got) << "\n";
        }
    }
    return report(tokenizer_file.c_str(), total, mismatches);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 3 && args[0] == "fixture") return check_fixture(args[1], args[2]);
        if (args.size() == 3 && args[0] == "corpus") return write_corpus(args[1], args[2]);
        if (args.size() == 4 && args[0] == "compare") return compare(args[1], args[2], args[3]);
    } catch (const std::exception& e) {
        std::cerr << "peer_check: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "usage: peer_check fixture TOKENIZER.json GGUF_PREFIX | corpus OUT.jsonl SOURCE_DIR |"
                 " compare TOKENIZER.json CORPUS.jsonl PEER_IDS.jsonl\n";
    return 2;
}
