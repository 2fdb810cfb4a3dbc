#pragma once
/// \file
/// Sites and neurons (docs/method.md §3). A site is the output of one linear projection of one
/// transformer block, named by its Hugging Face module path; a neuron is one output unit of a
/// site. A site_layout is the ordered list of sites a model exposes, with each site's offset in
/// the flat neuron numbering that the statistics and the selection use.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cirm/error.hpp"

namespace cirm {

/// The projection a site is the output of.
enum class module_kind { q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, other };

constexpr std::string_view to_string(module_kind k) noexcept {
    switch (k) {
        case module_kind::q_proj: return "q_proj";
        case module_kind::k_proj: return "k_proj";
        case module_kind::v_proj: return "v_proj";
        case module_kind::o_proj: return "o_proj";
        case module_kind::gate_proj: return "gate_proj";
        case module_kind::up_proj: return "up_proj";
        case module_kind::down_proj: return "down_proj";
        case module_kind::other: return "other";
    }
    return "other";
}

/// Parses a module kind name; unknown names are an error.
inline module_kind parse_module_kind(std::string_view s) {
    for (auto k : {module_kind::q_proj, module_kind::k_proj, module_kind::v_proj, module_kind::o_proj,
                   module_kind::gate_proj, module_kind::up_proj, module_kind::down_proj, module_kind::other})
        if (to_string(k) == s) return k;
    throw error("unknown module kind '" + std::string(s) + "'");
}

/// True for the attention projections (q, k, v, o).
constexpr bool is_attention(module_kind k) noexcept {
    return k == module_kind::q_proj || k == module_kind::k_proj || k == module_kind::v_proj ||
           k == module_kind::o_proj;
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
            if (offsets_[mid] <= f) lo = mid; else hi = mid;
        }
        return {lo, f - offsets_[lo]};
    }

    friend bool operator==(const site_layout& a, const site_layout& b) { return a.sites_ == b.sites_; }

private:
    std::vector<site_info> sites_;
    std::vector<std::size_t> offsets_;
    std::unordered_map<std::string, std::size_t> by_name_;
};

/// The names of a group of a layout's sites, in layout order, for ablations by where the edit
/// may go: "all", "attention" (q, k, v, o), "mlp" (gate, up, down), "first-half" (layers below
/// half the layer count, rounded up: layers 0–1 of 3), "second-half" (the others), or a
/// comma-separated list of site names (each must exist). An empty group is an error.
inline std::vector<std::string> site_group(const site_layout& layout, std::string_view group) {
    std::vector<std::string> out;
    int layers = 0;
    for (const auto& s : layout.sites()) layers = std::max(layers, s.layer + 1);
    const int half = (layers + 1) / 2;
    const auto keep_if = [&](auto keep) {
        for (const auto& s : layout.sites())
            if (keep(s)) out.push_back(s.name);
    };
    if (group == "all") keep_if([](const site_info&) { return true; });
    else if (group == "attention") keep_if([](const site_info& s) { return is_attention(s.kind); });
    else if (group == "mlp") keep_if([](const site_info& s) { return is_mlp(s.kind); });
    else if (group == "first-half") keep_if([&](const site_info& s) { return s.layer < half; });
    else if (group == "second-half") keep_if([&](const site_info& s) { return s.layer >= half; });
    else {
        std::size_t start = 0;
        while (start <= group.size()) {
            const std::size_t comma = std::min(group.find(',', start), group.size());
            const std::string name(group.substr(start, comma - start));
            if (name.empty())
                throw error("site group '" + std::string(group) +
                            "': expected all, attention, mlp, first-half, second-half or site names separated by commas");
            if (!layout.find(name))
                throw error("site group: the model has no site '" + name +
                            "' (groups: all, attention, mlp, first-half, second-half)");
            if (std::find(out.begin(), out.end(), name) != out.end())
                throw error("site group: site '" + name + "' is listed twice");
            out.push_back(name);
            start = comma + 1;
        }
    }
    if (out.empty()) throw error("site group '" + std::string(group) + "' has no site in this model");
    return out;
}

}  // namespace cirm
