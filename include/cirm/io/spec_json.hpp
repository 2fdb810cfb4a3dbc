#pragma once
/// \file
/// A spec (cirm/spec.hpp) as JSON: readable, diffable, and byte-identical for the same spec.
///
/// Schema (version 1); key order as written, one neuron per line:
///
///     {
///       "format": "cirm-spec",                 required, exactly this
///       "version": 1,                          required, exactly 1
///       "positions": "last" | "all",           optional, default "last"
///       "replacement": "median" | "mean" | "zero" | "swap",   optional, default "median"
///       "budgets": [{"bias": "length", "k": 500}, ...],        optional, in this order
///       "provenance": {"attributes": ["length", ...],          optional, and so is each field
///                      "samples": 1000, "data_hash": "<sha-256 hex>", "total_neurons": 4096},
///       "sites": [                             required, in the model's site order
///         {"name": "model.layers.3.mlp.up_proj", "width": 11008, "neurons": [
///           {"index": 17, "value": 0.25, "chosen_by": {"length": 0.83, "bold": -0.41}},
///           ...
///         ]},
///         {"name": "model.layers.0.self_attn.o_proj", "width": 4096, "neurons": [], "directions": [
///           {"bias": "length", "value": 0.61, "vector": [0.012, -0.094, ...]},
///           ...
///         ]},
///         ...
///       ]
///     }
///
/// "width" (optional) is the site's width in the model the spec was made for: every spec made
/// from a localization records it, and the pins refuse a model whose site has another width.
/// Files without it (hand-made specs, files written before widths were recorded) are still read;
/// their sites are then checked against a model by their indices, and the spec by the provenance's
/// total_neurons where that is recorded. "index" is a non-negative integer, "value" a float32 pin value, "chosen_by" maps each bias that
/// selected the neuron to its Spearman ρ, in order. A site either gives "chosen_by" for every
/// neuron or for none (a hand-made spec). Budgets are an array so that their order round-trips.
/// "directions" (beyond the method, optional) lists the site's pinned directions (spec_direction):
/// the bias each was derived for, the value its component is pinned to, and the unit vector, one
/// float32 per neuron of the site; a site without pinned directions has no "directions" key.
///
/// Values are written as the shortest decimal that reads back as the same float32, ρ as the
/// shortest decimal that reads back as the same double, so a spec survives a save/load cycle
/// exactly. Loading rejects unknown fields, repeated keys and wrong types with a cirm::error that
/// names the JSON path ("spec: sites[2].neurons[5].value is not a number"), then runs
/// spec::validate().

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"
#include "cirm/spec.hpp"

namespace cirm {

namespace detail::spec_format {

inline constexpr std::string_view format_name = "cirm-spec";
inline constexpr int version = 1;

using json = nlohmann::ordered_json;  // keeps the document's key order (chosen_by order matters)

// ---- writing --------------------------------------------------------------------------------

inline void append_string(std::string& out, std::string_view text, std::string_view what) {
    try {
        out += json(text).dump();
    } catch (const nlohmann::json::exception&) {
        throw error("spec: " + std::string(what) + " is not valid UTF-8");
    }
}

/// The double to print for a float32: the shortest decimal that reads back as the same float
/// (0.1f prints as 0.1, not 0.10000000149011612), or the float's exact double value in the rare
/// case that the decimal, read as a double and rounded to float, would not give the float back.
inline double readable_double(float value) {
    std::array<char, 64> text{};
    const auto printed = std::to_chars(text.data(), text.data() + text.size(), value);
    double shortest = 0.0;
    const auto read = std::from_chars(text.data(), printed.ptr, shortest);
    if (printed.ec == std::errc() && read.ec == std::errc() &&
        std::bit_cast<std::uint32_t>(static_cast<float>(shortest)) == std::bit_cast<std::uint32_t>(value))
        return shortest;
    return static_cast<double>(value);
}

inline void append_float(std::string& out, float value) { out += json(readable_double(value)).dump(); }

inline void append_double(std::string& out, double value, std::string_view what) {
    if (!std::isfinite(value)) throw error("spec: " + std::string(what) + " is not finite, which JSON cannot hold");
    out += json(value).dump();
}

/// [{"bias": "length", "k": 500}, ...]
inline std::string budgets_text(const std::vector<bias_budget>& budgets) {
    std::string out = "[";
    for (std::size_t i = 0; i < budgets.size(); ++i) {
        if (i) out += ", ";
        out += "{\"bias\": ";
        append_string(out, budgets[i].bias, "budget name '" + budgets[i].bias + "'");
        out += ", \"k\": " + std::to_string(budgets[i].k) + "}";
    }
    return out + "]";
}

/// {"attributes": [...], "samples": N, "data_hash": "...", "total_neurons": M}
inline std::string provenance_text(const spec_provenance& p) {
    std::string out = "{\"attributes\": [";
    for (std::size_t i = 0; i < p.attributes.size(); ++i) {
        if (i) out += ", ";
        append_string(out, p.attributes[i], "provenance attribute '" + p.attributes[i] + "'");
    }
    out += "], \"samples\": " + std::to_string(p.samples) + ", \"data_hash\": ";
    append_string(out, p.data_hash, "provenance data_hash");
    out += ", \"total_neurons\": " + std::to_string(p.total_neurons) + "}";
    return out;
}

/// {"length": 0.83, "bold": -0.41}
inline std::string chosen_by_text(const std::vector<bias_rho>& chosen_by, const std::string& site, std::int64_t index) {
    std::string out = "{";
    for (std::size_t b = 0; b < chosen_by.size(); ++b) {
        if (b) out += ", ";
        const std::string where = "site '" + site + "' neuron " + std::to_string(index);
        append_string(out, chosen_by[b].bias, "bias name of " + where);
        out += ": ";
        append_double(out, chosen_by[b].rho, "rho of " + where + " for '" + chosen_by[b].bias + "'");
    }
    return out + "}";
}

// ---- reading --------------------------------------------------------------------------------

inline std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string element(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

[[noreturn]] inline void fail(const std::string& path, const std::string& problem) {
    throw error("spec: " + path + " " + problem);
}

inline void require_object(const json& j, const std::string& path) {
    if (!j.is_object()) fail(path, "is not an object");
}
inline void require_array(const json& j, const std::string& path) {
    if (!j.is_array()) fail(path, "is not an array");
}

/// Fails on a key that `known` does not list: a misspelt field must not be silently ignored.
inline void reject_unknown_fields(const json& object, std::initializer_list<std::string_view> known,
                                  const std::string& path) {
    for (const auto& item : object.items()) {
        bool listed = false;
        for (auto k : known) listed = listed || item.key() == k;
        if (!listed) fail(child(path, item.key()), "is not a known field");
    }
}

inline const json* optional_field(const json& object, std::string_view key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}
inline const json& required_field(const json& object, std::string_view key, const std::string& path) {
    if (const json* field = optional_field(object, key)) return *field;
    fail(child(path, key), "is missing");
}

inline std::string as_string(const json& j, const std::string& path) {
    if (!j.is_string()) fail(path, "is not a string");
    return j.get<std::string>();
}
inline std::uint64_t as_count(const json& j, const std::string& path) {
    if (!j.is_number_unsigned()) fail(path, "is not a non-negative integer");
    return j.get<std::uint64_t>();
}
inline double as_number(const json& j, const std::string& path) {
    if (!j.is_number()) fail(path, "is not a number");
    return j.get<double>();
}
inline float as_float32(const json& j, const std::string& path) {
    const double d = as_number(j, path);
    const auto f = static_cast<float>(d);
    if (!std::isfinite(f)) fail(path, "is outside the float32 range");
    return f;
}

inline std::vector<bias_budget> read_budgets(const json& j, const std::string& path) {
    require_array(j, path);
    std::vector<bias_budget> budgets;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string at = element(path, i);
        require_object(j[i], at);
        reject_unknown_fields(j[i], {"bias", "k"}, at);
        bias_budget b;
        b.bias = as_string(required_field(j[i], "bias", at), child(at, "bias"));
        b.k = static_cast<std::size_t>(as_count(required_field(j[i], "k", at), child(at, "k")));
        budgets.push_back(std::move(b));
    }
    return budgets;
}

inline spec_provenance read_provenance(const json& j, const std::string& path) {
    require_object(j, path);
    reject_unknown_fields(j, {"attributes", "samples", "data_hash", "total_neurons"}, path);
    spec_provenance p;
    if (const json* attributes = optional_field(j, "attributes")) {
        const std::string at = child(path, "attributes");
        require_array(*attributes, at);
        for (std::size_t i = 0; i < attributes->size(); ++i)
            p.attributes.push_back(as_string((*attributes)[i], element(at, i)));
    }
    if (const json* samples = optional_field(j, "samples"))
        p.samples = static_cast<std::size_t>(as_count(*samples, child(path, "samples")));
    if (const json* hash = optional_field(j, "data_hash")) p.data_hash = as_string(*hash, child(path, "data_hash"));
    if (const json* total = optional_field(j, "total_neurons"))
        p.total_neurons = static_cast<std::size_t>(as_count(*total, child(path, "total_neurons")));
    return p;
}

inline std::vector<bias_rho> read_chosen_by(const json& j, const std::string& path) {
    require_object(j, path);
    std::vector<bias_rho> chosen_by;
    for (const auto& item : j.items())
        chosen_by.push_back({item.key(), as_number(item.value(), child(path, item.key()))});
    return chosen_by;
}

/// A site's recorded width: a positive integer (a spec that does not record it leaves it out).
inline std::size_t as_width(const json& j, const std::string& path) {
    const std::uint64_t width = as_count(j, path);
    if (width == 0) fail(path, "is 0 (a site's width is positive; leave it out if it is not known)");
    return static_cast<std::size_t>(width);
}

inline std::int64_t as_index(const json& j, const std::string& path) {
    const std::uint64_t index = as_count(j, path);
    if (index > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) fail(path, "is too large");
    return static_cast<std::int64_t>(index);
}

/// [{"bias": "length", "value": 0.61, "vector": [...]}, ...]
inline std::vector<spec_direction> read_directions(const json& j, const std::string& path) {
    require_array(j, path);
    std::vector<spec_direction> directions;
    for (std::size_t d = 0; d < j.size(); ++d) {
        const std::string at = element(path, d);
        require_object(j[d], at);
        reject_unknown_fields(j[d], {"bias", "value", "vector"}, at);
        spec_direction u;
        u.bias = as_string(required_field(j[d], "bias", at), child(at, "bias"));
        u.value = as_float32(required_field(j[d], "value", at), child(at, "value"));
        const std::string vector_at = child(at, "vector");
        const json& vector = required_field(j[d], "vector", at);
        require_array(vector, vector_at);
        u.vector.reserve(vector.size());
        for (std::size_t n = 0; n < vector.size(); ++n)
            u.vector.push_back(as_float32(vector[n], element(vector_at, n)));
        directions.push_back(std::move(u));
    }
    return directions;
}

/// Parses text with repeated keys rejected; errors start with "spec: ".
inline json parse_document(std::string_view text, std::string_view what) {
    auto parsed = parse_json_rejecting_duplicates<json>(text);
    using outcome = decltype(parsed)::outcome;
    if (parsed.status == outcome::syntax_error)
        throw error("spec: " + std::string(what) + " is not valid JSON: " + parsed.syntax_message);
    if (parsed.status == outcome::duplicate_key)
        throw error("spec: " + std::string(what) + " has the key '" + parsed.duplicate + "' twice in " +
                    (parsed.duplicate_path.empty() ? std::string("the top-level object") : parsed.duplicate_path));
    return std::move(parsed.value);
}

/// Appends " (in 'source')" to a spec error from loading a file.
template <class Load>
auto naming_source(const std::filesystem::path& source, Load&& load) {
    try {
        return load();
    } catch (const error& e) {
        throw error(std::string(e.what()) + " (in '" + source.string() + "')");
    }
}

}  // namespace detail::spec_format

/// The spec as JSON text (schema in this file's comment). Deterministic: the same spec gives the
/// same bytes. The spec is validated first; an invalid one is an error, as is a non-finite ρ.
inline std::string spec_to_json(const spec& s) {
    namespace f = detail::spec_format;
    s.validate();
    std::string out = "{\n  \"format\": \"" + std::string(f::format_name) +
                      "\",\n  \"version\": " + std::to_string(f::version) + ",\n  \"positions\": \"" +
                      std::string(to_string(s.positions)) + "\",\n  \"replacement\": \"" +
                      std::string(to_string(s.replacement)) + "\",\n  \"budgets\": " + f::budgets_text(s.budgets) +
                      ",\n  \"provenance\": " + f::provenance_text(s.provenance) + ",\n  \"sites\": [";
    for (std::size_t i = 0; i < s.sites.size(); ++i) {
        const spec_site& site = s.sites[i];
        out += i ? ",\n    {\"name\": " : "\n    {\"name\": ";
        f::append_string(out, site.name, "site name '" + site.name + "'");
        if (site.width != 0) out += ", \"width\": " + std::to_string(site.width);
        out += ", \"neurons\": [";
        for (std::size_t n = 0; n < site.indices.size(); ++n) {
            out += n ? ",\n      {\"index\": " : "\n      {\"index\": ";
            out += std::to_string(site.indices[n]);
            out += ", \"value\": ";
            f::append_float(out, site.values[n]);
            if (!site.chosen_by.empty())
                out += ", \"chosen_by\": " + f::chosen_by_text(site.chosen_by[n], site.name, site.indices[n]);
            out += '}';
        }
        out += site.indices.empty() ? "]" : "\n    ]";
        if (!site.directions.empty()) {
            out += ", \"directions\": [";
            for (std::size_t d = 0; d < site.directions.size(); ++d) {
                const spec_direction& u = site.directions[d];
                out += d ? ",\n      {\"bias\": " : "\n      {\"bias\": ";
                f::append_string(out, u.bias,
                                 "bias name of direction " + std::to_string(d) + " of site '" + site.name + "'");
                out += ", \"value\": ";
                f::append_float(out, u.value);
                out += ", \"vector\": [";
                for (std::size_t n = 0; n < u.vector.size(); ++n) {
                    if (n) out += ", ";
                    f::append_float(out, u.vector[n]);
                }
                out += "]}";
            }
            out += "\n    ]";
        }
        out += '}';
    }
    out += s.sites.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

/// Parses a spec from JSON text and validates it. Every malformed, missing or unknown field is a
/// cirm::error naming its JSON path.
inline spec spec_from_json(std::string_view text) {
    namespace f = detail::spec_format;
    const f::json root = f::parse_document(text, "the document");
    if (!root.is_object()) throw error("spec: the document is not a JSON object");
    f::reject_unknown_fields(root, {"format", "version", "positions", "replacement", "budgets", "provenance", "sites"},
                             "");

    const f::json* format = f::optional_field(root, "format");
    if (!format) throw error("spec: format is missing (is this a cirm spec?)");
    if (!format->is_string() || format->get_ref<const std::string&>() != f::format_name)
        throw error("spec: format is " + format->dump() + ", expected \"" + std::string(f::format_name) + "\"");
    const f::json& version = f::required_field(root, "version", "");
    if (!version.is_number_integer() || version.get<std::int64_t>() != f::version)
        throw error("spec: version " + version.dump() + " is not supported (this build reads version " +
                    std::to_string(f::version) + ")");

    spec s;
    if (const f::json* p = f::optional_field(root, "positions")) {
        const std::string mode = f::as_string(*p, "positions");
        try {
            s.positions = parse_mode<positions>(mode);
        } catch (const error& e) {
            throw error(std::string("spec: positions: ") + e.what());
        }
    }
    if (const f::json* r = f::optional_field(root, "replacement")) {
        const std::string kind = f::as_string(*r, "replacement");
        try {
            s.replacement = parse_mode<replacement>(kind);
        } catch (const error& e) {
            throw error(std::string("spec: replacement: ") + e.what());
        }
    }
    if (const f::json* budgets = f::optional_field(root, "budgets")) s.budgets = f::read_budgets(*budgets, "budgets");
    if (const f::json* provenance = f::optional_field(root, "provenance"))
        s.provenance = f::read_provenance(*provenance, "provenance");

    const f::json& sites = f::required_field(root, "sites", "");
    f::require_array(sites, "sites");
    for (std::size_t i = 0; i < sites.size(); ++i) {
        const std::string at = f::element("sites", i);
        const f::json& site_json = sites[i];
        f::require_object(site_json, at);
        f::reject_unknown_fields(site_json, {"name", "width", "neurons", "directions"}, at);
        spec_site site;
        site.name = f::as_string(f::required_field(site_json, "name", at), f::child(at, "name"));
        if (const f::json* width = f::optional_field(site_json, "width"))
            site.width = f::as_width(*width, f::child(at, "width"));
        const std::string neurons_at = f::child(at, "neurons");
        const f::json& neurons = f::required_field(site_json, "neurons", at);
        f::require_array(neurons, neurons_at);
        std::size_t with_chosen_by = 0;
        for (std::size_t n = 0; n < neurons.size(); ++n) {
            const std::string neuron_at = f::element(neurons_at, n);
            const f::json& neuron = neurons[n];
            f::require_object(neuron, neuron_at);
            f::reject_unknown_fields(neuron, {"index", "value", "chosen_by"}, neuron_at);
            site.indices.push_back(
                f::as_index(f::required_field(neuron, "index", neuron_at), f::child(neuron_at, "index")));
            site.values.push_back(
                f::as_float32(f::required_field(neuron, "value", neuron_at), f::child(neuron_at, "value")));
            if (const f::json* chosen_by = f::optional_field(neuron, "chosen_by")) {
                if (with_chosen_by != n)
                    f::fail(f::child(neuron_at, "chosen_by"), "is given, but earlier neurons of this site have none");
                site.chosen_by.push_back(f::read_chosen_by(*chosen_by, f::child(neuron_at, "chosen_by")));
                ++with_chosen_by;
            } else if (with_chosen_by != 0) {
                f::fail(f::child(neuron_at, "chosen_by"), "is missing, but earlier neurons of this site have one");
            }
        }
        if (const f::json* directions = f::optional_field(site_json, "directions"))
            site.directions = f::read_directions(*directions, f::child(at, "directions"));
        s.sites.push_back(std::move(site));
    }
    s.validate();
    return s;
}

/// Writes the spec as JSON, atomically.
inline void save_spec_json(const std::filesystem::path& path, const spec& s) {
    write_file_atomically(path, spec_to_json(s));
}

/// Reads and validates a JSON spec; errors name the file.
inline spec load_spec_json(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    return detail::spec_format::naming_source(path, [&] { return spec_from_json(text); });
}

}  // namespace cirm
