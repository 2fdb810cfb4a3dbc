// Uses the installed headers of cirm::core and cirm::cpu; exits non-zero if anything is off.
#include <cstdio>
#include <vector>

#include <cirm/cirm.hpp>

int main() {
    const cirm::site_layout layout({{"model.layers.0.mlp.up_proj", 0, cirm::module_kind::up_proj, 4}});
    if (layout.neurons() != 4) return 1;
    std::puts("consumer: ok");
    return 0;
}
