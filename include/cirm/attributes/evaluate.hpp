#pragma once
/// \file
/// Evaluating bias attributes over samples (docs/method.md §5 step 1, the f_b column): a samples ×
/// attributes table of values, with every failure and every non-finite value reported with the
/// attribute and the sample it came from.

#include <cmath>
#include <cstddef>
#include <exception>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cirm/attributes/any_attribute.hpp"
#include "cirm/concepts/bias_attribute.hpp"
#include "cirm/error.hpp"
#include "cirm/sample.hpp"

namespace cirm {

/// f_b(q_i, y_i) for every sample i and attribute b.
struct attribute_values {
    std::vector<std::string> names;  ///< attribute names, one per column
    std::size_t samples = 0;         ///< rows
    std::vector<double> values;      ///< samples × attributes, row-major: values[i * names.size() + b]

    std::size_t attributes() const noexcept { return names.size(); }

    /// The value of attribute `attribute_index` for sample `sample_index`; out of range is an error.
    double at(std::size_t sample_index, std::size_t attribute_index) const {
        if (sample_index >= samples || attribute_index >= names.size())
            throw error("attribute values: (sample " + std::to_string(sample_index) + ", attribute " +
                        std::to_string(attribute_index) + ") is out of range (" + std::to_string(samples) +
                        " samples, " + std::to_string(names.size()) + " attributes)");
        return values[sample_index * names.size() + attribute_index];
    }

    /// One attribute over all samples (a column copied out, e.g. for a rank correlation).
    std::vector<double> column(std::size_t attribute_index) const {
        if (attribute_index >= names.size())
            throw error("attribute values: attribute " + std::to_string(attribute_index) + " is out of range (" +
                        std::to_string(names.size()) + " attributes)");
        std::vector<double> out(samples);
        for (std::size_t i = 0; i < samples; ++i) out[i] = values[i * names.size() + attribute_index];
        return out;
    }
};

namespace evaluate_detail {

inline void check_unique_names(const std::vector<std::string>& names) {
    for (std::size_t b = 0; b < names.size(); ++b)
        for (std::size_t c = 0; c < b; ++c)
            if (names[b] == names[c]) throw error("bias attribute '" + names[b] + "' is given twice");
}

/// One value, with errors rethrown as a cirm::error naming the attribute and the sample.
template <class Attribute>
double measure(const Attribute& attribute, const std::string& name, const sample& s, std::size_t index) {
    double value = 0;
    try {
        value = static_cast<double>(attribute(s.prompt, s.response));
    } catch (const std::bad_alloc&) {
        throw;  // out of memory is not the sample's fault
    } catch (const std::exception& e) {
        throw error("bias attribute '" + name + "' failed on sample " + std::to_string(index) + ": " + e.what());
    } catch (...) {
        throw error("bias attribute '" + name + "' failed on sample " + std::to_string(index) +
                    " with an exception that is not a std::exception");
    }
    if (!std::isfinite(value))
        throw error("bias attribute '" + name + "' gave " + (std::isnan(value) ? "NaN" : "an infinite value") +
                    " for sample " + std::to_string(index));
    return value;
}

inline attribute_values empty_table(std::vector<std::string> names, std::size_t samples) {
    check_unique_names(names);
    attribute_values table;
    table.names = std::move(names);
    table.samples = samples;
    table.values.resize(samples * table.names.size());
    return table;
}

}  // namespace evaluate_detail

/// Evaluates statically known attributes (no type erasure) over the samples. Attribute names
/// must be distinct.
template <BiasAttribute... Attributes>
attribute_values evaluate_attributes(std::span<const sample> samples, const Attributes&... attributes) {
    attribute_values table =
        evaluate_detail::empty_table({std::string(std::string_view(attributes.name()))...}, samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        [[maybe_unused]] double* row = table.values.data() + i * sizeof...(Attributes);
        [[maybe_unused]] std::size_t b = 0;
        ((row[b] = evaluate_detail::measure(attributes, table.names[b], samples[i], i), ++b), ...);
    }
    return table;
}

/// Evaluates attributes chosen at run time over the samples. Attribute names must be distinct.
inline attribute_values evaluate_attributes(std::span<const sample> samples,
                                            std::span<const any_attribute> attributes) {
    std::vector<std::string> names;
    names.reserve(attributes.size());
    for (const any_attribute& a : attributes) names.emplace_back(a.name());
    attribute_values table = evaluate_detail::empty_table(std::move(names), samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        for (std::size_t b = 0; b < attributes.size(); ++b)
            table.values[i * attributes.size() + b] =
                evaluate_detail::measure(attributes[b], table.names[b], samples[i], i);
    return table;
}

}  // namespace cirm
