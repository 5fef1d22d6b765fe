//===- GpuKernelFacts.h - static facts of a compiled GPU kernel -*- C++ -*-=//
//
// attn-cost prints, with `gpu-arch`, what ptxas reports for the GPU kernel of
// every fused attention op: registers, spills, shared memory. Compiling that
// kernel is the CUDA back end's job (lib/Target/CUDA), which sits above the
// passes; it registers itself here as the provider (InitAll does), so
// attn-cost stays free of a dependency on it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_GPUKERNELFACTS_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_GPUKERNELFACTS_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include <functional>
#include <string>

namespace mlir::attn {

/// What ptxas -v says of one kernel, and how it launches.
struct GpuKernelFacts {
  int64_t registers = 0;
  int64_t spillStoreBytes = 0, spillLoadBytes = 0;
  int64_t stackBytes = 0;
  int64_t sharedBytes = 0;
  int64_t threadsPerBlock = 0;
};

/// Compiles the kernel of `op` for `arch` with tiles (tileQ, tileK) and
/// returns its facts, or fails with the reason in `error`.
using GpuKernelFactsProvider = std::function<FailureOr<GpuKernelFacts>(
    AttentionOp op, StringRef arch, int64_t tileQ, int64_t tileK,
    std::string &error)>;

void setGpuKernelFactsProvider(GpuKernelFactsProvider provider);
/// The registered provider (empty when none is).
const GpuKernelFactsProvider &getGpuKernelFactsProvider();

/// Whether attn's GPU kernels can target `arch` (sm_80 and later: mma.sync
/// on bf16): sm_80, sm_86, sm_89, sm_90, sm_100, sm_120.
bool isSupportedGPUArch(StringRef arch);

/// The oldest PTX ISA version that knows `arch`, times ten (sm_90: 78); 0
/// for an unsupported architecture.
int64_t minimumPtxVersion(StringRef arch);

/// The thread blocks of such a kernel that fit on one SM of `arch` at once,
/// limited by registers, shared memory, threads and blocks; 0 for an
/// unknown architecture.
int64_t residentBlocksPerSM(const GpuKernelFacts &facts, StringRef arch);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_GPUKERNELFACTS_H
