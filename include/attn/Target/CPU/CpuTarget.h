//===- CpuTarget.h - the x86-64 back end ----------------------*- C++ -*-===//
//
// The Target of attn-cpu-pipeline: JIT kernels (JitKernel.h) and libraries
// (AotCompiler.h, the header of KernelHeader.h).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CPU_CPUTARGET_H
#define ATTN_TARGET_CPU_CPUTARGET_H

namespace mlir::attn {

/// Registers the "cpu" target.
void registerCPUTarget();

} // namespace mlir::attn

#endif // ATTN_TARGET_CPU_CPUTARGET_H
