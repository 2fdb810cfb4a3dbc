// The CPU adapters under the conformance suite: raw pointers, Eigen maps, xtensor adaptors. Each
// is 2-D, so a batch is fed to it one sample at a time: rows 0 … last[b] of sample b.
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xadapt.hpp>
#include <xtensor/xview.hpp>

#include "cirm/cpu/eigen.hpp"
#include "cirm/cpu/raw.hpp"
#include "cirm/cpu/xtensor.hpp"
#include "conformance_cases.hpp"

namespace conformance {

namespace {

/// Calls f(T*) with the buffer as the case's element type.
template <class F>
void with_elements(const test_case& c, std::span<std::byte> buffer, F&& f) {
    if (c.type == cirm::dtype::f32)
        f(reinterpret_cast<float*>(buffer.data()));
    else if (c.type == cirm::dtype::f16)
        f(reinterpret_cast<cirm::float16*>(buffer.data()));
    else
        f(reinterpret_cast<cirm::bfloat16*>(buffer.data()));
}

template <class T>
cirm::activation_view<T> raw_sample(const test_case& c, T* data, std::size_t b) {
    return cirm::cpu::view(data + static_cast<std::ptrdiff_t>(b) * c.sample_stride, c.sample_rows(b), c.width,
                           c.row_stride, c.neuron_stride);
}

using eigen_map = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
                             Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
eigen_map eigen_sample(const test_case& c, float* data, std::size_t b) {
    return eigen_map(data + static_cast<std::ptrdiff_t>(b) * c.sample_stride,
                     static_cast<Eigen::Index>(c.sample_rows(b)), static_cast<Eigen::Index>(c.width),
                     Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(c.row_stride, c.neuron_stride));
}

/// Calls f(view) with sample b's rows as an xtensor view: a row-major adaptor over whole row
/// pitches with a (stepped) column range, or, for transposed memory, a column-major strided
/// adaptor (strides 1, tokens) with a row range.
template <class T, class F>
void with_xtensor_sample(const test_case& c, T* data, std::size_t b, F&& f) {
    T* base = data + static_cast<std::ptrdiff_t>(b) * c.sample_stride;
    const std::size_t rows = c.sample_rows(b);
    if (c.row_stride == 1) {  // element (r, i) at r + i·tokens
        const auto pitch = static_cast<std::size_t>(c.neuron_stride);
        auto adapted = xt::adapt(base, pitch * c.width, xt::no_ownership(), std::vector<std::size_t>{pitch, c.width},
                                 std::vector<std::size_t>{1, pitch});
        auto rows_of_sample = xt::view(adapted, xt::range(std::size_t{0}, rows), xt::all());
        f(rows_of_sample);
    } else {  // element (r, i) at r·row_stride + i·neuron_stride
        const auto pitch = static_cast<std::size_t>(c.row_stride);
        auto adapted = xt::adapt(base, pitch * rows, xt::no_ownership(), std::vector<std::size_t>{rows, pitch});
        const auto step = static_cast<std::size_t>(c.neuron_stride);
        auto columns = xt::view(adapted, xt::all(), xt::range(std::size_t{0}, step * c.width, step));
        f(columns);
    }
}

std::string always_available() { return ""; }
bool any_case(const test_case&) { return true; }

}  // namespace

std::vector<backend> cpu_backends() {
    std::vector<backend> out;
    out.push_back({"cpu-raw", always_available, any_case,
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       with_elements(c, buffer, [&](auto* data) {
                           for (std::size_t b = 0; b < c.samples; ++b) pin.apply(c.site, raw_sample(c, data, b));
                       });
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       std::vector<float> values(c.samples * c.width);
                       with_elements(c, buffer, [&](auto* data) {
                           for (std::size_t b = 0; b < c.samples; ++b)
                               cirm::cpu::gather_last_token(raw_sample(c, data, b),
                                                            std::span<float>(values).subspan(b * c.width, c.width));
                       });
                       return values;
                   }});
    out.push_back({"cpu-eigen", always_available,
                   [](const test_case& c) { return c.type == cirm::dtype::f32; },  // Eigen activations are float
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       auto* data = reinterpret_cast<float*>(buffer.data());
                       for (std::size_t b = 0; b < c.samples; ++b)
                           pin.apply(c.site, cirm::cpu::view(eigen_sample(c, data, b)));
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       std::vector<float> values(c.samples * c.width);
                       auto* data = reinterpret_cast<float*>(buffer.data());
                       for (std::size_t b = 0; b < c.samples; ++b)
                           cirm::cpu::gather_last_token(cirm::cpu::view(eigen_sample(c, data, b)),
                                                        std::span<float>(values).subspan(b * c.width, c.width));
                       return values;
                   }});
    out.push_back({"cpu-xtensor", always_available, any_case,
                   [](const test_case& c, const cirm::spec_pin& pin, std::span<std::byte> buffer) {
                       with_elements(c, buffer, [&](auto* data) {
                           for (std::size_t b = 0; b < c.samples; ++b)
                               with_xtensor_sample(c, data, b, [&](auto& v) { pin.apply(c.site, cirm::cpu::view(v)); });
                       });
                   },
                   [](const test_case& c, std::span<std::byte> buffer) {
                       std::vector<float> values(c.samples * c.width);
                       with_elements(c, buffer, [&](auto* data) {
                           for (std::size_t b = 0; b < c.samples; ++b)
                               with_xtensor_sample(c, data, b, [&](auto& v) {
                                   cirm::cpu::gather_last_token(cirm::cpu::view(v),
                                                                std::span<float>(values).subspan(b * c.width, c.width));
                               });
                       });
                       return values;
                   }});
    return out;
}

}  // namespace conformance
