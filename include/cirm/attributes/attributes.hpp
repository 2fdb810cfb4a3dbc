#pragma once
/// \file
/// Every bias attribute header: the eleven built-in attributes, the regex-count attribute,
/// any_attribute, the by-name factory, and evaluation over samples.

#include "cirm/attributes/affirmative.hpp"
#include "cirm/attributes/any_attribute.hpp"
#include "cirm/attributes/bold.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/attributes/code_blocks.hpp"
#include "cirm/attributes/emoji.hpp"
#include "cirm/attributes/evaluate.hpp"
#include "cirm/attributes/exclamation.hpp"
#include "cirm/attributes/headers.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/attributes/links.hpp"
#include "cirm/attributes/list_items.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/attributes/paragraphs.hpp"
#include "cirm/attributes/regex_count.hpp"
