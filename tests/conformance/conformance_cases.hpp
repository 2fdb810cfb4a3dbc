#pragma once
// The conformance suite's cases and its CPU reference (every backend is compared with it, as in
// ggml's test-backend-ops): random activations of one site in a host buffer with some strides and
// element type, per-sample last positions or not, a spec edited at the last token or at every
// position, which pins neurons only or also directions (beyond the method). The reference is
// written out here as plain loops over elements, independent of the code under test; only the
// float ↔ 16-bit conversions (cirm/dtype.hpp, tested on their own) are shared.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "cirm/dtype.hpp"
#include "cirm/intervene/direction_pin.hpp"
#include "cirm/intervene/spec_pin.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

namespace conformance {

/// One site's activations in a host buffer: element (b, r, i) at
/// b·sample_stride + r·row_stride + i·neuron_stride.
struct test_case {
    std::string name;
    cirm::dtype type = cirm::dtype::f32;
    std::size_t samples = 1, tokens = 1, width = 1;
    std::ptrdiff_t sample_stride = 0, row_stride = 0, neuron_stride = 1;
    std::vector<std::int64_t> last;  ///< per-sample last positions; empty: every sample's last row
    bool batched = false;            ///< [batch × tokens × width] (else [tokens × width], one sample)
    std::size_t site = 0;            ///< layout site the activations belong to
    cirm::positions mode = cirm::positions::last_token;
    bool directions = false;         ///< the spec also pins directions (else neurons only)
    std::size_t elements = 0;        ///< buffer size in elements
    std::vector<std::byte> initial;  ///< the buffer before any backend touched it

    std::size_t element_size() const { return type == cirm::dtype::f32 ? 4 : 2; }
    std::size_t offset(std::size_t b, std::size_t r, std::size_t i) const {
        return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(b) * sample_stride +
                                        static_cast<std::ptrdiff_t>(r) * row_stride +
                                        static_cast<std::ptrdiff_t>(i) * neuron_stride);
    }
    /// Rows of sample b the intervention sees: 0 … last[b].
    std::size_t sample_rows(std::size_t b) const {
        return last.empty() ? tokens : static_cast<std::size_t>(last[b]) + 1;
    }
};

/// `count` random orthonormal vectors of `width` floats (Gram–Schmidt in double, then rounded).
inline std::vector<std::vector<float>> orthonormal_vectors(std::size_t count, std::size_t width, std::mt19937& random) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<std::vector<double>> basis;
    while (basis.size() < count) {
        std::vector<double> v(width);
        for (auto& x : v) x = normal(random);
        for (const auto& b : basis) {
            double dot = 0.0;
            for (std::size_t n = 0; n < width; ++n) dot += v[n] * b[n];
            for (std::size_t n = 0; n < width; ++n) v[n] -= dot * b[n];
        }
        double norm = 0.0;
        for (double x : v) norm += x * x;
        norm = std::sqrt(norm);
        for (auto& x : v) x /= norm;
        basis.push_back(std::move(v));
    }
    std::vector<std::vector<float>> out;
    for (const auto& b : basis) out.emplace_back(b.begin(), b.end());
    return out;
}

/// The model the cases run against: three sites; the specs edit sites 0 and 1, never site 2.
/// spec_last / spec_all pin neurons of sites 0 and 1; mixed_last / mixed_all pin three
/// directions of site 0 and, at site 1, the same neurons as spec_last and two directions (so
/// that a site with both parts is covered: directions first, then the neurons).
struct fixture {
    cirm::site_layout layout{{{"model.layers.0.self_attn.q_proj", 0, cirm::module_kind::q_proj, 24},
                              {"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 40},
                              {"model.layers.1.mlp.down_proj", 1, cirm::module_kind::down_proj, 24}}};
    cirm::spec spec_last, spec_all, mixed_last, mixed_all;

    fixture() {
        std::mt19937 random(20240611);
        std::uniform_real_distribution<float> value(-3.0f, 3.0f);
        for (std::size_t s = 0; s < 2; ++s) {
            cirm::spec_site site{layout[s].name, {}, {}, {}};
            for (std::size_t i = 0; i < layout[s].width; ++i)
                if (random() % 3 == 0) {  // about a third of the neurons
                    site.indices.push_back(static_cast<std::int64_t>(i));
                    site.values.push_back(value(random));
                }
            spec_last.sites.push_back(site);
        }
        spec_all = spec_last;
        spec_all.positions = cirm::positions::all;

        mixed_last.sites.push_back(cirm::spec_site{layout[0].name, {}, {}, {}, {}});
        mixed_last.sites.push_back(spec_last.sites[1]);
        for (std::size_t s = 0; s < 2; ++s)
            for (auto& u : orthonormal_vectors(s == 0 ? 3 : 2, layout[s].width, random))
                mixed_last.sites[s].directions.push_back({"", value(random), std::move(u)});
        mixed_all = mixed_last;
        mixed_all.positions = cirm::positions::all;
    }
    const cirm::spec& spec_for(cirm::positions mode, bool directions) const {
        if (directions) return mode == cirm::positions::all ? mixed_all : mixed_last;
        return mode == cirm::positions::all ? spec_all : spec_last;
    }
};

inline const fixture& the_fixture() {
    static const fixture f;
    return f;
}

template <class T>
void store(std::byte* buffer, std::size_t element, float v) {
    const T stored = cirm::from_float<T>(v);
    std::memcpy(buffer + element * sizeof(T), &stored, sizeof(T));
}
template <class T>
float load(const std::byte* buffer, std::size_t element) {
    T stored;
    std::memcpy(&stored, buffer + element * sizeof(T), sizeof(T));
    return cirm::to_float(stored);
}
inline void store_as(cirm::dtype t, std::byte* buffer, std::size_t element, float v) {
    if (t == cirm::dtype::f32)
        store<float>(buffer, element, v);
    else if (t == cirm::dtype::f16)
        store<cirm::float16>(buffer, element, v);
    else
        store<cirm::bfloat16>(buffer, element, v);
}
inline float load_as(cirm::dtype t, const std::byte* buffer, std::size_t element) {
    if (t == cirm::dtype::f32) return load<float>(buffer, element);
    if (t == cirm::dtype::f16) return load<cirm::float16>(buffer, element);
    return load<cirm::bfloat16>(buffer, element);
}

/// Every combination of element type, memory layout, batching, positions mode and spec (neurons
/// only, or with directions), for each site.
inline std::vector<test_case> make_cases() {
    std::vector<test_case> cases;
    std::mt19937 random(77);
    std::normal_distribution<float> activation(0.0f, 2.0f);
    const fixture& f = the_fixture();
    for (cirm::dtype type : {cirm::dtype::f32, cirm::dtype::f16, cirm::dtype::bf16})
        for (int memory = 0; memory < 3; ++memory)
            for (int batching = 0; batching < 3; ++batching)
                for (cirm::positions mode : {cirm::positions::last_token, cirm::positions::all})
                    for (bool directions : {false, true})
                        for (std::size_t site = 0; site < f.layout.size(); ++site) {
                            test_case c;
                            c.type = type;
                            c.mode = mode;
                            c.directions = directions;
                            c.site = site;
                            c.width = f.layout[site].width;
                            c.tokens = 5 + static_cast<std::size_t>(random() % 4);
                            // batching 0: one [tokens × width] sample; 1: a batch, every sample to its
                            // last row; 2: a right-padded batch with per-sample last positions.
                            c.batched = batching != 0;
                            c.samples = batching == 0 ? 1 : 3;
                            if (batching == 2)
                                for (std::size_t b = 0; b < c.samples; ++b)
                                    c.last.push_back(static_cast<std::int64_t>(random() % c.tokens));
                            const auto W = static_cast<std::ptrdiff_t>(c.width),
                                       T = static_cast<std::ptrdiff_t>(c.tokens);
                            const char* memory_name = "";
                            if (memory == 0) {  // row-major with a row pitch and a gap between samples
                                c.neuron_stride = 1;
                                c.row_stride = W + 3;
                                c.sample_stride = T * (W + 3) + 5;
                                memory_name = "padded rows";
                            } else if (memory == 1) {  // transposed: neurons outer, tokens inner
                                c.row_stride = 1;
                                c.neuron_stride = T;
                                c.sample_stride = T * W;
                                memory_name = "transposed";
                            } else {  // every other element of each row
                                c.neuron_stride = 2;
                                c.row_stride = 2 * W + 1;
                                c.sample_stride = T * (2 * W + 1);
                                memory_name = "interleaved";
                            }
                            // whole sample pitches, so that adaptors over whole rows stay inside the buffer
                            c.elements = c.samples * static_cast<std::size_t>(c.sample_stride);
                            c.initial.resize(c.elements * c.element_size());
                            for (std::size_t e = 0; e < c.elements; ++e)
                                store_as(type, c.initial.data(), e, activation(random));
                            c.name = std::string(cirm::to_string(type)) + ", " + memory_name + ", " +
                                     (batching == 0   ? "one sample"
                                      : batching == 1 ? "batch"
                                                      : "padded batch") +
                                     ", " + std::string(cirm::to_string(mode)) + " positions, " +
                                     (directions ? "neurons and directions" : "neurons") + ", site " +
                                     std::to_string(site);
                            cases.push_back(std::move(c));
                        }
    return cases;
}

/// Relative tolerance of an element that a direction moves. A direction's component is a sum
/// of products over the site's neurons, which a backend may add in another order (a CUDA block
/// sums slices of the row and then the slices): the float results may then differ in the last
/// bits, so such an element is compared within 1e-6 of the size of the terms that make it up.
inline constexpr double direction_tolerance = 1e-6;

/// The buffer after the pin, element by element. `bytes` holds what an exact backend writes;
/// where `scale[e]` is 0 (a pinned neuron, or an element the pin does not touch) the backend
/// must write exactly those bytes; elsewhere (an element moved by directions) it must write the
/// storage type's rounding of a float within direction_tolerance · scale[e] of `value[e]`.
struct expected_buffer {
    std::vector<std::byte> bytes;
    std::vector<float> value;
    std::vector<double> scale;
};

/// The reference pin: at each pinned row of each sample, the directions of the case's site
/// first, x_n ← x_n + Σ_j (m_j − Σ_k u_jk x_k) u_jn with every component read before any neuron
/// is written, in float, rounded once to the storage type; then each edited neuron's value. (The
/// pins round once per 32 directions; the fixture pins at most 3 per site, so once per row.)
inline expected_buffer expected_pin(const test_case& c) {
    expected_buffer out{c.initial, std::vector<float>(c.elements, 0.0f), std::vector<double>(c.elements, 0.0)};
    for (std::size_t e = 0; e < c.elements; ++e) out.value[e] = load_as(c.type, c.initial.data(), e);
    const cirm::spec& s = the_fixture().spec_for(c.mode, c.directions);
    const std::string& site_name = the_fixture().layout[c.site].name;
    for (const auto& site : s.sites) {
        if (site.name != site_name) continue;
        for (std::size_t b = 0; b < c.samples; ++b) {
            const std::size_t rows = c.sample_rows(b);
            const std::size_t first = c.mode == cirm::positions::all ? 0 : rows - 1;
            for (std::size_t r = first; r < rows; ++r) {
                if (!site.directions.empty()) {
                    std::vector<float> x(c.width), delta;
                    std::vector<double> delta_size;
                    for (std::size_t n = 0; n < c.width; ++n) x[n] = out.value[c.offset(b, r, n)];
                    for (const auto& d : site.directions) {
                        float component = 0.0f;
                        double size = 0.0;
                        for (std::size_t n = 0; n < c.width; ++n) {
                            component += d.vector[n] * x[n];
                            size += std::abs(static_cast<double>(d.vector[n]) * x[n]);
                        }
                        delta.push_back(d.value - component);
                        delta_size.push_back(std::abs(static_cast<double>(d.value)) + size);
                    }
                    for (std::size_t n = 0; n < c.width; ++n) {
                        float moved = x[n];
                        double size = std::abs(static_cast<double>(x[n]));
                        for (std::size_t j = 0; j < delta.size(); ++j) {
                            moved += delta[j] * site.directions[j].vector[n];
                            size += delta_size[j] * std::abs(static_cast<double>(site.directions[j].vector[n]));
                        }
                        const std::size_t e = c.offset(b, r, n);
                        store_as(c.type, out.bytes.data(), e, moved);
                        out.value[e] = moved;
                        out.scale[e] = size;
                    }
                }
                for (std::size_t k = 0; k < site.indices.size(); ++k) {
                    const std::size_t e = c.offset(b, r, static_cast<std::size_t>(site.indices[k]));
                    store_as(c.type, out.bytes.data(), e, site.values[k]);
                    out.value[e] = site.values[k];
                    out.scale[e] = 0.0;
                }
            }
        }
    }
    return out;
}

/// Whether element `e` of a pinned buffer is what `expected` allows (see expected_buffer).
inline bool element_conforms(const test_case& c, const expected_buffer& expected, const std::byte* got, std::size_t e) {
    const std::size_t at = e * c.element_size();
    if (expected.scale[e] == 0.0) return std::memcmp(got + at, expected.bytes.data() + at, c.element_size()) == 0;
    const double slack = direction_tolerance * expected.scale[e];
    const auto rounded = [&](double v) {
        std::vector<std::byte> one(c.element_size());
        store_as(c.type, one.data(), 0, static_cast<float>(v));
        return load_as(c.type, one.data(), 0);
    };
    const float value = load_as(c.type, got, e);
    return value >= rounded(expected.value[e] - slack) && value <= rounded(expected.value[e] + slack);
}

/// Each sample's last-token activations as floats (samples × width).
inline std::vector<float> expected_gather(const test_case& c) {
    std::vector<float> out;
    for (std::size_t b = 0; b < c.samples; ++b)
        for (std::size_t i = 0; i < c.width; ++i)
            out.push_back(load_as(c.type, c.initial.data(), c.offset(b, c.sample_rows(b) - 1, i)));
    return out;
}

/// One backend under test. `unavailable` returns why it cannot run here ("" when it can);
/// `supports` says whether it takes a case (e.g. the Eigen adapter takes float only); `pin`
/// applies the pin of the case's spec (neurons, or neurons and directions, at its positions) to
/// a copy of the buffer in place; `gather` returns the
/// last-token activations (samples × width floats).
struct backend {
    std::string name;
    std::function<std::string()> unavailable;
    std::function<bool(const test_case&)> supports;
    std::function<void(const test_case&, const cirm::spec_pin&, std::span<std::byte>)> pin;
    std::function<std::vector<float>(const test_case&, std::span<std::byte>)> gather;
};

std::vector<backend> cpu_backends();
std::vector<backend> torch_backends();  // defined only when the torch backend is built
std::vector<backend> cuda_backends();   // defined only when the CUDA backend is built

}  // namespace conformance
