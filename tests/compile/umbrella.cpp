// The umbrella headers compile on their own, with nothing included before them.
#include "cirm/cirm.hpp"
#include "cirm/cpu/eigen.hpp"
#include "cirm/cpu/raw.hpp"
#include "cirm/cpu/xtensor.hpp"
#include "cirm/io/io.hpp"

static_assert(cirm::Intervention<cirm::neuron_pin>);
static_assert(cirm::NeuronSelector<cirm::spearman_top_bottom_k>);
static_assert(cirm::BiasAttribute<cirm::any_attribute>);
static_assert(cirm::BiasAttribute<cirm::attributes::length>);
static_assert(cirm::ActivationSink<cirm::activation_store::batch_sink>);
