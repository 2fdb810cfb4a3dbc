#pragma once
/// \file
/// Sites and neurons (docs/method.md §3). A site is the output of one linear projection of one
/// transformer block, named by its Hugging Face module path; a neuron is one output unit of a
/// site. A site_layout is the ordered list of sites a model exposes, with each site's offset in
/// the flat neuron numbering that the statistics and the selection use.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/modes.hpp"

namespace cirm {

/// The projection a site is the output of.
enum class module_kind { q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, other };

template <>
struct mode_names<module_kind> {
    static constexpr std::string_view what = "module kind";
    static constexpr std::array<mode_name<module_kind>, 8> names{{{module_kind::q_proj, "q_proj"},
                                                                  {module_kind::k_proj, "k_proj"},
                                                                  {module_kind::v_proj, "v_proj"},
                                                                  {module_kind::o_proj, "o_proj"},
                                                                  {module_kind::gate_proj, "gate_proj"},
                                                                  {module_kind::up_proj, "up_proj"},
                                                                  {module_kind::down_proj, "down_proj"},
                                                                  {module_kind::other, "other"}}};
};

/// True for the attention projections (q, k, v, o).
constexpr bool is_attention(module_kind k) noexcept {
    return k == module_kind::q_proj || k == module_kind::k_proj || k == module_kind::v_proj || k == module_kind::o_proj;
}
/// True for the MLP projections (gate, up, down).
constexpr bool is_mlp(module_kind k) noexcept {
    return k == module_kind::gate_proj || k == module_kind::up_proj || k == module_kind::down_proj;
}

/// One site: its HF module path (e.g. "model.layers.3.mlp.up_proj"), layer, kind and width.
struct site_info {
    std::string name;
    int layer = 0;
    module_kind kind = module_kind::other;
    std::size_t width = 0;

    friend bool operator==(const site_info&, const site_info&) = default;
};

/// One neuron: a site (by its position in a site_layout) and an output index within it.
struct neuron_id {
    std::size_t site = 0;
    std::size_t index = 0;

    friend bool operator==(const neuron_id&, const neuron_id&) = default;
    friend auto operator<=>(const neuron_id&, const neuron_id&) = default;  // site order, then index
};

/// The ordered sites of a model and the flat numbering of their neurons: neuron (s, i) has flat
/// index offset(s) + i. Site names are unique.
class site_layout {
public:
    site_layout() = default;
    explicit site_layout(std::vector<site_info> sites) : sites_(std::move(sites)) {
        offsets_.reserve(sites_.size() + 1);
        offsets_.push_back(0);
        for (std::size_t s = 0; s < sites_.size(); ++s) {
            if (sites_[s].name.empty()) throw error("site " + std::to_string(s) + " has an empty name");
            if (sites_[s].width == 0) throw error("site '" + sites_[s].name + "' has width 0");
            if (!by_name_.emplace(sites_[s].name, s).second)
                throw error("site '" + sites_[s].name + "' is listed twice");
            offsets_.push_back(offsets_.back() + sites_[s].width);
        }
    }

    std::span<const site_info> sites() const noexcept { return sites_; }
    std::size_t size() const noexcept { return sites_.size(); }
    const site_info& operator[](std::size_t s) const noexcept { return sites_[s]; }
    /// Total number of neurons over all sites.
    std::size_t neurons() const noexcept { return offsets_.empty() ? 0 : offsets_.back(); }
    /// Flat index of the first neuron of site s.
    std::size_t offset(std::size_t s) const noexcept { return offsets_[s]; }

    /// Position of the site with this name, or nothing.
    std::optional<std::size_t> find(std::string_view name) const {
        auto it = by_name_.find(std::string(name));
        if (it == by_name_.end()) return std::nullopt;
        return it->second;
    }
    /// Position of the site with this name; an unknown name is an error.
    std::size_t at(std::string_view name) const {
        if (auto s = find(name)) return *s;
        throw error("unknown site '" + std::string(name) + "' (the model has " + std::to_string(sites_.size()) +
                    " sites)");
    }

    std::size_t flat(neuron_id n) const noexcept { return offsets_[n.site] + n.index; }
    /// The neuron with flat index f (f < neurons()).
    neuron_id neuron(std::size_t f) const noexcept {
        std::size_t lo = 0, hi = sites_.size();
        while (hi - lo > 1) {  // last site whose offset <= f
            std::size_t mid = (lo + hi) / 2;
            if (offsets_[mid] <= f)
                lo = mid;
            else
                hi = mid;
        }
        return {lo, f - offsets_[lo]};
    }

    friend bool operator==(const site_layout& a, const site_layout& b) { return a.sites_ == b.sites_; }

private:
    std::vector<site_info> sites_;
    std::vector<std::size_t> offsets_;
    std::unordered_map<std::string, std::size_t> by_name_;
};

/// A mask over the sites of `layout`: 1 at each position listed in `sites`, 0 elsewhere (a site
/// listed twice is simply set). A position outside the layout is an error, prefixed with `what`
/// (the caller's name, e.g. "collect").
inline std::vector<char> site_mask(const site_layout& layout, std::span<const std::size_t> sites,
                                   std::string_view what) {
    std::vector<char> mask(layout.size(), 0);
    for (auto s : sites) {
        if (s >= layout.size())
            throw error(std::string(what) + ": site " + std::to_string(s) + " does not exist (the model has " +
                        std::to_string(layout.size()) + " sites)");
        mask[s] = 1;
    }
    return mask;
}

/// A group of a layout's sites, for ablations by where the edit may go: every site, the attention
/// projections (q, k, v, o), the MLP projections (gate, up, down), the first half of the layers
/// (layers below half the layer count, rounded up: layers 0-1 of 3), the second half, or sites
/// named one by one.
enum class site_group { all, attention, mlp, first_half, second_half, named };

template <>
struct mode_names<site_group> {
    static constexpr std::string_view what = "site group";
    static constexpr std::array<mode_name<site_group>, 5> names{{{site_group::all, "all"},
                                                                 {site_group::attention, "attention"},
                                                                 {site_group::mlp, "mlp"},
                                                                 {site_group::first_half, "first-half"},
                                                                 {site_group::second_half, "second-half"}}};
};

/// Which sites an edit may use: a group, or (site_group::named) the sites listed in `names`.
struct site_selection {
    site_group group = site_group::all;
    std::vector<std::string> names;  ///< for site_group::named: the sites, in the order given

    /// A group's name ("first-half"), or site names separated by commas; an empty item is an error.
    static site_selection parse(std::string_view text) {
        for (const auto& entry : mode_names<site_group>::names)
            if (entry.name == text) return {entry.value, {}};
        site_selection out{site_group::named, {}};
        std::size_t start = 0;
        while (start <= text.size()) {
            const std::size_t comma = std::min(text.find(',', start), text.size());
            std::string name(text.substr(start, comma - start));
            if (name.empty())
                throw error("site group '" + std::string(text) + "': expected " + mode_choices<site_group>() +
                            " or site names separated by commas");
            out.names.push_back(std::move(name));
            start = comma + 1;
        }
        return out;
    }

    /// The group's name, or the site names joined by commas.
    std::string text() const {
        if (group != site_group::named) return std::string(to_string(group));
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
        return out;
    }

    /// The names of the selected sites of `layout`, in layout order (named sites in the order
    /// given); a named site the layout lacks, a site named twice, or an empty group is an error.
    std::vector<std::string> resolve(const site_layout& layout) const {
        std::vector<std::string> out;
        int layers = 0;
        for (const auto& s : layout.sites()) layers = std::max(layers, s.layer + 1);
        const int half = (layers + 1) / 2;
        const auto keep_if = [&](auto keep) {
            for (const auto& s : layout.sites())
                if (keep(s)) out.push_back(s.name);
        };
        switch (group) {
            case site_group::all: keep_if([](const site_info&) { return true; }); break;
            case site_group::attention: keep_if([](const site_info& s) { return is_attention(s.kind); }); break;
            case site_group::mlp: keep_if([](const site_info& s) { return is_mlp(s.kind); }); break;
            case site_group::first_half: keep_if([&](const site_info& s) { return s.layer < half; }); break;
            case site_group::second_half: keep_if([&](const site_info& s) { return s.layer >= half; }); break;
            case site_group::named:
                for (const auto& name : names) {
                    if (!layout.find(name))
                        throw error("site group: the model has no site '" + name +
                                    "' (groups: " + mode_choices<site_group>() + ")");
                    if (std::find(out.begin(), out.end(), name) != out.end())
                        throw error("site group: site '" + name + "' is listed twice");
                    out.push_back(name);
                }
                break;
        }
        if (out.empty()) throw error("site group '" + text() + "' has no site in this model");
        return out;
    }
};

/// The names of the sites of `layout` in `group` (site_selection::parse(group).resolve(layout)).
inline std::vector<std::string> site_group_names(const site_layout& layout, std::string_view group) {
    return site_selection::parse(group).resolve(layout);
}

}  // namespace cirm
