# Installs a cirm build into WORK_DIR/prefix, then builds and runs a consumer project
# (CONSUMER_SOURCE) against that prefix only. The cirm build is CIRM_BUILD_DIR, or, with
# CIRM_SOURCE_DIR, a fresh one configured and built from that source in WORK_DIR/cirm-build with
# CIRM_OPTIONS (comma-separated -D options). Optional: CONSUMER_OPTIONS (one -D option for the
# consumer's configure), WITHOUT_PACKAGES (comma-separated package names that neither the fresh
# cirm build nor the consumer may find: CMAKE_DISABLE_FIND_PACKAGE_<name>) and PROGRAMS (the
# programs to run, comma-separated; default: consumer).
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
set(_without)
if(DEFINED WITHOUT_PACKAGES)
  string(REPLACE "," ";" WITHOUT_PACKAGES "${WITHOUT_PACKAGES}")
  foreach(_package IN LISTS WITHOUT_PACKAGES)
    list(APPEND _without -DCMAKE_DISABLE_FIND_PACKAGE_${_package}=ON)
  endforeach()
endif()
if(DEFINED CIRM_SOURCE_DIR)
  string(REPLACE "," ";" CIRM_OPTIONS "${CIRM_OPTIONS}")
  set(CIRM_BUILD_DIR ${WORK_DIR}/cirm-build)
  run_step(${CMAKE_COMMAND} -S ${CIRM_SOURCE_DIR} -B ${CIRM_BUILD_DIR} -G ${GENERATOR}
           -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${CIRM_OPTIONS} ${_without})
  run_step(${CMAKE_COMMAND} --build ${CIRM_BUILD_DIR})
endif()
run_step(${CMAKE_COMMAND} --install ${CIRM_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run_step(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${WORK_DIR}/build -G ${GENERATOR}
         -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${CONSUMER_OPTIONS} ${_without})
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
foreach(_program IN LISTS PROGRAMS)
  run_step(${WORK_DIR}/build/${_program})
endforeach()
