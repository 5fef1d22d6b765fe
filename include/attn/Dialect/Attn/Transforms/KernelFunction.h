//===- KernelFunction.h - the functions attn's back ends compile -*- C++ -*-=//
//
// attn-tile (CPU) and convert-attn-to-gpu compile the same kind of function:
// one scheduled attn.attention on its three arguments, returned.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_KERNELFUNCTION_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_KERNELFUNCTION_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {

/// The functions of `module` holding an attn.attention.
SmallVector<func::FuncOp> collectAttentionFunctions(ModuleOp module);

/// The attn.attention of `func` if the function is one scheduled
/// attn.attention on its three arguments, returned, with a schedule that fits
/// its pattern; otherwise emits "<pass>: @f ..." and fails.
FailureOr<AttentionOp> matchKernelFunction(func::FuncOp func,
                                           StringRef passName);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_KERNELFUNCTION_H
