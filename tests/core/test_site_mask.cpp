// site_mask: the sites a collect asks for, as a mask over a layout.

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/site.hpp"

// a named namespace: the test files of this folder are compiled as one unit
namespace site_mask_test {

cirm::site_layout four_sites() {
    std::vector<cirm::site_info> sites;
    for (int l = 0; l < 2; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        sites.push_back({p + ".self_attn.q_proj", l, cirm::module_kind::q_proj, 4});
        sites.push_back({p + ".mlp.down_proj", l, cirm::module_kind::down_proj, 8});
    }
    return cirm::site_layout(std::move(sites));
}

TEST_CASE("site mask: the listed sites are set, the others not, and a site outside the layout is refused") {
    const auto layout = four_sites();
    const std::vector<std::size_t> listed{3, 1, 3};
    CHECK(cirm::site_mask(layout, listed, "collect") == std::vector<char>{0, 1, 0, 1});
    CHECK(cirm::site_mask(layout, std::vector<std::size_t>{}, "collect") == std::vector<char>{0, 0, 0, 0});
    CHECK_THROWS_WITH(cirm::site_mask(layout, std::vector<std::size_t>{0, 4}, "collect"),
                      "collect: site 4 does not exist (the model has 4 sites)");
}

}  // namespace site_mask_test
