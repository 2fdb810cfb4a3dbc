#!/usr/bin/env bash
# Copies the header-only libraries the GPU check builds with (nlohmann_json, Eigen, xtensor, xtl,
# Catch2 2), headers and CMake package files (and the Catch2 main library its package names), from this machine's /usr (Debian's packages) into
# DIR laid out as a prefix, so that they can travel to a GPU machine that lacks them:
#   tests/conformance/gpu_deps.sh DIR     then, there:  CIRM_GPU_DEPS=DIR tests/conformance/gpu_check.sh
set -euo pipefail
dir=${1:?usage: gpu_deps.sh DIR}
mkdir -p "$dir"
for path in include/nlohmann include/eigen3 include/xtensor include/xtl include/catch2 \
  share/cmake/nlohmann_json share/eigen3/cmake share/cmake/xtl lib/cmake/Catch2 \
  lib/x86_64-linux-gnu/cmake/xtensor lib/libCatch2WithMain.a; do
  [ -e "/usr/$path" ] || { echo "gpu_deps: /usr/$path is missing (scripts/setup installs it)" >&2; exit 1; }
  mkdir -p "$dir/$(dirname "$path")"
  cp -a "/usr/$path" "$dir/$(dirname "$path")/"
done
du -sh "$dir"
