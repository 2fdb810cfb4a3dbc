#pragma once
/// \file
/// An owning, move-only array of T in device memory (cudaMalloc / cudaFree), for what the CUDA
/// backend uploads once and keeps: a spec's indices and values, a collection buffer. Host code
/// only; T must be trivially copyable.

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <cuda_runtime_api.h>

#include "cirm/cuda/error.cuh"

namespace cirm::cuda {

template <class T>
class device_buffer {
    static_assert(std::is_trivially_copyable_v<T>, "device_buffer holds trivially copyable elements");

public:
    device_buffer() = default;
    /// Room for `count` elements (uninitialised); `what` names the buffer in error messages.
    device_buffer(std::size_t count, std::string_view what) : size_(count) {
        if (count != 0)
            check(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)),
                  "cudaMalloc of " + std::string(what));
    }
    /// A copy of `host` in device memory (synchronous: this is set-up, not the hot path).
    device_buffer(std::span<const T> host, std::string_view what) : device_buffer(host.size(), what) {
        if (!host.empty())
            check(cudaMemcpy(data_, host.data(), host.size_bytes(), cudaMemcpyHostToDevice),
                  "cudaMemcpy of " + std::string(what) + " to the device");
    }
    device_buffer(device_buffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    device_buffer& operator=(device_buffer&& other) noexcept {
        if (this != &other) {
            release();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    ~device_buffer() { release(); }

    T* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

    /// Copies the buffer into `host` (synchronous).
    void copy_to(std::span<T> host, std::string_view what) const {
        if (host.size() != size_)
            throw error("cirm::cuda: copying " + std::string(what) + " of " + std::to_string(size_) +
                        " elements into a host buffer of " + std::to_string(host.size()));
        if (size_ != 0)
            check(cudaMemcpy(host.data(), data_, host.size_bytes(), cudaMemcpyDeviceToHost),
                  "cudaMemcpy of " + std::string(what) + " to the host");
    }

private:
    void release() noexcept {
        if (data_) (void)cudaFree(data_);  // a destructor cannot report; cudaFree fails only after a sticky error
        data_ = nullptr;
    }
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace cirm::cuda
