//===- NvidiaChips.h - what attn knows of each NVIDIA chip -----*- C++ -*-===//
//
// The one table of the NVIDIA architectures attn's GPU kernels target: which
// are supported, the PTX version each needs, and the per-SM limits that say
// how many blocks of a kernel fit (from ptxas' facts). attn-cuda-pipeline
// checks its chips here and the CUDA target reports occupancy with it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CUDA_CHIPS_NVIDIACHIPS_H
#define ATTN_TARGET_CUDA_CHIPS_NVIDIACHIPS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir::attn {

/// What ptxas -v says of one kernel, and how it launches.
struct GpuKernelFacts {
  int64_t registers = 0;
  int64_t spillStoreBytes = 0, spillLoadBytes = 0;
  int64_t stackBytes = 0;
  int64_t sharedBytes = 0;
  int64_t threadsPerBlock = 0;
};

/// Whether attn's GPU kernels can target `arch` (sm_80 and later: mma.sync
/// on bf16): sm_80, sm_86, sm_89, sm_90, sm_100, sm_120.
bool isSupportedGPUArch(llvm::StringRef arch);

/// The oldest PTX ISA version that knows `arch`, times ten (sm_90: 78); 0
/// for an unsupported architecture.
int64_t minimumPtxVersion(llvm::StringRef arch);

/// The thread blocks of such a kernel that fit on one SM of `arch` at once,
/// limited by registers, shared memory, threads and blocks; 0 for an
/// unknown architecture.
int64_t residentBlocksPerSM(const GpuKernelFacts &facts, llvm::StringRef arch);

} // namespace mlir::attn

#endif // ATTN_TARGET_CUDA_CHIPS_NVIDIACHIPS_H
