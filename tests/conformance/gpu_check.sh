#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, as one script for a machine that has one (H100/H200, the
# CUDA toolkit with nvcc on PATH or at /usr/local/cuda): builds the CUDA backend's conformance
# program, compile checks and example in BUILD_DIR, then runs the raw-CUDA (and, where libtorch
# has CUDA, the torch-CUDA) conformance cases and the cuda_pin example. Exits non-zero on any
# failure; a backend that cannot run prints why (exit 77 from the program is reported as such).
#   tests/conformance/gpu_check.sh [BUILD_DIR]   (run from the repository root)
set -uo pipefail
build=${1:-build-gpu}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || { echo "no GPU visible"; exit 77; }
torch=OFF
if [ -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ] || python3 -c 'import torch' 2>/dev/null; then torch=ON; fi
cmake -S . -B "$build" -G Ninja -DCIRM_WITH_CUDA=ON -DCIRM_WITH_TORCH=$torch -DCIRM_BUILD_BENCH=OFF \
  -DCIRM_BUILD_APPS=OFF -DCIRM_BUILD_TOOLS=OFF -DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)" \
  || exit 1
cmake --build "$build" --target cirm_conformance cirm_compile_checks_cuda example_cuda_pin -j"$(nproc)" || exit 1
status=0
for backend in cuda-raw torch-cuda cpu-raw; do
  "$build/tests/cirm_conformance" "$backend"
  rc=$?
  echo "conformance $backend: exit $rc"
  [ $rc -eq 0 ] || [ $rc -eq 77 ] || status=1
done
"$build/examples/example_cuda_pin"; rc=$?
echo "example_cuda_pin: exit $rc"
[ $rc -eq 0 ] || status=1
exit $status
