#pragma once
/// \file
/// Umbrella header of the cirm core: the concepts, the data types, and the whole method over
/// activation matrices. No backend header is included here (see backends/).

#include "cirm/activation_view.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/bias_attribute.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"
#include "cirm/sample.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"
