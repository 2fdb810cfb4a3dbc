# Runs the engine_buffers example (-DPROGRAM=<path>) and fails unless it exits with 0 and prints
# each of the lines below: what it localized, the planted length neuron among those it pins, the
# pinned values held at the hook, a reward that changed, and the refusal on a wider engine.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${PROGRAM} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "engine_buffers exited with ${rc}\n${out}${err}")
endif()
set(expected
  "localized 60 samples x 128 neurons x 2 attributes"
  "model\\.layers\\.1\\.mlp\\.up_proj\\[3\\] \\(width 16\\) chosen by length, rho \\+0\\.[5-9]"
  "every pinned neuron holds its value: yes"
  "refused on a wider engine: spec: site 'model\\.layers\\.[01]\\.mlp\\.(gate|up)_proj' has width 16 in the spec, but 24 in this model")
foreach(line IN LISTS expected)
  if(NOT out MATCHES "${line}")
    message(FATAL_ERROR "engine_buffers did not print a line matching\n  ${line}\nIt printed:\n${out}${err}")
  endif()
endforeach()
# the reward must change under the pin
if(NOT out MATCHES "reward: ([-0-9.]+) -> ([-0-9.]+)" OR CMAKE_MATCH_1 STREQUAL CMAKE_MATCH_2)
  message(FATAL_ERROR "engine_buffers: the pin did not change the reward\n${out}")
endif()
message(STATUS "engine_buffers printed what it must")
