#pragma once
/// \file
/// Reads Hugging Face's `tokenizer.json` and builds a cirm::hf_tokenizer (cirm/text). Every
/// component a file names must be one that cirm implements, with only the options it
/// implements: anything else is an error naming it (never skipped). Errors are cirm::error,
/// "<source>: <JSON path>: <problem>". The decoder is not used (cirm does not decode) and is
/// not read; truncation and padding must be null. Not part of io/io.hpp: it needs cirm::text
/// (PCRE2 and utf8proc), so include it directly and link cirm::text.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/text/hf_tokenizer.hpp"

namespace cirm::detail {

/// One entry of model.merges as read: "left right" (in `first`), [left, right], or neither (then
/// `first` says what it is).
struct merge_entry {
    enum class form : std::uint8_t { text, pair, malformed };
    std::string first;
    std::string second;
    form shape = form::text;
};

/// tokenizer.json parsed by nlohmann's SAX interface into a DOM, except model.vocab and
/// model.merges, whose entries go straight into lists: they are most of the file, and DOM nodes
/// for them (a std::map of 128k keys, 500k two-string arrays) cost most of the loading time.
/// Repeated keys are refused as parse_strict_json does (for model.vocab: when the vocabulary is
/// built), with its messages.
class tokenizer_json_document : public nlohmann::json_sax<nlohmann::json> {
public:
    using json = nlohmann::json;

    /// Parses `text`; errors are cirm::error prefixed with `where`, worded as parse_strict_json's.
    tokenizer_json_document(std::string_view text, const std::string& where) {
        if (const auto nul = text.find('\0'); nul != std::string_view::npos)
            throw error(where + ": not valid JSON: NUL byte at offset " + std::to_string(nul) +
                        " (JSON text cannot contain one)");
        const bool parsed = json::sax_parse(text.begin(), text.end(), this);
        if (!duplicate_.empty())
            throw error(where + ": key '" + duplicate_ + "' appears twice" +
                        (duplicate_path_.empty() ? std::string() : " in '" + duplicate_path_ + "'"));
        if (!parsed) throw error(where + ": not valid JSON: " + syntax_message_);
    }

    json root;
    std::vector<std::pair<std::string, json>> vocab_entries;  ///< model.vocab's entries, in file order
    std::vector<merge_entry> merge_entries;                   ///< model.merges' entries, in file order

    bool null() override { return add(json(nullptr)); }
    bool boolean(bool value) override { return add(json(value)); }
    bool number_integer(number_integer_t value) override { return add(json(value)); }
    bool number_unsigned(number_unsigned_t value) override { return add(json(value)); }
    bool number_float(number_float_t value, const string_t&) override { return add(json(value)); }
    bool string(string_t& value) override { return add(json(std::move(value))); }
    bool binary(binary_t& value) override { return add(json::binary(std::move(value))); }
    bool start_object(std::size_t) override { return open(json::object(), false); }
    bool start_array(std::size_t) override { return open(json::array(), true); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& name) override {
        if (in_vocab()) {
            vocab_key_ = std::move(name);
            return true;
        }
        auto& object = frames_.back();
        if (!object.keys.insert(name).second) {
            duplicate_ = name;
            duplicate_path_ = strict_json_internal::path_of(frames_);
            return false;
        }
        object.current_key = std::move(name);
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        syntax_message_ = strict_json_internal::strip_exception_tag(e.what());
        return false;
    }

private:
    bool in_vocab() const noexcept { return vocab_depth_ != 0 && frames_.size() == vocab_depth_; }

    /// Adds a finished value to the innermost container (or makes it the root); returns where it is.
    json* place(json&& value) {
        if (frames_.empty()) {
            root = std::move(value);
            return &root;
        }
        json& parent = *containers_.back();
        auto& frame = frames_.back();
        if (frame.is_array) {
            ++frame.next_index;
            parent.push_back(std::move(value));
            return &parent.back();
        }
        return &(parent[frame.current_key] = std::move(value));
    }
    static std::string kind_of(const json& value) {
        if (value.is_null()) return "null";
        if (value.is_boolean()) return "a boolean";
        if (value.is_number()) return "a number";
        if (value.is_string()) return "a string";
        if (value.is_array()) return "an array";
        return "an object";
    }
    bool in_merges() const noexcept { return merges_depth_ != 0 && frames_.size() == merges_depth_; }
    bool in_pair() const noexcept { return pair_depth_ != 0 && frames_.size() == pair_depth_; }

    bool add(json&& value) {
        if (skip_depth_ != 0) return true;
        if (in_vocab()) {
            vocab_entries.emplace_back(std::move(vocab_key_), std::move(value));
        } else if (in_merges()) {
            if (value.is_string())
                merge_entries.push_back({std::move(value.get_ref<std::string&>()), {}, merge_entry::form::text});
            else
                merge_entries.push_back({kind_of(value), {}, merge_entry::form::malformed});
        } else if (in_pair()) {
            if (value.is_string() && pair_parts_ < 2)
                (pair_parts_ == 0 ? pair_.first : pair_.second) = std::move(value.get_ref<std::string&>());
            else
                pair_ok_ = false;
            ++pair_parts_;
        } else {
            place(std::move(value));
        }
        return true;
    }
    /// Enters a container whose contents are not kept (or, with `pair`, kept in pair_).
    void open_unkept(bool is_array, bool skip) {
        frames_.push_back({});
        frames_.back().is_array = is_array;
        containers_.push_back(nullptr);
        if (skip && skip_depth_ == 0) skip_depth_ = frames_.size();
    }
    bool open(json&& container, bool is_array) {
        if (skip_depth_ != 0) {
            open_unkept(is_array, true);
        } else if (in_vocab()) {  // a container as an id: keep it, so that the reader names the problem
            vocab_entries.emplace_back(std::move(vocab_key_), std::move(container));
            open_unkept(is_array, true);
        } else if (in_merges()) {
            if (is_array) {
                pair_ = {{}, {}, merge_entry::form::pair};
                pair_parts_ = 0;
                pair_ok_ = true;
                open_unkept(true, false);
                pair_depth_ = frames_.size();
            } else {
                merge_entries.push_back({"an object", {}, merge_entry::form::malformed});
                open_unkept(false, true);
            }
        } else if (in_pair()) {
            pair_ok_ = false;
            ++pair_parts_;
            open_unkept(is_array, true);
        } else {
            open_kept(std::move(container), is_array);
        }
        return true;
    }
    void open_kept(json&& container, bool is_array) {
        const bool in_model = frames_.size() == 2 && !frames_.back().is_array && frames_[1].label == "model";
        const bool is_vocab = in_model && !is_array && frames_.back().current_key == "vocab";
        const bool is_merges = in_model && is_array && frames_.back().current_key == "merges";
        strict_json_internal::frame frame;
        frame.label = strict_json_internal::label_for_next_element(frames_);
        frame.is_array = is_array;
        json* where = place(std::move(container));
        frames_.push_back(std::move(frame));
        containers_.push_back(where);
        if (is_vocab) vocab_depth_ = frames_.size();
        if (is_merges) merges_depth_ = frames_.size();
    }
    bool close() {
        if (frames_.size() == skip_depth_) skip_depth_ = 0;
        if (frames_.size() == vocab_depth_) vocab_depth_ = 0;
        if (frames_.size() == merges_depth_) merges_depth_ = 0;
        if (frames_.size() == pair_depth_) {
            pair_depth_ = 0;
            if (pair_ok_ && pair_parts_ == 2)
                merge_entries.push_back(std::move(pair_));
            else
                merge_entries.push_back({"an array that is not two strings", {}, merge_entry::form::malformed});
        }
        frames_.pop_back();
        containers_.pop_back();
        return true;
    }

    std::vector<strict_json_internal::frame> frames_;
    std::vector<json*> containers_;
    std::size_t vocab_depth_ = 0;   // frames_.size() inside model.vocab, 0 outside
    std::size_t merges_depth_ = 0;  // frames_.size() inside model.merges, 0 outside
    std::size_t pair_depth_ = 0;    // frames_.size() inside one [left, right] of model.merges
    std::size_t skip_depth_ = 0;    // inside a container whose contents are not kept
    merge_entry pair_;
    std::size_t pair_parts_ = 0;
    bool pair_ok_ = true;
    std::string vocab_key_;
    std::string duplicate_;
    std::string duplicate_path_;
    std::string syntax_message_;
};

/// The reading state: where errors point.
class tokenizer_json_reader {
public:
    explicit tokenizer_json_reader(std::string source) : source_(std::move(source)) {}

    /// The tokenizer of `root`; model.vocab and model.merges come from `document` when it holds
    /// them (the DOM then has them empty).
    hf_tokenizer read(const nlohmann::json& root, const tokenizer_json_document* document = nullptr) {
        document_ = document;
        require_object(root, "");
        only_keys(root, "",
                  {"version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "model",
                   "post_processor", "decoder"});
        for (const char* unused : {"truncation", "padding"})
            if (root.contains(unused) && !root.at(unused).is_null())
                fail(unused, std::string("is not supported (cirm needs it null: it encodes without ") + unused + ")");
        hf_tokenizer_parts parts;
        if (!root.contains("model")) fail("model", "is missing");
        parts.model = read_model(root.at("model"), "model");
        if (root.contains("added_tokens"))
            parts.added_tokens = read_added_tokens(root.at("added_tokens"), "added_tokens");
        if (root.contains("normalizer"))
            parts.normalizer = text_normalizer(read_normalizer(root.at("normalizer"), "normalizer"));
        if (root.contains("pre_tokenizer"))
            parts.pre_tokenizer = text_pre_tokenizer(read_pre_tokenizer(root.at("pre_tokenizer"), "pre_tokenizer"));
        if (root.contains("post_processor"))
            parts.post_processor =
                text_post_processor(read_post_processor(root.at("post_processor"), "post_processor"));
        std::size_t id_limit = parts.model->vocabulary().id_limit();
        for (const auto& t : parts.added_tokens) id_limit = std::max(id_limit, static_cast<std::size_t>(t.id) + 1);
        for (const auto& [path, id] : special_ids_)
            if (id < 0 || static_cast<std::size_t>(id) >= id_limit)
                fail(path, "id " + std::to_string(id) + " is not a token of this file (ids are below " +
                               std::to_string(id_limit) + ")");
        return hf_tokenizer(std::move(parts), source_);
    }

private:
    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw error(source_ + ": " + (path.empty() ? std::string("the top level") : path) + ": " + problem);
    }

    static std::string kind_of(const nlohmann::json& j) {
        if (j.is_null()) return "null";
        if (j.is_boolean()) return "a boolean";
        if (j.is_number()) return "a number";
        if (j.is_string()) return "a string";
        if (j.is_array()) return "an array";
        return "an object";
    }
    void require_object(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_object()) fail(path, "must be an object, not " + kind_of(j));
    }
    void only_keys(const nlohmann::json& j, const std::string& path,
                   std::initializer_list<std::string_view> known) const {
        for (const auto& item : j.items())
            if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
                std::string list;
                for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
                fail(join(path, item.key()), "is not an option cirm implements (known here: " + list + ")");
            }
    }
    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }
    static std::string at_index(const std::string& path, std::size_t index) {
        return path + "[" + std::to_string(index) + "]";
    }

    const nlohmann::json& member(const nlohmann::json& j, const std::string& path, const char* key) const {
        if (!j.contains(key)) fail(join(path, key), "is missing");
        return j.at(key);
    }
    std::string string_field(const nlohmann::json& j, const std::string& path, const char* key) const {
        const auto& v = member(j, path, key);
        if (!v.is_string()) fail(join(path, key), "must be a string, not " + kind_of(v));
        return v.get<std::string>();
    }
    std::optional<std::string> optional_string(const nlohmann::json& j, const std::string& path,
                                               const char* key) const {
        if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
        return string_field(j, path, key);
    }
    bool bool_field(const nlohmann::json& j, const std::string& path, const char* key, bool fallback) const {
        if (!j.contains(key) || j.at(key).is_null()) return fallback;
        const auto& v = j.at(key);
        if (!v.is_boolean()) fail(join(path, key), "must be true or false, not " + kind_of(v));
        return v.get<bool>();
    }
    /// The id in `v`; `path` names it in an error (a string, or a callable giving one, so that
    /// a long list builds no path until one entry is wrong).
    template <class Path>
    std::int32_t id_value(const nlohmann::json& v, const Path& path) const {
        const auto where = [&]() -> std::string {
            if constexpr (std::is_invocable_v<Path>)
                return path();
            else
                return path;
        };
        if (!v.is_number_integer()) fail(where(), "must be an integer id, not " + kind_of(v));
        const bool negative = !v.is_number_unsigned() && v.get<std::int64_t>() < 0;
        // A dense table of ids is kept: refuse ids so large that it would not fit in memory.
        if (negative || v.get<std::uint64_t>() >= (std::uint64_t{1} << 24))
            fail(where(), "the id " + v.dump() + " is out of range (cirm accepts ids from 0 to 16777215)");
        return static_cast<std::int32_t>(v.get<std::int64_t>());
    }
    std::string type_of(const nlohmann::json& j, const std::string& path) const {
        require_object(j, path);
        return string_field(j, path, "type");
    }
    [[noreturn]] void unsupported(const std::string& path, const std::string& what, const std::string& type,
                                  const char* supported) const {
        fail(path, what + " type '" + type + "' is not supported (supported: " + supported + ")");
    }

    // --- model ----------------------------------------------------------------------------
    std::shared_ptr<const bpe_model> read_model(const nlohmann::json& j, const std::string& path) const {
        const std::string type = j.is_object() && !j.contains("type") ? std::string("BPE") : type_of(j, path);
        if (type != "BPE") unsupported(path, "model", type, "BPE");
        only_keys(j, path,
                  {"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk",
                   "byte_fallback", "ignore_merges", "vocab", "merges"});
        if (j.contains("dropout") && !j.at("dropout").is_null())
            if (!j.at("dropout").is_number() || j.at("dropout").get<double>() != 0.0)
                fail(join(path, "dropout"), "is not supported (cirm encodes deterministically: it must be null)");
        bpe_options options;
        options.unk_token = optional_string(j, path, "unk_token");
        options.continuing_subword_prefix = optional_string(j, path, "continuing_subword_prefix").value_or("");
        options.end_of_word_suffix = optional_string(j, path, "end_of_word_suffix").value_or("");
        options.fuse_unk = bool_field(j, path, "fuse_unk", false);
        options.byte_fallback = bool_field(j, path, "byte_fallback", false);
        options.ignore_merges = bool_field(j, path, "ignore_merges", false);

        const std::string vocab_path = join(path, "vocab");
        const auto& vocab = member(j, path, "vocab");
        if (!vocab.is_object()) fail(vocab_path, "must be an object of token: id, not " + kind_of(vocab));
        std::vector<std::pair<std::string, std::int32_t>> vocabulary;
        std::vector<bool> used;
        const auto add_entry = [&](const std::string& token, const nlohmann::json& value) {
            const auto item_path = [&] { return vocab_path + "['" + token + "']"; };
            const std::int32_t id = id_value(value, item_path);
            if (static_cast<std::size_t>(id) >= used.size()) used.resize(static_cast<std::size_t>(id) + 1, false);
            if (used[static_cast<std::size_t>(id)])
                fail(item_path(), "the id " + std::to_string(id) + " is given to two tokens");
            used[static_cast<std::size_t>(id)] = true;
            vocabulary.emplace_back(token, id);
        };
        if (document_ != nullptr && vocab.empty()) {
            vocabulary.reserve(document_->vocab_entries.size());
            for (const auto& [token, value] : document_->vocab_entries) add_entry(token, value);
        } else {
            vocabulary.reserve(vocab.size());
            for (const auto& item : vocab.items()) add_entry(item.key(), item.value());
        }
        token_vocabulary built(std::move(vocabulary));
        if (built.duplicate())
            throw error(source_ + ": key '" + *built.duplicate() + "' appears twice in '" + vocab_path + "'");

        const std::string merges_path = join(path, "merges");
        std::vector<std::pair<std::string_view, std::string_view>> merges;
        const auto add_text_merge = [&](const std::string& text, std::size_t i) {
            const auto space = text.find(' ');
            if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
                fail(at_index(merges_path, i), "'" + text + "' is not two tokens separated by one space");
            const std::string_view view = text;
            merges.emplace_back(view.substr(0, space), view.substr(space + 1));
        };
        const auto malformed_merge = [&](std::size_t i, const std::string& what) {
            fail(at_index(merges_path, i), "must be \"left right\" or [left, right], not " + what);
        };
        if (j.contains("merges")) {
            const auto& list = j.at("merges");
            if (!list.is_array()) fail(merges_path, "must be an array, not " + kind_of(list));
            if (document_ != nullptr && list.empty()) {
                const auto& entries = document_->merge_entries;
                merges.reserve(entries.size());
                for (std::size_t i = 0; i < entries.size(); ++i) {
                    const auto& m = entries[i];
                    if (m.shape == merge_entry::form::text)
                        add_text_merge(m.first, i);
                    else if (m.shape == merge_entry::form::pair)
                        merges.emplace_back(m.first, m.second);
                    else
                        malformed_merge(i, m.first);
                }
            } else {
                merges.reserve(list.size());
                for (std::size_t i = 0; i < list.size(); ++i) {
                    const auto& m = list[i];
                    if (m.is_string())
                        add_text_merge(m.get_ref<const std::string&>(), i);
                    else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
                        merges.emplace_back(m[0].get_ref<const std::string&>(), m[1].get_ref<const std::string&>());
                    else
                        malformed_merge(i, m.is_array() ? "an array that is not two strings" : kind_of(m));
                }
            }
        }
        return std::make_shared<const bpe_model>(std::move(built), merges, std::move(options), source_);
    }

    // --- added tokens ---------------------------------------------------------------------
    std::vector<added_token> read_added_tokens(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_array()) fail(path, "must be an array, not " + kind_of(j));
        std::vector<added_token> out;
        out.reserve(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) {
            const std::string p = at_index(path, i);
            const auto& t = j[i];
            require_object(t, p);
            only_keys(t, p, {"id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"});
            added_token token;
            token.id = id_value(member(t, p, "id"), join(p, "id"));
            token.content = string_field(t, p, "content");
            if (token.content.empty()) fail(join(p, "content"), "is empty");
            token.special = bool_field(t, p, "special", false);
            token.single_word = bool_field(t, p, "single_word", false);
            token.lstrip = bool_field(t, p, "lstrip", false);
            token.rstrip = bool_field(t, p, "rstrip", false);
            token.normalized = bool_field(t, p, "normalized", !token.special);
            out.push_back(std::move(token));
        }
        return out;
    }

    // --- patterns -------------------------------------------------------------------------
    text_pattern read_pattern(const nlohmann::json& j, const std::string& path) const {
        require_object(j, path);
        if (j.size() != 1 || !(j.contains("String") || j.contains("Regex")))
            fail(path, "must be {\"String\": ...} or {\"Regex\": ...}");
        if (j.contains("String")) return text_pattern::literal(string_field(j, path, "String"));
        return text_pattern::regex(string_field(j, path, "Regex"), source_ + ": " + join(path, "Regex"));
    }

    // --- normalizers ----------------------------------------------------------------------
    std::vector<normalizer_step> read_normalizer(const nlohmann::json& j, const std::string& path) const {
        std::vector<normalizer_step> steps;
        if (!j.is_null()) append_normalizer(j, path, steps);
        return steps;
    }
    void append_normalizer(const nlohmann::json& j, const std::string& path,
                           std::vector<normalizer_step>& steps) const {
        const std::string type = type_of(j, path);
        const std::pair<const char*, unicode_form> forms[] = {{"NFC", unicode_form::nfc},
                                                              {"NFD", unicode_form::nfd},
                                                              {"NFKC", unicode_form::nfkc},
                                                              {"NFKD", unicode_form::nfkd}};
        for (const auto& [name, form] : forms)
            if (type == name) {
                only_keys(j, path, {"type"});
                steps.push_back({normalizer_step::unicode{form}});
                return;
            }
        if (type == "Sequence") {
            only_keys(j, path, {"type", "normalizers"});
            const auto& list = member(j, path, "normalizers");
            const std::string list_path = join(path, "normalizers");
            if (!list.is_array()) fail(list_path, "must be an array, not " + kind_of(list));
            for (std::size_t i = 0; i < list.size(); ++i) append_normalizer(list[i], at_index(list_path, i), steps);
        } else if (type == "Replace") {
            only_keys(j, path, {"type", "pattern", "content"});
            steps.push_back({normalizer_step::replace{read_pattern(member(j, path, "pattern"), join(path, "pattern")),
                                                      string_field(j, path, "content")}});
        } else if (type == "Prepend") {
            only_keys(j, path, {"type", "prepend"});
            steps.push_back({normalizer_step::prepend{string_field(j, path, "prepend")}});
        } else if (type == "Strip") {
            only_keys(j, path, {"type", "strip_left", "strip_right"});
            steps.push_back({normalizer_step::strip{bool_field(j, path, "strip_left", true),
                                                    bool_field(j, path, "strip_right", true)}});
        } else {
            unsupported(path, "normalizer", type, "NFC, NFD, NFKC, NFKD, Replace, Prepend, Strip, Sequence");
        }
    }

    // --- pre-tokenizers -------------------------------------------------------------------
    std::vector<pre_tokenizer_step> read_pre_tokenizer(const nlohmann::json& j, const std::string& path) const {
        std::vector<pre_tokenizer_step> steps;
        if (!j.is_null()) append_pre_tokenizer(j, path, steps);
        return steps;
    }
    split_behavior read_behavior(const nlohmann::json& j, const std::string& path) const {
        const std::string name = string_field(j, path, "behavior");
        const std::pair<const char*, split_behavior> known[] = {
            {"Removed", split_behavior::removed},
            {"Isolated", split_behavior::isolated},
            {"MergedWithPrevious", split_behavior::merged_with_previous},
            {"MergedWithNext", split_behavior::merged_with_next},
            {"Contiguous", split_behavior::contiguous}};
        for (const auto& [text, behavior] : known)
            if (name == text) return behavior;
        fail(
            join(path, "behavior"),
            "'" + name +
                "' is not a split behavior (known: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
    }
    void append_pre_tokenizer(const nlohmann::json& j, const std::string& path,
                              std::vector<pre_tokenizer_step>& steps) const {
        const std::string type = type_of(j, path);
        if (type == "Sequence") {
            only_keys(j, path, {"type", "pretokenizers"});
            const auto& list = member(j, path, "pretokenizers");
            const std::string list_path = join(path, "pretokenizers");
            if (!list.is_array()) fail(list_path, "must be an array, not " + kind_of(list));
            for (std::size_t i = 0; i < list.size(); ++i) append_pre_tokenizer(list[i], at_index(list_path, i), steps);
        } else if (type == "Split") {
            only_keys(j, path, {"type", "pattern", "behavior", "invert"});
            steps.push_back({pre_tokenizer_step::split{read_pattern(member(j, path, "pattern"), join(path, "pattern")),
                                                       read_behavior(j, path), bool_field(j, path, "invert", false)}});
        } else if (type == "ByteLevel") {
            // trim_offsets changes offsets only, which cirm does not report.
            only_keys(j, path, {"type", "add_prefix_space", "trim_offsets", "use_regex"});
            steps.push_back({pre_tokenizer_step::byte_level{bool_field(j, path, "add_prefix_space", true),
                                                            bool_field(j, path, "use_regex", true)}});
        } else if (type == "Metaspace") {
            only_keys(j, path, {"type", "replacement", "prepend_scheme", "split", "add_prefix_space", "str_rep"});
            pre_tokenizer_step::metaspace m;
            m.replacement = string_field(j, path, "replacement");
            std::size_t length = 0;
            if (m.replacement.empty() || (code_point_at(m.replacement, 0, length), length != m.replacement.size()))
                fail(join(path, "replacement"), "must be one character");
            if (j.contains("prepend_scheme")) {
                const std::string scheme = string_field(j, path, "prepend_scheme");
                if (scheme == "always")
                    m.scheme = prepend_scheme::always;
                else if (scheme == "first")
                    m.scheme = prepend_scheme::first;
                else if (scheme == "never")
                    m.scheme = prepend_scheme::never;
                else
                    fail(join(path, "prepend_scheme"),
                         "'" + scheme + "' is not a prepend scheme (known: always, first, never)");
            } else {
                m.scheme =
                    bool_field(j, path, "add_prefix_space", true) ? prepend_scheme::always : prepend_scheme::never;
            }
            m.split = bool_field(j, path, "split", true);
            steps.push_back({std::move(m)});
        } else if (type == "Digits") {
            only_keys(j, path, {"type", "individual_digits"});
            steps.push_back({pre_tokenizer_step::digits{bool_field(j, path, "individual_digits", false)}});
        } else {
            unsupported(path, "pre_tokenizer", type, "Split, ByteLevel, Metaspace, Digits, Sequence");
        }
    }

    // --- post-processors ------------------------------------------------------------------
    std::vector<std::vector<template_item>> read_post_processor(const nlohmann::json& j, const std::string& path) {
        std::vector<std::vector<template_item>> templates;
        if (!j.is_null()) append_post_processor(j, path, templates);
        return templates;
    }
    void append_post_processor(const nlohmann::json& j, const std::string& path,
                               std::vector<std::vector<template_item>>& templates) {
        const std::string type = type_of(j, path);
        if (type == "Sequence") {
            only_keys(j, path, {"type", "processors"});
            const auto& list = member(j, path, "processors");
            const std::string list_path = join(path, "processors");
            if (!list.is_array()) fail(list_path, "must be an array, not " + kind_of(list));
            for (std::size_t i = 0; i < list.size(); ++i)
                append_post_processor(list[i], at_index(list_path, i), templates);
        } else if (type == "ByteLevel") {
            // ByteLevel post-processing trims offsets; it adds or changes no id.
            only_keys(j, path, {"type", "add_prefix_space", "trim_offsets", "use_regex"});
        } else if (type == "TemplateProcessing") {
            // `pair` (two sequences) is read for its form only: cirm encodes one sequence.
            only_keys(j, path, {"type", "single", "pair", "special_tokens"});
            templates.push_back(read_template(j, path));
        } else {
            unsupported(path, "post_processor", type, "TemplateProcessing, ByteLevel, Sequence");
        }
    }
    std::vector<template_item> read_template(const nlohmann::json& j, const std::string& path) {
        const std::string specials_path = join(path, "special_tokens");
        const nlohmann::json empty = nlohmann::json::object();
        const auto& specials = j.contains("special_tokens") ? j.at("special_tokens") : empty;
        if (!specials.is_object()) fail(specials_path, "must be an object, not " + kind_of(specials));
        const std::string single_path = join(path, "single");
        const auto& single = member(j, path, "single");
        if (!single.is_array()) fail(single_path, "must be an array, not " + kind_of(single));
        std::vector<template_item> items;
        bool has_sequence = false;
        for (std::size_t i = 0; i < single.size(); ++i) {
            const std::string p = at_index(single_path, i);
            const auto& item = single[i];
            require_object(item, p);
            if (item.size() != 1) fail(p, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            if (item.contains("Sequence")) {
                const auto& s = item.at("Sequence");
                require_object(s, join(p, "Sequence"));
                const std::string id = string_field(s, join(p, "Sequence"), "id");
                if (id != "A")
                    fail(join(join(p, "Sequence"), "id"), "must be \"A\" in a single template, not \"" + id + "\"");
                has_sequence = true;
                items.push_back({true, {}});
            } else if (item.contains("SpecialToken")) {
                const auto& s = item.at("SpecialToken");
                const std::string sp = join(p, "SpecialToken");
                require_object(s, sp);
                const std::string name = string_field(s, sp, "id");
                if (!specials.contains(name)) fail(join(sp, "id"), "'" + name + "' is not in " + specials_path);
                const auto& entry = specials.at(name);
                const std::string entry_path = specials_path + "['" + name + "']";
                require_object(entry, entry_path);
                const auto& ids = member(entry, entry_path, "ids");
                if (!ids.is_array()) fail(join(entry_path, "ids"), "must be an array, not " + kind_of(ids));
                template_item special;
                for (std::size_t k = 0; k < ids.size(); ++k) {
                    const std::string id_path = at_index(join(entry_path, "ids"), k);
                    special.special_ids.push_back(id_value(ids[k], id_path));
                    special_ids_.emplace_back(id_path, special.special_ids.back());
                }
                items.push_back(std::move(special));
            } else {
                fail(p, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        if (!has_sequence) fail(single_path, "has no {\"Sequence\": {\"id\": \"A\"}} item");
        return items;
    }

    std::string source_;
    const tokenizer_json_document* document_ = nullptr;              // model.vocab and model.merges, when read apart
    std::vector<std::pair<std::string, std::int32_t>> special_ids_;  // checked against the ids once all are read
};

}  // namespace cirm::detail

namespace cirm {

/// The tokenizer of a tokenizer.json text; errors are cirm::error prefixed with `source`.
inline hf_tokenizer parse_tokenizer_json(std::string_view text, const std::string& source = "tokenizer.json") {
    const detail::tokenizer_json_document document(text, source);
    return detail::tokenizer_json_reader(source).read(document.root, &document);
}

/// The tokenizer of a tokenizer.json file.
inline hf_tokenizer load_tokenizer_json(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw error(file.string() + ": cannot open the file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw error(file.string() + ": cannot read the file");
    return parse_tokenizer_json(text, file.string());
}

}  // namespace cirm
