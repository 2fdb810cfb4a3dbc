#pragma once
/// \file
/// BiasAttribute: a number computed from text alone, f_b(q, y) (docs/method.md §4).
///
/// A model is any type with
///   - `name()`: a stable, non-empty name (used in tables, specs and on the command line);
///   - `double operator()(std::string_view prompt, std::string_view response) const`.
/// Both are const: an attribute is evaluated from several threads at once. Text is UTF-8;
/// an attribute may throw cirm::error for input it cannot measure (e.g. invalid UTF-8).

#include <concepts>
#include <string_view>

namespace cirm {

template <class A>
concept BiasAttribute = requires(const A& a, std::string_view prompt, std::string_view response) {
    { a.name() } -> std::convertible_to<std::string_view>;
    { a(prompt, response) } -> std::convertible_to<double>;
};

}  // namespace cirm
