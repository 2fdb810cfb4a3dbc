#pragma once
/// \file
/// any_attribute: a copyable, type-erased holder for any BiasAttribute, so that built-in and
/// user-defined attributes can sit in one std::vector and be chosen by name at run time.

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "cirm/concepts/bias_attribute.hpp"
#include "cirm/error.hpp"

namespace cirm {

/// Holds any BiasAttribute; is one itself. The name is read once, when it is wrapped, and kept as
/// a std::string. The wrapped attribute is immutable and shared between copies (copies are cheap
/// and, like every attribute, safe to call from several threads).
class any_attribute {
public:
    /// Wraps `attribute`. A type that does not model BiasAttribute is rejected at compile time;
    /// an empty name is rejected at run time (cirm::error).
    // clang-format off (clang-format 14 garbles requires-clauses)
    template <class Attribute>
    requires(!std::same_as<std::remove_cvref_t<Attribute>, any_attribute>) explicit any_attribute(
        Attribute&& attribute) {
        // clang-format on
        using stored = std::remove_cvref_t<Attribute>;
        static_assert(BiasAttribute<stored>,
                      "cirm::any_attribute: the type is not a BiasAttribute. Give it "
                      "`static constexpr std::string_view name() noexcept { return \"my_attribute\"; }` "
                      "(or a const member name()) and "
                      "`double operator()(std::string_view prompt, std::string_view response) const`.");
        if constexpr (BiasAttribute<stored>) {  // keeps the static_assert the only diagnostic
            name_ = std::string(std::string_view(attribute.name()));
            if (name_.empty()) throw error("bias attribute has an empty name");
            wrapped_ = std::make_shared<const holder<stored>>(std::forward<Attribute>(attribute));
        }
    }

    /// The wrapped attribute's name.
    std::string_view name() const noexcept { return name_; }

    /// The wrapped attribute's value for (prompt, response); whatever it throws propagates.
    double operator()(std::string_view prompt, std::string_view response) const {
        return wrapped_->measure(prompt, response);
    }

private:
    struct holder_base {
        virtual ~holder_base() = default;
        virtual double measure(std::string_view prompt, std::string_view response) const = 0;
    };
    template <class Attribute>
    struct holder final : holder_base {
        template <class Argument>
        explicit holder(Argument&& argument) : attribute(std::forward<Argument>(argument)) {}
        double measure(std::string_view prompt, std::string_view response) const override {
            return static_cast<double>(attribute(prompt, response));
        }
        Attribute attribute;
    };

    std::string name_;
    std::shared_ptr<const holder_base> wrapped_;
};

static_assert(BiasAttribute<any_attribute>);

}  // namespace cirm
