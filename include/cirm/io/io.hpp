#pragma once
/// \file
/// Umbrella for the file formats: atomic file writes, safetensors, specs as JSON and as
/// safetensors, preference datasets as JSONL, a Llama-family model's config.json. Not part of
/// cirm.hpp, so that the core does not pull in POSIX file and mapping headers for users who bring
/// their own I/O.

#include "cirm/io/atomic_file.hpp"
#include "cirm/io/evaluation_json.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/io/safetensors.hpp"
#include "cirm/io/spec_json.hpp"
#include "cirm/io/spec_safetensors.hpp"
#include "cirm/io/strict_json.hpp"
