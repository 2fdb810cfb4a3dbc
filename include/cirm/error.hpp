#pragma once
/// \file
/// The one exception type of cirm. Every failure the library reports (bad input, a malformed
/// file, a spec that does not fit a model) is a cirm::error whose what() is a single line that
/// says what is wrong and where.

#include <stdexcept>
#include <string>

namespace cirm {

/// Thrown for every error cirm reports. The message is one line, meant for a person.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace cirm
