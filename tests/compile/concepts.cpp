// Models and non-models of each concept, checked at compile time.
#include "cirm/concepts/activation_source.hpp"
#include "cirm/concepts/bias_attribute.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/concepts/neuron_selector.hpp"

namespace {
struct not_an_attribute_no_name {
    double operator()(std::string_view, std::string_view) const { return 0; }
};
struct not_an_attribute_string_result {
    std::string_view name() const { return "x"; }
    std::string_view operator()(std::string_view, std::string_view) const { return {}; }
};
struct minimal_attribute {
    std::string_view name() const { return "x"; }
    double operator()(std::string_view, std::string_view) const { return 0; }
};
static_assert(cirm::BiasAttribute<minimal_attribute>);
static_assert(!cirm::BiasAttribute<not_an_attribute_no_name>);
static_assert(!cirm::BiasAttribute<not_an_attribute_string_result>);

struct intervention_float_only {  // misses the 16-bit types
    void apply(std::size_t, cirm::activation_view<float>) const noexcept {}
    bool touches(std::size_t) const noexcept { return true; }
    cirm::positions mode() const noexcept { return cirm::positions::all; }
};
struct intervention_throwing {  // apply must be noexcept
    template <class T>
    void apply(std::size_t, cirm::activation_view<T>) const {}
    bool touches(std::size_t) const noexcept { return true; }
    cirm::positions mode() const noexcept { return cirm::positions::all; }
};
static_assert(cirm::Intervention<cirm::no_intervention>);
static_assert(!cirm::Intervention<intervention_float_only>);
static_assert(!cirm::Intervention<intervention_throwing>);

struct minimal_selector {
    cirm::selection select(const cirm::correlation_table&, std::span<const std::size_t>) const { return {}; }
};
struct selector_wrong_result {
    std::vector<std::size_t> select(const cirm::correlation_table&, std::span<const std::size_t>) const { return {}; }
};
static_assert(cirm::NeuronSelector<minimal_selector>);
static_assert(!cirm::NeuronSelector<selector_wrong_result>);

struct minimal_source {
    cirm::site_layout layout_;
    const cirm::site_layout& layout() const { return layout_; }
    template <cirm::ActivationSink K>
    void collect(std::span<const cirm::sample>, K&) {}
    template <cirm::Intervention I>
    void score(std::span<const cirm::sample>, const I&, std::span<float>) {}
};
struct source_without_score {
    cirm::site_layout layout_;
    const cirm::site_layout& layout() const { return layout_; }
    template <class K>
    void collect(std::span<const cirm::sample>, K&) {}
};
struct source_float_sink_only {  // takes one concrete sink type instead of any sink
    struct my_sink {};
    cirm::site_layout layout_;
    const cirm::site_layout& layout() const { return layout_; }
    void collect(std::span<const cirm::sample>, my_sink&) {}
    template <class I>
    void score(std::span<const cirm::sample>, const I&, std::span<float>) {}
};
static_assert(cirm::ActivationSource<minimal_source>);
static_assert(!cirm::ActivationSource<source_without_score>);
static_assert(!cirm::ActivationSource<source_float_sink_only>);

// ActivationCollector: layout() and collect() suffice; every source is a collector.
struct collector_without_layout {
    template <class K>
    void collect(std::span<const cirm::sample>, K&) {}
};
struct collector_without_collect {
    cirm::site_layout layout_;
    const cirm::site_layout& layout() const { return layout_; }
};
struct collector_non_const_layout {  // layout() must be callable on a const collector
    cirm::site_layout layout_;
    const cirm::site_layout& layout() { return layout_; }
    template <class K>
    void collect(std::span<const cirm::sample>, K&) {}
};
static_assert(cirm::ActivationCollector<source_without_score>);
static_assert(cirm::ActivationCollector<minimal_source>);
static_assert(!cirm::ActivationCollector<collector_without_layout>);
static_assert(!cirm::ActivationCollector<collector_without_collect>);
static_assert(!cirm::ActivationCollector<collector_non_const_layout>);
static_assert(!cirm::ActivationCollector<source_float_sink_only>);
}  // namespace
