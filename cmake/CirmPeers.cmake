# Where the text peers are (installed by scripts/peers: the real tokenizer files, @lenml/tokenizers,
# @huggingface/jinja and llama.cpp's sources), and the node that runs them. Tests that need them
# skip, visibly, where they are absent.
#   CIRM_PEERS_DIR   the folder scripts/peers fills ($CIRM_PEERS_DIR at configure time, else
#                    .peers/ in the source tree)
#   CIRM_NODE        node, or CIRM_NODE-NOTFOUND
if(DEFINED ENV{CIRM_PEERS_DIR} AND NOT "$ENV{CIRM_PEERS_DIR}" STREQUAL "")
  set(_cirm_peers_default "$ENV{CIRM_PEERS_DIR}")
else()
  set(_cirm_peers_default "${PROJECT_SOURCE_DIR}/.peers")
endif()
set(CIRM_PEERS_DIR "${_cirm_peers_default}" CACHE PATH "Folder of the text peers (scripts/peers installs them)")
find_program(CIRM_NODE node)

# cirm_peers_missing(OUT [PATHS...]): OUT is a message saying what is missing (node, or a path
# under CIRM_PEERS_DIR), or empty when everything is there.
function(cirm_peers_missing out)
  set(_missing "")
  if(NOT CIRM_NODE)
    set(_missing "node is not installed")
  endif()
  foreach(_path IN LISTS ARGN)
    if(NOT EXISTS "${CIRM_PEERS_DIR}/${_path}")
      set(_missing "${CIRM_PEERS_DIR}/${_path} is absent (scripts/peers installs it)")
      break()
    endif()
  endforeach()
  set(${out} "${_missing}" PARENT_SCOPE)
endfunction()
