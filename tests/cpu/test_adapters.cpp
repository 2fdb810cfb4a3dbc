#include <catch2/catch.hpp>

#include <vector>

#include <Eigen/Core>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "cirm/cpu/eigen.hpp"
#include "cirm/cpu/raw.hpp"
#include "cirm/cpu/xtensor.hpp"
#include "cirm/intervene/neuron_pin.hpp"

namespace {
cirm::site_layout one_site() {
    return cirm::site_layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
}
cirm::neuron_pin pin_all() {
    cirm::spec s;
    s.positions = cirm::positions::all;
    s.sites = {{"model.layers.0.mlp.up_proj", {0, 2}, {5.0f, 6.0f}, {}}};
    return cirm::neuron_pin(s, one_site());
}
cirm::neuron_pin pin_last() {
    cirm::spec s;
    s.sites = {{"model.layers.0.mlp.up_proj", {3}, {9.0f}, {}}};
    return cirm::neuron_pin(s, one_site());
}
}  // namespace

TEST_CASE("raw adapter: pointer, shape and strides, overlapping strides are refused") {
    std::vector<float> buf(3 * 6, 0.0f);  // 3 tokens × 4 neurons with a row pitch of 6
    const auto v = cirm::cpu::view(buf.data(), 3, 4, 6);
    pin_last().apply(0, v);
    CHECK(buf[2 * 6 + 3] == 9.0f);
    CHECK(buf[1 * 6 + 3] == 0.0f);
    std::vector<float> out(4);
    cirm::cpu::gather_last_token(v, out);
    CHECK(out == std::vector<float>{0, 0, 0, 9});
    CHECK_THROWS_WITH(cirm::cpu::view(buf.data(), 3, 4, 2), Catch::Contains("overlap"));
    CHECK_THROWS_WITH(cirm::cpu::view(buf.data(), 3, 4, 4, 0), Catch::Contains("neuron stride is 0"));
    CHECK_THROWS_WITH(cirm::cpu::view<float>(nullptr, 3, 4, 4), Catch::Contains("null data pointer"));
}

TEST_CASE("Eigen adapter: row-major and column-major matrices, strided maps, blocks") {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = Eigen::MatrixXf::Zero(2, 4);
    pin_all().apply(0, cirm::cpu::view(rm));
    CHECK(rm(0, 0) == 5.0f);
    CHECK(rm(1, 2) == 6.0f);
    CHECK(rm(1, 1) == 0.0f);

    Eigen::MatrixXf cm = Eigen::MatrixXf::Zero(2, 4);  // column-major
    pin_all().apply(0, cirm::cpu::view(cm));
    CHECK(cm(0, 0) == 5.0f);
    CHECK(cm(1, 2) == 6.0f);
    CHECK(cm.sum() == 22.0f);

    // every other element of a buffer, as a 2 × 4 row-major map with an outer stride of 8
    std::vector<float> buf(16, 0.0f);
    pin_last().apply(
        0,
        cirm::cpu::view(Eigen::Map<Eigen::Matrix<float, 2, 4, Eigen::RowMajor>, 0, Eigen::Stride<8, 2>>(buf.data())));
    CHECK(buf[8 + 3 * 2] == 9.0f);
    CHECK(std::count(buf.begin(), buf.end(), 0.0f) == 15);

    Eigen::MatrixXf big = Eigen::MatrixXf::Zero(5, 10);
    pin_last().apply(0, cirm::cpu::view(big.block(1, 2, 3, 4)));
    CHECK(big(3, 5) == 9.0f);
    CHECK(big.sum() == 9.0f);

    const Eigen::MatrixXf& const_ref = big;
    std::vector<float> out(4);
    cirm::cpu::gather_last_token(cirm::cpu::view(const_ref.block(1, 2, 3, 4)), out);
    CHECK(out == std::vector<float>{0, 0, 0, 9});
}

TEST_CASE("xtensor adapter: containers, adapted buffers, strided views, 16-bit storage") {
    xt::xtensor<float, 2> t = xt::zeros<float>({3, 4});
    pin_all().apply(0, cirm::cpu::view(t));
    CHECK(t(2, 0) == 5.0f);
    CHECK(t(0, 2) == 6.0f);

    std::vector<cirm::bfloat16> raw(8, cirm::bfloat16(0.0f));
    auto a = xt::adapt(raw.data(), raw.size(), xt::no_ownership(), std::vector<std::size_t>{2, 4});
    pin_last().apply(0, cirm::cpu::view(a));
    CHECK(static_cast<float>(raw[7]) == 9.0f);

    xt::xtensor<float, 2> wide = xt::zeros<float>({4, 8});
    auto cols = xt::view(wide, xt::range(1, 3), xt::range(0, 8, 2));  // 2 × 4, neuron stride 2
    pin_last().apply(0, cirm::cpu::view(cols));
    CHECK(wide(2, 6) == 9.0f);
    CHECK(xt::sum(wide)() == 9.0f);

    xt::xtensor<float, 1> flat = xt::zeros<float>({4});
    CHECK_THROWS_WITH(cirm::cpu::view(flat), Catch::Contains("must be 2-D"));
}
