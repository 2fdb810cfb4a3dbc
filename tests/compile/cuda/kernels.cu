// Compile-only check of the CUDA backend's headers with nvcc (no GPU needed): the umbrella and
// every kernel for every element type. Building this object is the test.
#include "cirm/cuda/cuda.cuh"

template __global__ void cirm::cuda::kernels::pin_rows<float>(cirm::cuda::device_view, const std::int64_t*,
                                                              const std::int64_t*, const float*, std::size_t,
                                                              cirm::positions);
template __global__ void cirm::cuda::kernels::pin_rows<cirm::float16>(cirm::cuda::device_view, const std::int64_t*,
                                                                      const std::int64_t*, const float*, std::size_t,
                                                                      cirm::positions);
template __global__ void cirm::cuda::kernels::pin_rows<cirm::bfloat16>(cirm::cuda::device_view, const std::int64_t*,
                                                                       const std::int64_t*, const float*, std::size_t,
                                                                       cirm::positions);
template __global__ void cirm::cuda::kernels::gather_last_tokens<float>(cirm::cuda::device_view, const std::int64_t*,
                                                                        float*, std::ptrdiff_t);
template __global__ void cirm::cuda::kernels::gather_last_tokens<cirm::float16>(cirm::cuda::device_view,
                                                                                const std::int64_t*, float*,
                                                                                std::ptrdiff_t);
template __global__ void cirm::cuda::kernels::gather_last_tokens<cirm::bfloat16>(cirm::cuda::device_view,
                                                                                 const std::int64_t*, float*,
                                                                                 std::ptrdiff_t);
