//===- CudaKernel.h - calling a compiled attn GPU kernel ------*- C++ -*-===//
//
// The LLVM-free side of a kernel made by attn-cuda-pipeline: what the
// compiler records about it (CudaKernelDescriptor, with the cubin/PTX images
// embedded), and the launch on a CUDA stream through the driver API, which
// attn/Runtime/CudaDriver.h opens at run time with dlopen("libcuda.so.1").
// Nothing here links CUDA: without a driver every call returns a "no CUDA
// driver" status.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_CUDAKERNEL_H
#define ATTN_RUNTIME_CUDAKERNEL_H

#include "attn/Runtime/Kernel.h"
#include "attn/Runtime/TensorView.h"

#include "absl/status/status.h"

#include <cstdint>

namespace attn {

// CudaKernelDescriptor and CudaImage are defined in attn/Runtime/KernelAbi.h.
// A GPU kernel's parameters, in order: every tensor of the descriptor
// (arguments, then results: contiguous row-major arrays of their element
// types in device memory) and the int32 schedule tables of
// attn/Support/BlockTableLayout.h (empty for banded schedules), each passed
// as MLIR passes a memref<?xT>: allocated pointer, aligned pointer, offset,
// size, stride (pointer, pointer, 0, elements, 1); then the kNumSizes sizes
// as int64. It runs on a 1-D grid of B * H * ceil(Nq / tileQ) blocks of
// `threadsPerBlock` threads with static shared memory only. Pointers must be
// 16-byte aligned.

/// Launches `kernel` on `stream` (a CUstream; null: the legacy default
/// stream) with device pointers in the current CUDA context (the device's
/// primary context is made current when the thread has none). Returns
/// without waiting for the kernel. Loads the module once per (descriptor
/// address, context), choosing the cubin of the device's architecture, else
/// a binary-compatible cubin (an older minor version of the same major),
/// else the newest PTX the device can compile; uploads the schedule tables
/// once per context (static tables) or per (Nq, Nk). Built tables are kept
/// for the 32 most recent (Nq, Nk); an evicted one is freed (cuMemFree waits
/// for the kernels that use it), so a CUDA graph captured with a launch of a
/// kernel with built tables must not outlive 32 other shapes of that
/// kernel. An upload waits for the context (cuCtxSynchronize), so warm a
/// shape up before capturing a stream into a graph. A call without work
/// (B, H or Nq = 0) launches nothing and needs no driver. Errors: a shape
/// or alignment error as checkCallShape or a malformed descriptor (found
/// before the driver is used), "no CUDA driver ...", "no CUDA device ...",
/// "the GPU is sm_XY, not in the image of kernel ...", or the driver's
/// message for a failed load or launch.
absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel,
                              absl::Span<const void *const> arguments,
                              absl::Span<void *const> results,
                              const CallShape &shape, void *stream = nullptr);

/// launchCudaKernel of the classic kernel (q, k, v) -> out.
absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel, const void *q,
                              const void *k, const void *v, void *out,
                              const CallShape &shape, void *stream = nullptr);

/// Views of tensors in device memory.
using DeviceTensorView = BasicTensorView<const void>;
using MutableDeviceTensorView = BasicTensorView<void>;

/// launchCudaKernel on views, one per argument and per result in the
/// descriptor's order, contiguous, of the tensors' element types.
absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel,
                              absl::Span<const DeviceTensorView> arguments,
                              absl::Span<const MutableDeviceTensorView> results,
                              void *stream = nullptr);

/// The same for the classic kernel: q [B, H, Nq, D], k and v [B, Hkv, Nk,
/// D], out [B, H, Nq, D].
absl::Status
launchCudaKernel(const CudaKernelDescriptor &kernel, const DeviceTensorView &q,
                 const DeviceTensorView &k, const DeviceTensorView &v,
                 const MutableDeviceTensorView &out, void *stream = nullptr);

/// The runtime knows a kernel by its descriptor's address: it keeps the
/// loaded module (per context) and the uploaded schedule tables of every
/// descriptor launched. A program that frees a descriptor (a JIT) calls this
/// first: it unloads the modules and frees the tables. No launch of the
/// kernel may be in flight or start meanwhile.
void releaseCudaKernel(const CudaKernelDescriptor &kernel);

/// Why `shape` cannot be run by `kernel` ("" when it can).
std::string checkCallShape(const CudaKernelDescriptor &kernel,
                           const CallShape &shape);

} // namespace attn

extern "C" {
/// The C ABI of GPU kernels: launches `kernel` on `stream` with one device
/// pointer per argument and per result, in the descriptor's order, and the
/// kNumSizes sizes (B, H, Hkv, Nq, Nk, D); returns 0 on success, non-zero
/// with the reason in attn_last_error() otherwise.
int attn_run_cuda_kernel(const attn::CudaKernelDescriptor *kernel,
                         const void *const *arguments, void *const *results,
                         const int64_t *sizes, void *stream);
}

#endif // ATTN_RUNTIME_CUDAKERNEL_H
