# Installs the cirm build in CIRM_BUILD_DIR into WORK_DIR/prefix, then builds and runs a consumer
# project (CONSUMER_SOURCE) against that prefix only. Optional: CONSUMER_OPTIONS (one -D option
# for the consumer's configure) and PROGRAMS (the programs to run, comma-separated; default:
# consumer).
# Any failing step fails the test.
file(REMOVE_RECURSE ${WORK_DIR})
function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
if(NOT DEFINED PROGRAMS)
  set(PROGRAMS consumer)
endif()
string(REPLACE "," ";" PROGRAMS "${PROGRAMS}")
run_step(${CMAKE_COMMAND} --install ${CIRM_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run_step(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${WORK_DIR}/build -G ${GENERATOR}
         -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${CONSUMER_OPTIONS})
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
foreach(_program IN LISTS PROGRAMS)
  run_step(${WORK_DIR}/build/${_program})
endforeach()
