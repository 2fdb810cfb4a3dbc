// The CUDA backend's host-side headers compile with the host compiler alone (what a libtorch file
// or an engine built by g++ includes); the kernels are reached through compiled_launchers.cuh.
#include "cirm/cuda/compiled_launchers.cuh"
#include "cirm/cuda/device_buffer.cuh"
#include "cirm/cuda/device_collection.cuh"
#include "cirm/cuda/device_pin.cuh"
#include "cirm/cuda/device_view.cuh"
#include "cirm/cuda/error.cuh"

#include <type_traits>

static_assert(!std::is_copy_constructible_v<cirm::cuda::device_pin>, "a device pin owns device memory: move-only");
static_assert(std::is_nothrow_move_constructible_v<cirm::cuda::device_buffer<float>>);
static_assert(std::is_trivially_copyable_v<cirm::cuda::device_view>, "device views are passed to kernels by value");
