//===- KernelInternal.h - shared by the CPU and CUDA launchers -*- C++ -*-===//
//
// What Kernel.cpp (CPU kernels) and CudaKernel.cpp (GPU kernels) share: the
// shape checks, the host-side schedule tables and the C ABI's last error.
// Private to the runtime library: not installed.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_RUNTIME_KERNELINTERNAL_H
#define ATTN_LIB_RUNTIME_KERNELINTERNAL_H

#include "attn/Runtime/Kernel.h"

#include "absl/status/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attn::detail {

/// Why `shape` cannot be run by a kernel compiled for head dimension
/// `headDim` and the static sizes `staticShape` of q, k and v ("" when it
/// can). `elementType` ("f32", "f16", ...) names the tensors' element type in
/// the messages.
std::string checkCallShape(int64_t headDim, const int64_t staticShape[3][4],
                           const char *elementType, const CallShape &shape);

/// The schedule tables of attn/Support/BlockTableLayout.h for (nq, nk) and
/// tiles of tileQ x tileK, filled by the generated function `build`.
std::vector<int32_t> buildScheduleTables(ScheduleEntry build, int64_t tileQ,
                                         int64_t tileK, int64_t nq, int64_t nk);

/// Sets the calling thread's attn_last_error().
void setLastError(std::string message) noexcept;

/// The C ABI's result for `status`: 0 and a cleared last error on success,
/// else the status code with its message as the last error.
int reportCall(const absl::Status &status);

} // namespace attn::detail

#endif // ATTN_LIB_RUNTIME_KERNELINTERNAL_H
