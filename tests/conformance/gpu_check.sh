#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, as one script for a machine that has one (H100/H200 with
# the CUDA toolkit: nvcc on PATH or at /usr/local/cuda/bin, CMake ≥ 3.24, ninja). Run from the
# repository root:
#
#   tests/conformance/gpu_check.sh [BUILD_DIR]          (default BUILD_DIR: build-gpu)
#
# 1. builds tests/conformance/gpu (a project of its own: the CUDA backend's conformance program,
#    the pin timing program, the cuda_pin example; with torch-cuda where python3's torch has CUDA
#    and its libtorch configures; without it otherwise, saying why);
# 2. runs the conformance cases cuda-raw, torch-cuda and cpu-raw: neuron pins bit-exact against
#    the CPU reference, direction pins within 1e-6, gathers within 1e-6;
#    then the cuda-raw cases again under compute-sanitizer memcheck and racecheck (at most 60 s
#    each) where it is installed;
# 3. runs examples/cuda_pin;
# 4. times the pins (cirm_pin_timing: a 2 % neuron spec and a 5-direction spec on a
#    [8 × 512 × 4096] bfloat16 buffer, last token and every position, median per launch, against a
#    device-to-device copy) and prints the card and the table for bench/RESULTS.md.
#
# The header-only libraries (nlohmann_json, Eigen, xtensor, xtl, Catch2 2) come from the system or
# from CIRM_GPU_DEPS (a prefix made by tests/conformance/gpu_deps.sh; default .gpu-deps where it
# exists). Takes about 2–5 minutes on an H100 machine with 16 cores, most of it the build (the
# torch-cuda file alone about a minute) and the sanitizers.
#
# Exit status: 0 when everything passed and every timing goal was met; 2 when everything passed
# but a timing goal was missed; 1 when a build, a conformance case, a sanitizer or the example
# failed; 77 when no GPU is visible.
set -uo pipefail
build=${1:-build-gpu}
logs=$build-logs  # the configure and build logs (outside the build folder, which configure() remakes)
mkdir -p "$logs"
echo "== the card"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { echo "no GPU visible: skipped"; exit 77; }
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$nvcc" ] || { echo "gpu_check: nvcc not found (PATH or /usr/local/cuda/bin)"; exit 1; }
"$nvcc" --version | tail -1
deps=${CIRM_GPU_DEPS:-}
[ -z "$deps" ] && [ -d .gpu-deps ] && deps=$PWD/.gpu-deps
prefix=$deps
torch_prefix=$(python3 -c 'import torch; assert torch.version.cuda and torch.cuda.is_available(); print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)

configure() {  # configure WITH_TORCH PREFIX_PATH
  rm -rf "$build"
  cmake -S tests/conformance/gpu -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCIRM_WITH_TORCH="$1" \
    -DCMAKE_PREFIX_PATH="$2" -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 >"$logs/configure.log" 2>&1
}
echo "== configure"
torch=OFF
if [ -n "$torch_prefix" ]; then
  if configure ON "${prefix:+$prefix;}$torch_prefix"; then
    torch=ON
  else
    echo "libtorch with CUDA did not configure (torch-cuda is not built); the end of its log:"
    tail -15 "$logs/configure.log"
  fi
else
  echo "python3 has no torch with a usable CUDA device: torch-cuda is not built"
fi
if [ $torch = OFF ] && ! configure OFF "$prefix"; then
  echo "gpu_check: configure failed; the end of $logs/configure.log:"
  tail -30 "$logs/configure.log"
  exit 1
fi
echo "configured with torch=$torch${deps:+, header-only libraries from $deps}"
echo "== build"
start=$(date +%s)
cmake --build "$build" --target cirm_conformance cirm_pin_timing example_cuda_pin -j"$(nproc)" >"$logs/build.log" 2>&1 \
  || { echo "gpu_check: build failed; the end of $logs/build.log:"; tail -40 "$logs/build.log"; exit 1; }
echo "built in $(($(date +%s) - start)) s"

status=0
for backend in cuda-raw torch-cuda cpu-raw; do
  echo "== conformance $backend"
  "$build/cirm_conformance" "$backend" 2>&1 | tail -25
  rc=${PIPESTATUS[0]}
  echo "conformance $backend: exit $rc"
  if [ $rc -eq 77 ] && [ $backend = cuda-raw ]; then status=1; fi  # the GPU is visible: cuda-raw must run
  [ $rc -eq 0 ] || [ $rc -eq 77 ] || status=1
done
sanitizer=$(command -v compute-sanitizer || echo "$(dirname "$nvcc")/compute-sanitizer")
if [ -x "$sanitizer" ]; then
  for tool in memcheck racecheck; do  # out-of-bounds accesses; shared-memory races of the direction kernel
    echo "== compute-sanitizer --tool $tool: conformance cuda-raw (at most 60 s)"
    timeout 60 "$sanitizer" --tool $tool --error-exitcode 9 "$build/cirm_conformance" cuda-raw >"$logs/$tool.log" 2>&1
    rc=$?
    tail -4 "$logs/$tool.log"
    case $rc in
      0) echo "$tool: clean" ;;
      124) echo "$tool: not finished within 60 s (not counted as a failure; the log is $logs/$tool.log)" ;;
      *) echo "$tool: exit $rc (errors found; the log is $logs/$tool.log)"; status=1 ;;
    esac
  done
else
  echo "== compute-sanitizer not found: the memcheck and racecheck runs are left out"
fi
echo "== example cuda_pin"
"$build/example_cuda_pin"
rc=$?
echo "example_cuda_pin: exit $rc"
[ $rc -eq 0 ] || status=1
echo "== pin timings"
"$build/cirm_pin_timing"
rc=$?
echo "cirm_pin_timing: exit $rc"
if [ $rc -eq 3 ]; then
  [ $status -eq 0 ] && status=2
elif [ $rc -ne 0 ]; then
  status=1
fi
case $status in
  0) echo "gpu_check: everything passed and every timing goal was met" ;;
  2) echo "gpu_check: everything passed; a timing goal was missed (exit 2)" ;;
  *) echo "gpu_check: FAILED (exit $status)" ;;
esac
exit $status
