#pragma once
/// \file
/// The UTF-8 functions under their former internal names, for code not yet moved to the public
/// header cirm/utf8.hpp. New code includes cirm/utf8.hpp; this header goes once nothing else
/// includes it.

#include "cirm/utf8.hpp"

namespace cirm::detail {

using cirm::count_code_points;
using cirm::utf8_decoder;
using cirm::validate_utf8;

}  // namespace cirm::detail
