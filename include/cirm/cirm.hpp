#pragma once
/// \file
/// Umbrella header of the cirm core: the concepts, the data types, and the whole method over
/// activation matrices — attributes, statistics, selection, interventions, localization, the
/// budget search and the evaluation. No backend header is included here (see backends/), and
/// the file formats are opt-in: include "cirm/io/io.hpp" for safetensors, spec files and JSONL.

#include "cirm/activation_view.hpp"
#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/bias_attribute.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/concepts/neuron_selector.hpp"
#include "cirm/concepts/prefix_caching_source.hpp"
#include "cirm/correlation_table.hpp"
#include "cirm/dtype.hpp"
#include "cirm/error.hpp"
#include "cirm/pair_rewards.hpp"
#include "cirm/sample.hpp"
#include "cirm/selection.hpp"
#include "cirm/shift_table.hpp"
#include "cirm/site.hpp"
#include "cirm/spec.hpp"

#include "cirm/attributes/attributes.hpp"
#include "cirm/calibrate/activation_store.hpp"
#include "cirm/calibrate/localize.hpp"
#include "cirm/calibrate/search_budgets.hpp"
#include "cirm/eval/baselines.hpp"
#include "cirm/eval/compare_methods.hpp"
#include "cirm/eval/counterfactual.hpp"
#include "cirm/eval/metrics.hpp"
#include "cirm/eval/score_pairs.hpp"
#include "cirm/intervene/neuron_pin.hpp"
#include "cirm/intervene/pair_swap.hpp"
#include "cirm/search/exhaustive_sampler.hpp"
#include "cirm/search/joint_search.hpp"
#include "cirm/search/k_grid.hpp"
#include "cirm/search/random_sampler.hpp"
#include "cirm/search/tpe_sampler.hpp"
#include "cirm/select/make_spec.hpp"
#include "cirm/select/top_bottom_k.hpp"
#include "cirm/stats/rank.hpp"
#include "cirm/stats/spearman.hpp"
#include "cirm/stats/summary.hpp"
