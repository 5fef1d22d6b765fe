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

/// The element type of q, k, v and out.
enum ElementKind : int64_t {
  kElementF32 = 0,
  kElementF16 = 1,
  kElementBF16 = 2,
};

/// One code image of a kernel: a cubin for one architecture, or PTX text
/// that the driver compiles for its device (forward compatibility).
struct CudaImage {
  const char *arch; ///< "sm_80", "sm_90": the cubin's or the PTX's target
  int64_t isPtx;    ///< 1: NUL-terminated PTX text, 0: cubin
  const void *data;
  int64_t size; ///< bytes (PTX: without the NUL)
};

/// What the compiler records about a GPU kernel. Every field is 8 bytes wide
/// so the layout is the same in C++ and in the LLVM IR attn-compile emits.
///
/// The kernel's parameters, in order: q, k, v, out (contiguous row-major
/// [B, H, N, D] arrays of `elementKind` in device memory), tables (the int32
/// schedule tables of attn/Support/BlockTableLayout.h, empty for banded
/// schedules), each passed as MLIR passes a memref<?xT>: allocated pointer,
/// aligned pointer, offset, size, stride (pointer, pointer, 0, elements, 1);
/// then B, H, Hkv, Nq, Nk as int64. It runs on a 1-D grid of
/// B * H * ceil(Nq / tileQ) blocks of `threadsPerBlock` threads with static
/// shared memory only. Pointers must be 16-byte aligned.
struct CudaKernelDescriptor {
  const char *name; ///< the kernel function's name inside the images
  int64_t headDim, tileQ, tileK;
  int64_t schedule; ///< a ScheduleKind
  /// Static sizes of q, k and v, each [B, H, N, D]; -1 where dynamic.
  int64_t staticShape[3][4];
  int64_t elementKind; ///< an ElementKind
  int64_t threadsPerBlock;
  int64_t numImages;
  const CudaImage *images;
  /// kScheduleStaticTables: the tables for the static (Nq, Nk).
  const int32_t *staticTables;
  int64_t staticTableSize;
  /// kScheduleTables: builds the tables of a (Nq, Nk) on the host.
  ScheduleEntry buildTables;
};

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
absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel, const void *q,
                              const void *k, const void *v, void *out,
                              const CallShape &shape, void *stream = nullptr);

/// Views of tensors in device memory.
using DeviceTensorView = BasicTensorView<const void>;
using MutableDeviceTensorView = BasicTensorView<void>;

/// launchCudaKernel on views: q [B, H, Nq, D], k and v [B, Hkv, Nk, D], out
/// [B, H, Nq, D], contiguous, of the kernel's element type.
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
/// The C ABI of GPU kernels: launches `kernel` on `stream`, returns 0 on
/// success, non-zero with the reason in attn_last_error() otherwise.
int attn_run_cuda_kernel(const attn::CudaKernelDescriptor *kernel,
                         const void *q, const void *k, const void *v, void *out,
                         int64_t B, int64_t H, int64_t Hkv, int64_t Nq,
                         int64_t Nk, int64_t D, void *stream);
}

#endif // ATTN_RUNTIME_CUDAKERNEL_H
