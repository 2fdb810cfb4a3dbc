#pragma once
/// \file
/// Portability macros shared by the host code and the CUDA backend.

#if defined(__CUDACC__)
/// Marks element-wise functions that the CUDA backend runs on the device and the CPU path on the
/// host, so that the same logic is unit-tested on the host.
#define CIRM_HOST_DEVICE __host__ __device__
#else
#define CIRM_HOST_DEVICE
#endif
