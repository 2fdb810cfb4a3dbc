#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cirm/error.hpp"
#include "cirm/site.hpp"

namespace {
// 3 layers × (q, o, up, down), widths irrelevant here
cirm::site_layout three_layers() {
    std::vector<cirm::site_info> sites;
    for (int l = 0; l < 3; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        sites.push_back({p + ".self_attn.q_proj", l, cirm::module_kind::q_proj, 4});
        sites.push_back({p + ".self_attn.o_proj", l, cirm::module_kind::o_proj, 4});
        sites.push_back({p + ".mlp.up_proj", l, cirm::module_kind::up_proj, 8});
        sites.push_back({p + ".mlp.down_proj", l, cirm::module_kind::down_proj, 4});
    }
    return cirm::site_layout(std::move(sites));
}
using names = std::vector<std::string>;
}  // namespace

TEST_CASE("site groups: by module kind, by half of the layers, or named") {
    const auto layout = three_layers();
    CHECK(cirm::site_group_names(layout, "all").size() == 12);
    CHECK(cirm::site_group_names(layout, "attention") ==
          names{"model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.o_proj", "model.layers.1.self_attn.q_proj",
                "model.layers.1.self_attn.o_proj", "model.layers.2.self_attn.q_proj",
                "model.layers.2.self_attn.o_proj"});
    CHECK(cirm::site_group_names(layout, "mlp") == names{"model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj",
                                                         "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj",
                                                         "model.layers.2.mlp.up_proj", "model.layers.2.mlp.down_proj"});
    // 3 layers: the first half is layers 0 and 1, the second half layer 2
    const auto first = cirm::site_group_names(layout, "first-half");
    CHECK(first.size() == 8);
    CHECK(first.back() == "model.layers.1.mlp.down_proj");
    CHECK(cirm::site_group_names(layout, "second-half") ==
          names{"model.layers.2.self_attn.q_proj", "model.layers.2.self_attn.o_proj", "model.layers.2.mlp.up_proj",
                "model.layers.2.mlp.down_proj"});
    CHECK(cirm::site_group_names(layout, "model.layers.2.mlp.up_proj,model.layers.0.self_attn.q_proj") ==
          names{"model.layers.2.mlp.up_proj", "model.layers.0.self_attn.q_proj"});
}

TEST_CASE("site groups: unknown names, empty entries, repeats and empty groups are errors") {
    const auto layout = three_layers();
    CHECK_THROWS_WITH(cirm::site_group_names(layout, "model.layers.7.mlp.up_proj"),
                      Catch::Contains("no site 'model.layers.7.mlp.up_proj'"));
    CHECK_THROWS_WITH(cirm::site_group_names(layout, "mlp-only"), Catch::Contains("no site 'mlp-only'"));
    CHECK_THROWS_WITH(cirm::site_group_names(layout, ""), Catch::Contains("expected all, attention, mlp"));
    CHECK_THROWS_WITH(cirm::site_group_names(layout, "model.layers.0.mlp.up_proj,"), Catch::Contains("expected all"));
    CHECK_THROWS_WITH(cirm::site_group_names(layout, "model.layers.0.mlp.up_proj,model.layers.0.mlp.up_proj"),
                      Catch::Contains("listed twice"));
    const cirm::site_layout mlp_only(
        std::vector<cirm::site_info>{{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 8}});
    CHECK_THROWS_WITH(cirm::site_group_names(mlp_only, "attention"), Catch::Contains("has no site in this model"));
}
