//===- KernelFacts.h - what the JIT and AOT compilers share ---*- C++ -*-===//
//
// Private to lib/Target/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_TARGET_CPU_KERNELFACTS_H
#define ATTN_LIB_TARGET_CPU_KERNELFACTS_H

#include "attn/Target/CPU/JitKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace mlir::attn {

/// The facts attn-tile recorded on a kernel function (`attn.kernel`,
/// `attn.signature`), or std::nullopt if it is not a kernel.
std::optional<KernelInfo> readKernelInfo(func::FuncOp func);

} // namespace mlir::attn

#endif // ATTN_LIB_TARGET_CPU_KERNELFACTS_H
