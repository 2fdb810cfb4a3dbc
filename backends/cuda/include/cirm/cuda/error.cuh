#pragma once
/// \file
/// CUDA runtime status codes become cirm::error, with the runtime's own name and description of
/// the failure and what cirm was doing. Host code only; compiles with any C++ compiler that sees
/// the CUDA toolkit's headers.

#include <string>
#include <string_view>

#include <cuda_runtime_api.h>

#include "cirm/error.hpp"

namespace cirm::cuda {

/// Throws cirm::error unless `status` is cudaSuccess; `what` names the call and its purpose.
inline void check(cudaError_t status, std::string_view what) {
    if (status == cudaSuccess) return;
    throw error("cirm::cuda: " + std::string(what) + " failed: " + cudaGetErrorName(status) + ": " +
                cudaGetErrorString(status));
}

/// The number of CUDA devices usable here; 0 when there is no device or no driver (the runtime
/// reports those as errors, which mean "no GPU" to a caller deciding whether to skip).
inline int device_count() noexcept {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the non-sticky error so later calls start clean
        return 0;
    }
    return count;
}

}  // namespace cirm::cuda
