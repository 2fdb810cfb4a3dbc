// The testing area's umbrella header compiles on its own, with nothing included before it, and
// its toy reward model is an ActivationSource.
#include "cirm/testing/testing.hpp"

static_assert(cirm::ActivationSource<cirm::testing::planted_source>);
