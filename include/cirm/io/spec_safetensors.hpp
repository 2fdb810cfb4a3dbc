#pragma once
/// \file
/// A spec (cirm/spec.hpp) as a safetensors file, so that a PyTorch user can apply it with
/// `safetensors.torch.load_file` and a few forward hooks, without cirm.
///
/// Tensors, two per site (a site with no edited neuron has none in a spec):
///
///     "<site>.indices"   I64, shape [n]   edited output units of the site, ascending
///     "<site>.values"    F32, shape [n]   the value each is pinned to
///
/// e.g. "model.layers.3.mlp.up_proj.indices". A site that pins directions (beyond the method;
/// spec_direction) has two more:
///
///     "<site>.directions"        F32, shape [r, width]   the unit vectors u_j, one per row
///     "<site>.direction_values"  F32, shape [r]          the value each component u_j·a is pinned to
///
/// Everything else is in "__metadata__" (strings):
///
///     "format": "cirm-spec", "version": "1", "positions": "last" | "all",
///     "replacement": "median" | "mean" | "zero" | "swap",
///     "sites":      JSON array of the site names, in the spec's order
///     "budgets":    JSON, as in spec_json.hpp: [{"bias": "length", "k": 500}, ...]
///     "provenance": JSON, as in spec_json.hpp: {"attributes": [...], "samples": N, ...}
///     "chosen_by":  JSON object, site → one {"bias": rho, ...} object per neuron (sites that
///                   have provenance only)
///     "direction_biases": JSON object, site → the bias of each direction, in row order (sites
///                   that pin directions only)
///     "widths":     JSON object, site → its width in the model the spec was made for (sites
///                   whose width the spec records; see spec_json.hpp: files without it are read,
///                   their sites checked against a model by their indices only)
///
/// In Python:
///
///     import json
///     from safetensors import safe_open
///     from safetensors.torch import load_file
///     pins = load_file("spec.safetensors")
///     with safe_open("spec.safetensors", "pt") as f: meta = f.metadata()
///     for site in json.loads(meta["sites"]):
///         idx, val = pins[site + ".indices"], pins[site + ".values"]
///         module = model.get_submodule(site)
///         def hook(mod, inp, out, idx=idx, val=val):
///             out[:, -1, idx] = val.to(out.dtype)   # last token; out[..., idx] for "all"
///         module.register_forward_hook(hook)
///
/// and for a site with directions U (r × width) and values m: `out[:, -1] += (m - out[:, -1] @ U.T) @ U`.
///
/// Loading checks that every listed site has both tensors with the right dtypes and equal 1-d
/// shapes (and, where it has directions, both direction tensors, [r, width] and [r]), that no
/// other tensor is present, and then runs spec::validate(). Metadata keys other
/// than the ones above are ignored (the metadata map is shared with other tools).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/spec.hpp"

namespace cirm {

namespace detail::spec_format {

inline constexpr std::string_view indices_suffix = ".indices";
inline constexpr std::string_view values_suffix = ".values";
inline constexpr std::string_view directions_suffix = ".directions";
inline constexpr std::string_view direction_values_suffix = ".direction_values";

inline const std::string* metadata_entry(const std::map<std::string, std::string>& metadata, const std::string& key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
}

/// The 1-d tensor `name` with dtype `type`; anything else is an error naming the tensor.
inline const safetensors::tensor_view& site_tensor(const safetensors::reader& file, const std::string& site,
                                                   std::string_view suffix, safetensors::dtype type) {
    const std::string name = site + std::string(suffix);
    const auto* t = file.find(name);
    if (!t) throw error("spec: site '" + site + "' has no tensor '" + name + "'");
    if (t->type != type)
        throw error("spec: tensor '" + name + "' has dtype " + std::string(safetensors::to_string(t->type)) +
                    ", expected " + std::string(safetensors::to_string(type)));
    if (t->shape.size() != 1)
        throw error("spec: tensor '" + name + "' has shape " + safetensors::detail::shape_text(t->shape) +
                    ", expected one dimension [n]");
    return *t;
}

inline spec spec_from_safetensors_reader(const safetensors::reader& file) {
    const auto& metadata = file.metadata();
    const std::string* format = metadata_entry(metadata, "format");
    if (!format) throw error("spec: __metadata__ has no 'format' (is this a cirm spec?)");
    if (*format != format_name)
        throw error("spec: __metadata__ format is '" + *format + "', expected '" + std::string(format_name) + "'");
    const std::string* version_text = metadata_entry(metadata, "version");
    if (!version_text) throw error("spec: __metadata__ has no 'version'");
    if (*version_text != std::to_string(version))
        throw error("spec: __metadata__ version '" + *version_text + "' is not supported (this build reads version " +
                    std::to_string(version) + ")");

    spec s;
    if (const std::string* p = metadata_entry(metadata, "positions")) {
        try {
            s.positions = parse_mode<positions>(*p);
        } catch (const error& e) {
            throw error(std::string("spec: __metadata__ positions: ") + e.what());
        }
    }
    if (const std::string* r = metadata_entry(metadata, "replacement")) {
        try {
            s.replacement = parse_mode<replacement>(*r);
        } catch (const error& e) {
            throw error(std::string("spec: __metadata__ replacement: ") + e.what());
        }
    }
    if (const std::string* b = metadata_entry(metadata, "budgets"))
        s.budgets = read_budgets(parse_document(*b, "__metadata__ budgets"), "__metadata__.budgets");
    if (const std::string* p = metadata_entry(metadata, "provenance"))
        s.provenance = read_provenance(parse_document(*p, "__metadata__ provenance"), "__metadata__.provenance");

    const std::string* sites_text = metadata_entry(metadata, "sites");
    if (!sites_text) throw error("spec: __metadata__ has no 'sites' (the site order)");
    const json site_names = parse_document(*sites_text, "__metadata__ sites");
    require_array(site_names, "__metadata__.sites");
    std::map<std::string, std::size_t> site_position;
    for (std::size_t i = 0; i < site_names.size(); ++i) {
        spec_site site;
        site.name = as_string(site_names[i], element("__metadata__.sites", i));
        if (!site_position.emplace(site.name, i).second)
            throw error("spec: __metadata__ sites lists '" + site.name + "' twice");
        const auto& indices = site_tensor(file, site.name, indices_suffix, safetensors::dtype::i64);
        const auto& values = site_tensor(file, site.name, values_suffix, safetensors::dtype::f32);
        if (indices.shape != values.shape)
            throw error("spec: site '" + site.name + "' has " + std::to_string(indices.shape[0]) + " indices but " +
                        std::to_string(values.shape[0]) + " values");
        site.indices = indices.to_int64s();
        site.values = values.to_floats();
        s.sites.push_back(std::move(site));
    }
    // directions: a listed site has both direction tensors or neither
    std::size_t expected_tensors = 2 * s.sites.size();
    for (spec_site& site : s.sites) {
        const bool has_vectors = file.find(site.name + std::string(directions_suffix)) != nullptr;
        const bool has_values = file.find(site.name + std::string(direction_values_suffix)) != nullptr;
        if (!has_vectors && !has_values) continue;
        if (!has_vectors || !has_values)
            throw error("spec: site '" + site.name + "' has tensor '" + site.name +
                        std::string(has_vectors ? directions_suffix : direction_values_suffix) + "' but not '" +
                        site.name + std::string(has_vectors ? direction_values_suffix : directions_suffix) + "'");
        const std::string vectors_name = site.name + std::string(directions_suffix);
        const auto* vectors = file.find(vectors_name);
        if (vectors->type != safetensors::dtype::f32)
            throw error("spec: tensor '" + vectors_name + "' has dtype " +
                        std::string(safetensors::to_string(vectors->type)) + ", expected F32");
        if (vectors->shape.size() != 2)
            throw error("spec: tensor '" + vectors_name + "' has shape " +
                        safetensors::detail::shape_text(vectors->shape) + ", expected two dimensions [r, width]");
        const auto& values = site_tensor(file, site.name, direction_values_suffix, safetensors::dtype::f32);
        if (values.shape[0] != vectors->shape[0])
            throw error("spec: site '" + site.name + "' has " + std::to_string(vectors->shape[0]) + " directions but " +
                        std::to_string(values.shape[0]) + " direction values");
        const std::size_t width = vectors->shape[1];
        const auto flat = vectors->to_floats();
        const auto pinned = values.to_floats();
        for (std::size_t d = 0; d < pinned.size(); ++d)
            site.directions.push_back(
                {"", pinned[d],
                 std::vector<float>(flat.begin() + static_cast<std::ptrdiff_t>(d * width),
                                    flat.begin() + static_cast<std::ptrdiff_t>((d + 1) * width))});
        expected_tensors += 2;
    }
    // Every tensor must be one of a listed site's: anything else means the file is not what it
    // claims, or a site is missing from the order.
    if (file.tensors().size() != expected_tensors) {
        for (const auto& t : file.tensors()) {
            const std::string& name = t.name;
            bool belongs = false;
            for (auto suffix : {indices_suffix, values_suffix, directions_suffix, direction_values_suffix})
                if (name.size() > suffix.size() && name.ends_with(suffix))
                    belongs = belongs || site_position.count(name.substr(0, name.size() - suffix.size())) > 0;
            if (!belongs)
                throw error("spec: tensor '" + name +
                            "' is not '<site>.indices', '<site>.values', "
                            "'<site>.directions' or '<site>.direction_values' of a site listed in __metadata__ sites");
        }
    }

    // per-site metadata: {"<site>": [one entry per neuron (chosen_by) or direction (direction_biases)]}
    const auto per_site = [&](const char* key, const char* counted, auto count_of, auto read_entry) {
        const std::string* text = metadata_entry(metadata, key);
        if (!text) return;
        const std::string path = std::string("__metadata__.") + key;
        const json object = parse_document(*text, std::string("__metadata__ ") + key);
        require_object(object, path);
        for (const auto& item : object.items()) {
            const std::string at = child(path, item.key());
            auto position = site_position.find(item.key());
            if (position == site_position.end()) fail(at, "names a site that __metadata__ sites does not list");
            spec_site& site = s.sites[position->second];
            require_array(item.value(), at);
            if (item.value().size() != count_of(site))
                fail(at, "has " + std::to_string(item.value().size()) + " entries for the site's " +
                             std::to_string(count_of(site)) + " " + counted);
            for (std::size_t i = 0; i < item.value().size(); ++i) read_entry(site, i, item.value()[i], element(at, i));
        }
    };
    per_site(
        "chosen_by", "neurons", [](const spec_site& site) { return site.indices.size(); },
        [](spec_site& site, std::size_t, const json& entry, const std::string& at) {
            site.chosen_by.push_back(read_chosen_by(entry, at));
        });
    if (const std::string* text = metadata_entry(metadata, "widths")) {
        const json object = parse_document(*text, "__metadata__ widths");
        require_object(object, "__metadata__.widths");
        for (const auto& item : object.items()) {
            const std::string at = child("__metadata__.widths", item.key());
            auto position = site_position.find(item.key());
            if (position == site_position.end()) fail(at, "names a site that __metadata__ sites does not list");
            s.sites[position->second].width = as_width(item.value(), at);
        }
    }
    per_site(
        "direction_biases", "directions", [](const spec_site& site) { return site.directions.size(); },
        [](spec_site& site, std::size_t j, const json& entry, const std::string& at) {
            site.directions[j].bias = as_string(entry, at);
        });
    s.validate();
    return s;
}

}  // namespace detail::spec_format

/// The bytes of a safetensors file holding the spec (layout in this file's comment). The spec is
/// validated first.
inline std::string spec_to_safetensors(const spec& s) {
    namespace f = detail::spec_format;
    s.validate();
    std::map<std::string, std::string> metadata;
    metadata["format"] = std::string(f::format_name);
    metadata["version"] = std::to_string(f::version);
    metadata["positions"] = std::string(to_string(s.positions));
    metadata["replacement"] = std::string(to_string(s.replacement));
    metadata["budgets"] = f::budgets_text(s.budgets);
    metadata["provenance"] = f::provenance_text(s.provenance);

    std::string sites = "[";
    std::string chosen_by = "{";
    std::string direction_biases = "{";
    std::string widths = "{";
    bool any_chosen_by = false;
    std::vector<safetensors::tensor_data> tensors;
    tensors.reserve(4 * s.sites.size());
    // the directions of each site as one [r, width] block, and their values (kept alive here)
    std::vector<std::vector<float>> direction_blocks(s.sites.size()), direction_values(s.sites.size());
    for (std::size_t i = 0; i < s.sites.size(); ++i) {
        const spec_site& site = s.sites[i];
        if (i) sites += ", ";
        f::append_string(sites, site.name, "site name '" + site.name + "'");
        if (site.width != 0) {
            if (widths.size() > 1) widths += ", ";
            f::append_string(widths, site.name, "site name '" + site.name + "'");
            widths += ": " + std::to_string(site.width);
        }
        tensors.push_back({site.name + std::string(f::indices_suffix),
                           safetensors::dtype::i64,
                           {site.indices.size()},
                           safetensors::bytes_of(site.indices)});
        tensors.push_back({site.name + std::string(f::values_suffix),
                           safetensors::dtype::f32,
                           {site.values.size()},
                           safetensors::bytes_of(site.values)});
        if (!site.directions.empty()) {
            const std::size_t width = site.directions.front().vector.size();
            if (direction_biases.size() > 1) direction_biases += ", ";
            f::append_string(direction_biases, site.name, "site name '" + site.name + "'");
            direction_biases += ": [";
            for (std::size_t d = 0; d < site.directions.size(); ++d) {
                const spec_direction& u = site.directions[d];
                direction_blocks[i].insert(direction_blocks[i].end(), u.vector.begin(), u.vector.end());
                direction_values[i].push_back(u.value);
                if (d) direction_biases += ", ";
                f::append_string(direction_biases, u.bias, "bias name of a direction of site '" + site.name + "'");
            }
            direction_biases += "]";
            tensors.push_back({site.name + std::string(f::directions_suffix),
                               safetensors::dtype::f32,
                               {site.directions.size(), width},
                               safetensors::bytes_of(direction_blocks[i])});
            tensors.push_back({site.name + std::string(f::direction_values_suffix),
                               safetensors::dtype::f32,
                               {site.directions.size()},
                               safetensors::bytes_of(direction_values[i])});
        }
        if (site.chosen_by.empty()) continue;
        if (any_chosen_by) chosen_by += ", ";
        any_chosen_by = true;
        f::append_string(chosen_by, site.name, "site name '" + site.name + "'");
        chosen_by += ": [";
        for (std::size_t n = 0; n < site.chosen_by.size(); ++n) {
            if (n) chosen_by += ", ";
            chosen_by += f::chosen_by_text(site.chosen_by[n], site.name, site.indices[n]);
        }
        chosen_by += "]";
    }
    metadata["sites"] = sites + "]";
    if (any_chosen_by) metadata["chosen_by"] = chosen_by + "}";
    if (direction_biases.size() > 1) metadata["direction_biases"] = direction_biases + "}";
    if (widths.size() > 1) metadata["widths"] = widths + "}";
    return safetensors::serialize(tensors, metadata);
}

/// Parses a spec from safetensors bytes (which need only live during the call) and validates it.
inline spec spec_from_safetensors(std::span<const std::byte> bytes) {
    return detail::spec_format::spec_from_safetensors_reader(safetensors::reader(bytes));
}
inline spec spec_from_safetensors(std::string_view bytes) {
    return detail::spec_format::spec_from_safetensors_reader(safetensors::reader(bytes));
}

/// Writes the spec as a safetensors file, atomically.
inline void save_spec_safetensors(const std::filesystem::path& path, const spec& s) {
    write_file_atomically(path, spec_to_safetensors(s));
}

/// Reads and validates a safetensors spec; errors name the file.
inline spec load_spec_safetensors(const std::filesystem::path& path) {
    const safetensors::mapped_file file(path);
    return detail::spec_format::naming_source(
        path, [&] { return detail::spec_format::spec_from_safetensors_reader(file.contents()); });
}

}  // namespace cirm
