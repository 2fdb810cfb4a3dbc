# Finds llama.cpp the CMake way: find_package(llama CONFIG), searched in CMAKE_PREFIX_PATH (a
# user's own install) and then in the prefix that scripts/setup --llamacpp installs into:
# $CIRM_LLAMACPP_PREFIX at configure time, else <CIRM_PEERS_DIR>/llama.cpp-install.
#   cirm_find_llamacpp(REQUIRED|QUIET)   sets llama_FOUND (and llama's LLAMA_VERSION,
#                                        LLAMA_BUILD_COMMIT); REQUIRED stops with a message saying
#                                        how to install it
# The imported targets are llama.cpp's own: `llama` (which links ggml::ggml and ggml::ggml-base).
include(${CMAKE_CURRENT_LIST_DIR}/CirmPeers.cmake)

if(DEFINED ENV{CIRM_LLAMACPP_PREFIX} AND NOT "$ENV{CIRM_LLAMACPP_PREFIX}" STREQUAL "")
  set(CIRM_LLAMACPP_PREFIX "$ENV{CIRM_LLAMACPP_PREFIX}")
else()
  set(CIRM_LLAMACPP_PREFIX "${CIRM_PEERS_DIR}/llama.cpp-install")
endif()

macro(cirm_find_llamacpp mode)
  if(NOT llama_FOUND)
    find_package(llama CONFIG QUIET PATHS "${CIRM_LLAMACPP_PREFIX}")
  endif()
  if(NOT llama_FOUND AND "${mode}" STREQUAL "REQUIRED")
    message(FATAL_ERROR "cirm: llama.cpp not found with find_package(llama CONFIG) in CMAKE_PREFIX_PATH or "
                        "${CIRM_LLAMACPP_PREFIX}: scripts/setup --llamacpp builds and installs it there (or set "
                        "CMAKE_PREFIX_PATH to your own install), or configure with -DCIRM_WITH_LLAMACPP=OFF")
  endif()
endmacro()
