#pragma once
/// \file
/// Umbrella of the CUDA backend (cirm::cuda): device views over raw buffers, the spec uploaded
/// to the device, the collection buffer, and the kernels. Include it from a .cu source (the
/// kernels need nvcc); host-compiled files include the headers they need one by one, and call
/// the kernels through compiled_launchers.cuh.

#include "cirm/cuda/compiled_launchers.cuh"
#include "cirm/cuda/device_buffer.cuh"
#include "cirm/cuda/device_collection.cuh"
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/device_view.cuh"
#include "cirm/cuda/error.cuh"
#include "cirm/cuda/kernels.cuh"
