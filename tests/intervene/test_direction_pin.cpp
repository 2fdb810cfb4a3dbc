#include <catch2/catch.hpp>

#include <cmath>
#include <thread>
#include <vector>

#include "cirm/intervene/direction_pin.hpp"
#include "cirm/intervene/spec_pin.hpp"

namespace {
cirm::site_layout direction_layout() {
    return cirm::site_layout({{"model.layers.0.self_attn.o_proj", 0, cirm::module_kind::o_proj, 3},
                              {"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 5},
                              {"model.layers.1.self_attn.o_proj", 1, cirm::module_kind::o_proj, 40}});
}

/// Site 0 pins u1 = (0.6, 0.8, 0) to 0.5 and u2 = (0, 0, 1) to −1.
cirm::spec two_directions(cirm::positions p) {
    cirm::spec s;
    s.positions = p;
    cirm::spec_site site;
    site.name = "model.layers.0.self_attn.o_proj";
    site.directions = {{"length", 0.5f, {0.6f, 0.8f, 0.0f}}, {"bold", -1.0f, {0.0f, 0.0f, 1.0f}}};
    s.sites.push_back(site);
    return s;
}

/// Rows of the Householder reflection I − 2vvᵀ/(vᵀv): an orthonormal basis of R^n with no zero entry.
std::vector<std::vector<double>> householder_basis(std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 1.0 + 0.37 * static_cast<double>(i % 7) - 0.11 * static_cast<double>(i);
    double vv = 0.0;
    for (double x : v) vv += x * x;
    std::vector<std::vector<double>> rows(n, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) rows[i][j] = (i == j ? 1.0 : 0.0) - 2.0 * v[i] * v[j] / vv;
    return rows;
}
}  // namespace

TEST_CASE("a direction pin sets the components along its directions and keeps the orthogonal part (hand-derived)") {
    const auto layout = direction_layout();
    const cirm::direction_pin pin(two_directions(cirm::positions::last_token), layout);
    CHECK(pin.pinned() == 2);
    CHECK(pin.pinned(0) == 2);
    CHECK(pin.pinned(1) == 0);
    CHECK(pin.touches(0));
    CHECK_FALSE(pin.touches(1));
    CHECK_FALSE(pin.touches(2));
    CHECK_FALSE(pin.touches(99));
    CHECK(pin.value(0, 1) == -1.0f);
    CHECK(pin.direction(0, 0)[1] == 0.8f);

    // two tokens; only the last row changes: a = (1, 2, 3) → a + (0.5 − 2.2)·u1 + (−1 − 3)·u2
    std::vector<float> acts{9.0f, 9.0f, 9.0f, 1.0f, 2.0f, 3.0f};
    pin.apply(0, cirm::make_view(acts.data(), 2, 3));
    CHECK(acts[0] == 9.0f);
    CHECK(acts[1] == 9.0f);
    CHECK(acts[2] == 9.0f);
    CHECK(acts[3] == Approx(-0.02).margin(1e-6));
    CHECK(acts[4] == Approx(0.64).margin(1e-6));
    CHECK(acts[5] == Approx(-1.0).margin(1e-6));
    // the component along (0.8, −0.6, 0), orthogonal to both directions, is unchanged: 0.8 − 1.2
    CHECK(0.8 * acts[3] - 0.6 * acts[4] == Approx(-0.4).margin(1e-6));
}

TEST_CASE("an all-positions direction pin changes every row, through strided views") {
    const auto layout = direction_layout();
    const cirm::direction_pin pin(two_directions(cirm::positions::all), layout);
    // column-major 2 tokens × 3 neurons in a padded buffer: element (t, n) at n*4 + t
    std::vector<float> buf(3 * 4, 7.0f);
    buf[0] = 1.0f, buf[4] = 2.0f, buf[8] = 3.0f;  // token 0 = (1, 2, 3)
    buf[1] = 0.0f, buf[5] = 0.0f, buf[9] = 0.0f;  // token 1 = 0
    pin.apply(0, cirm::activation_view<float>{buf.data(), 2, 3, 1, 4});
    CHECK(buf[0] == Approx(-0.02).margin(1e-6));
    CHECK(buf[4] == Approx(0.64).margin(1e-6));
    CHECK(buf[8] == Approx(-1.0).margin(1e-6));
    CHECK(buf[1] == Approx(0.3).margin(1e-6));  // 0 → 0.5·u1 − 1·u2
    CHECK(buf[5] == Approx(0.4).margin(1e-6));
    CHECK(buf[9] == Approx(-1.0).margin(1e-6));
    for (std::size_t i : {2u, 3u, 6u, 7u, 10u, 11u}) CHECK(buf[i] == 7.0f);  // padding untouched
}

TEST_CASE("a direction pin writes float16 and bfloat16 rows, computing in float") {
    const auto layout = direction_layout();
    const cirm::direction_pin pin(two_directions(cirm::positions::last_token), layout);
    std::vector<cirm::float16> h{cirm::float16(1.0f), cirm::float16(2.0f), cirm::float16(3.0f)};
    pin.apply(0, cirm::make_view(h.data(), 1, 3));
    CHECK(static_cast<float>(h[0]) == Approx(-0.02).margin(1e-3));
    CHECK(static_cast<float>(h[1]) == Approx(0.64).margin(1e-3));
    CHECK(static_cast<float>(h[2]) == -1.0f);
    std::vector<cirm::bfloat16> b{cirm::bfloat16(1.0f), cirm::bfloat16(2.0f), cirm::bfloat16(3.0f)};
    pin.apply(0, cirm::make_view(b.data(), 1, 3));
    CHECK(static_cast<float>(b[0]) == Approx(-0.02).margin(1e-2));
    CHECK(static_cast<float>(b[1]) == Approx(0.64).margin(1e-2));
    CHECK(static_cast<float>(b[2]) == -1.0f);
}

TEST_CASE("more directions than one chunk: a full basis of 40 pins the whole row to Σ m_j u_j") {
    const auto layout = direction_layout();
    const auto rows = householder_basis(40);
    cirm::spec s;
    cirm::spec_site site;
    site.name = "model.layers.1.self_attn.o_proj";
    std::vector<double> expected(40, 0.0);
    for (std::size_t j = 0; j < 40; ++j) {
        cirm::spec_direction d;
        d.value = static_cast<float>(j) * 0.25f - 3.0f;
        for (double x : rows[j]) d.vector.push_back(static_cast<float>(x));
        for (std::size_t n = 0; n < 40; ++n)
            expected[n] += static_cast<double>(d.value) * static_cast<double>(d.vector[n]);
        site.directions.push_back(d);
    }
    s.sites.push_back(site);
    static_assert(cirm::direction_pin::chunk < 40);
    const cirm::direction_pin pin(s, layout);
    std::vector<float> row(40);
    for (std::size_t n = 0; n < 40; ++n) row[n] = std::sin(static_cast<float>(n)) * 5.0f;
    pin.apply(2, cirm::make_view(row.data(), 1, 40));
    for (std::size_t n = 0; n < 40; ++n) CHECK(row[n] == Approx(expected[n]).margin(1e-4));
}

TEST_CASE("direction pins are safe to apply from several threads at once") {
    const auto layout = direction_layout();
    const cirm::direction_pin pin(two_directions(cirm::positions::last_token), layout);
    std::vector<std::vector<float>> rows(8, std::vector<float>{1.0f, 2.0f, 3.0f});
    std::vector<std::thread> threads;
    for (auto& r : rows)
        threads.emplace_back([&pin, &r] {
            for (int i = 0; i < 1000; ++i) pin.apply(0, cirm::make_view(r.data(), 1, 3));
        });
    for (auto& t : threads) t.join();
    for (const auto& r : rows) {  // pinning is idempotent: the same result after 1000 applications
        CHECK(r[0] == Approx(-0.02).margin(1e-5));
        CHECK(r[1] == Approx(0.64).margin(1e-5));
        CHECK(r[2] == Approx(-1.0).margin(1e-5));
    }
}

TEST_CASE("a spec's directions are checked: length, orthogonality, width, values, swap") {
    const auto layout = direction_layout();
    auto s = two_directions(cirm::positions::last_token);
    s.sites[0].directions[0].vector = {0.6f, 0.7f, 0.0f};
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout),
                      Catch::Contains("direction 0 of site 'model.layers.0.self_attn.o_proj' has length"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].directions[1].vector = {0.0f, 0.6f, 0.8f};
    CHECK_THROWS_WITH(
        cirm::direction_pin(s, layout),
        Catch::Contains("direction 1 of site 'model.layers.0.self_attn.o_proj' is not orthogonal to direction 0"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].directions[1].vector = {0.0f, 1.0f};
    CHECK_THROWS_WITH(
        cirm::direction_pin(s, layout),
        Catch::Contains("direction 1 of site 'model.layers.0.self_attn.o_proj' has 2 components, direction 0 has 3"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].name = "model.layers.0.mlp.up_proj";  // width 5
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout), Catch::Contains("have 3 components, but the site has width 5"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].directions[0].value = std::nanf("");
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout), Catch::Contains("has a non-finite value"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].directions[0].vector[2] = INFINITY;
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout), Catch::Contains("has a non-finite component"));
    s = two_directions(cirm::positions::last_token);
    s.replacement = cirm::replacement::swap;
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout), Catch::Contains("which a swap spec cannot"));
    s = two_directions(cirm::positions::last_token);
    s.sites[0].directions.push_back({"x", 0.0f, {0.8f, -0.6f, 0.0f}});
    s.sites[0].directions.push_back({"y", 0.0f, {0.8f, -0.6f, 0.0f}});
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout),
                      Catch::Contains("4 directions, more than its 3 components allow"));
}

TEST_CASE("neuron_pin and direction_pin refuse a spec with the other kind of edit, spec_pin applies both") {
    const auto layout = direction_layout();
    auto s = two_directions(cirm::positions::last_token);
    s.sites[0].indices = {1};
    s.sites[0].values = {10.0f};
    s.sites.push_back({"model.layers.0.mlp.up_proj", {0, 4}, {-1.0f, 2.0f}, {}, {}});
    CHECK_THROWS_WITH(cirm::neuron_pin(s, layout),
                      Catch::Contains("also pins 2 directions; apply it with cirm::spec_pin"));
    CHECK_THROWS_WITH(cirm::direction_pin(s, layout),
                      Catch::Contains("also pins 3 neurons; apply it with cirm::spec_pin"));

    const cirm::spec_pin pin(s, layout);
    CHECK(pin.edited() == 3);
    CHECK(pin.pinned_directions() == 2);
    CHECK(pin.touches(0));
    CHECK(pin.touches(1));
    CHECK_FALSE(pin.touches(2));
    // site 0: directions first ((1, 2, 3) → (−0.02, 0.64, −1)), then neuron 1 set to 10
    std::vector<float> acts{1.0f, 2.0f, 3.0f};
    pin.apply(0, cirm::make_view(acts.data(), 1, 3));
    CHECK(acts[0] == Approx(-0.02).margin(1e-6));
    CHECK(acts[1] == 10.0f);
    CHECK(acts[2] == Approx(-1.0).margin(1e-6));
    std::vector<float> up(5, 3.0f);
    pin.apply(1, cirm::make_view(up.data(), 1, 5));
    CHECK(up == std::vector<float>{-1.0f, 3.0f, 3.0f, 3.0f, 2.0f});

    // the parts: a spec of neurons only is pinned by spec_pin exactly as by neuron_pin
    const auto neurons = cirm::neuron_part(s);
    CHECK(neurons.pinned_directions() == 0);
    CHECK(neurons.edited() == 3);
    CHECK(cirm::direction_part(s).edited() == 0);
    CHECK(cirm::direction_part(s).sites.size() == 1);
    std::vector<float> a(5), b(5);
    for (std::size_t i = 0; i < 5; ++i) a[i] = b[i] = static_cast<float>(i) - 1.5f;
    cirm::spec_pin(neurons, layout).apply(1, cirm::make_view(a.data(), 1, 5));
    cirm::neuron_pin(neurons, layout).apply(1, cirm::make_view(b.data(), 1, 5));
    CHECK(a == b);
}
