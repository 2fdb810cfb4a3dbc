#include <catch2/catch.hpp>

#include <limits>
#include <string_view>
#include <vector>

#include "cirm/attributes/attributes.hpp"

namespace attr = cirm::attributes;

namespace {

// Returns NaN for the response "nan" and +inf for "inf", 1 otherwise.
struct fragile {
    static constexpr std::string_view name() noexcept { return "fragile"; }
    double operator()(std::string_view, std::string_view response) const {
        if (response == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (response == "inf") return std::numeric_limits<double>::infinity();
        return 1;
    }
};

struct throws_an_int {
    static constexpr std::string_view name() noexcept { return "throws_an_int"; }
    double operator()(std::string_view, std::string_view) const { throw 42; }
};

const std::vector<cirm::sample> samples{
    {"Say hi", "Hi!"},                // length 3, exclamation 1, overlap W(y)={hi} ⊂ W(q): 1
    {"Say hi", "Hello there!! Hi."},  // length 17, exclamation 2, W(y)={hello,there,hi}: 1/3
    {"", ""},                         // all 0
};

}  // namespace

TEST_CASE("evaluate_attributes with static attributes fills a samples × attributes table") {
    const auto table = cirm::evaluate_attributes(samples, attr::length{}, attr::exclamation{}, attr::overlap{});
    CHECK(table.names == std::vector<std::string>{"length", "exclamation", "overlap"});
    CHECK(table.samples == 3);
    CHECK(table.attributes() == 3);
    REQUIRE(table.values.size() == 9);
    CHECK(table.at(0, 0) == 3);
    CHECK(table.at(0, 1) == 1);
    CHECK(table.at(0, 2) == 1);
    CHECK(table.at(1, 0) == 17);
    CHECK(table.at(1, 1) == 2);
    CHECK(table.at(1, 2) == Approx(1.0 / 3.0));
    CHECK(table.at(2, 0) == 0);
    CHECK(table.at(2, 2) == 0);
    CHECK(table.values[1 * 3 + 0] == 17);  // row-major
    CHECK(table.column(0) == std::vector<double>{3, 17, 0});
    CHECK_THROWS_WITH(table.at(3, 0),
                      Catch::Contains("(sample 3, attribute 0) is out of range (3 samples, 3 attributes)"));
    CHECK_THROWS_WITH(table.column(3), Catch::Contains("attribute 3 is out of range"));
}

TEST_CASE("evaluate_attributes with any_attribute gives the same table") {
    const std::vector<cirm::any_attribute> attributes{
        cirm::make_attribute("length"), cirm::make_attribute("exclamation"), cirm::any_attribute{fragile{}}};
    const auto table = cirm::evaluate_attributes(samples, attributes);
    CHECK(table.names == std::vector<std::string>{"length", "exclamation", "fragile"});
    CHECK(table.column(0) == std::vector<double>{3, 17, 0});
    CHECK(table.column(1) == std::vector<double>{1, 2, 0});
    CHECK(table.column(2) == std::vector<double>{1, 1, 1});
    const auto empty = cirm::evaluate_attributes(std::span<const cirm::sample>{}, attributes);
    CHECK(empty.samples == 0);
    CHECK(empty.values.empty());
}

TEST_CASE("an attribute that throws is reported with its name and the sample") {
    const std::vector<cirm::sample> bad{{"", "fine"}, {"", "ok \xC3"}};
    CHECK_THROWS_WITH(cirm::evaluate_attributes(bad, attr::exclamation{}, attr::length{}),
                      "bias attribute 'exclamation' failed on sample 1: invalid UTF-8 at byte 3 of the response: "
                      "truncated sequence");
    const std::vector<cirm::any_attribute> attributes{cirm::make_attribute("bold")};
    CHECK_THROWS_WITH(cirm::evaluate_attributes(bad, attributes),
                      Catch::StartsWith("bias attribute 'bold' failed on sample 1: invalid UTF-8 at byte 3"));
    CHECK_THROWS_WITH(cirm::evaluate_attributes(bad, throws_an_int{}),
                      "bias attribute 'throws_an_int' failed on sample 0 with an exception that is not a "
                      "std::exception");
}

TEST_CASE("a non-finite attribute value is an error naming the attribute and the sample") {
    const std::vector<cirm::sample> with_nan{{"", "a"}, {"", "b"}, {"", "nan"}};
    CHECK_THROWS_WITH(cirm::evaluate_attributes(with_nan, attr::length{}, fragile{}),
                      "bias attribute 'fragile' gave NaN for sample 2");
    const std::vector<cirm::sample> with_inf{{"", "inf"}};
    const std::vector<cirm::any_attribute> attributes{cirm::any_attribute{fragile{}}};
    CHECK_THROWS_WITH(cirm::evaluate_attributes(with_inf, attributes),
                      "bias attribute 'fragile' gave an infinite value for sample 0");
}

TEST_CASE("repeated attribute names are an error") {
    CHECK_THROWS_WITH(cirm::evaluate_attributes(samples, attr::bold{}, attr::bold{}),
                      "bias attribute 'bold' is given twice");
    const std::vector<cirm::any_attribute> attributes{cirm::make_attribute("emoji"), cirm::make_attribute("emoji")};
    CHECK_THROWS_WITH(cirm::evaluate_attributes(samples, attributes), "bias attribute 'emoji' is given twice");
}
