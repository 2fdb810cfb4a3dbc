#pragma once
/// \file
/// The text area: Hugging Face tokenizer.json tokenizers in C++ (see hf_tokenizer.hpp; the file
/// format is read by cirm/io/tokenizer_json.hpp). Link cirm::text (PCRE2 and utf8proc).

#include "cirm/text/added_tokens.hpp"
#include "cirm/text/bpe.hpp"
#include "cirm/text/hf_tokenizer.hpp"
#include "cirm/text/normalizer.hpp"
#include "cirm/text/pattern.hpp"
#include "cirm/text/post_processor.hpp"
#include "cirm/text/pre_tokenizer.hpp"
#include "cirm/text/regex.hpp"
#include "cirm/text/unicode.hpp"
#include "cirm/text/vocabulary.hpp"
