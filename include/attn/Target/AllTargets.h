//===- AllTargets.h - every back end attn has -----------------*- C++ -*-===//
//
// Tools that compile kernels register the targets they offer; this one
// registers all (link AttnTargetCPU and AttnTargetCUDA).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_ALLTARGETS_H
#define ATTN_TARGET_ALLTARGETS_H

#include "attn/Target/CPU/CpuTarget.h"
#include "attn/Target/CUDA/CudaTarget.h"

namespace mlir::attn {

/// Registers the "cpu" and "cuda" targets.
inline void registerAllTargets() {
  registerCPUTarget();
  registerCUDATarget();
}

} // namespace mlir::attn

#endif // ATTN_TARGET_ALLTARGETS_H
