//===- KernelFunction.h - the functions attn's back ends compile -*- C++ -*-=//
//
// attn-tile (CPU) and convert-attn-to-gpu compile the same kind of function:
// one scheduled attn.attention on its three arguments, its results returned
// (or, on the CPU, several merged by an attn.merge).
// Both describe the kernel they make with the same contract (#attn.kernel)
// and give it the same parameters (kernelParameterTypes).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CODEGEN_KERNELFUNCTION_H
#define ATTN_CODEGEN_KERNELFUNCTION_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {

/// The functions of `module` holding an attn.attention.
SmallVector<func::FuncOp> collectAttentionFunctions(ModuleOp module);

/// The attention a kernel function computes: one scheduled attn.attention
/// on the function's three arguments, or several whose (output, lse) pairs
/// one attn.merge combines (the parts, one stage each, in the merge's
/// order).
struct KernelParts {
  SmallVector<AttentionOp> parts;
  /// Null for a single op.
  MergeOp merge;
  /// The part with schedule tables (at most one has them), or the last.
  AttentionOp tablePart() const;
};

/// The parts of `func` if the function is one scheduled attn.attention on
/// its three arguments whose results (the output, and the lse when the op
/// has it) it returns, or parts on those arguments merged by one attn.merge
/// whose results it returns, each with a schedule that fits its pattern;
/// otherwise emits "<pass>: @f ..." and fails.
FailureOr<KernelParts> matchKernelFunction(func::FuncOp func,
                                           StringRef passName);

/// The schedule kind of the kernel of `op`: banded, tables compiled in
/// (static sizes), or tables built per call.
ScheduleKind kernelScheduleOf(AttentionOp op);

/// The contract of the kernel of `func`, matched by matchKernelFunction:
/// arguments q, k, v, results out [and lse]. `vectorWidth` (CPU) and
/// `threads` (GPU) are 0 where they do not apply.
KernelAttr buildAttentionKernelAttr(func::FuncOp func, const KernelParts &ops,
                                    int64_t vectorWidth, int64_t threads);

/// The parameters of a kernel function of `kernel`, on every target: one
/// memref<?xT> per tensor (arguments, then results; T its element type),
/// the int32 schedule tables, then the ::attn::kNumSizes sizes as index.
/// CPU kernels take the work items [begin, end) and the stage after them,
/// then the f32 scratch (::attn::KernelEntry).
SmallVector<Type> kernelParameterTypes(KernelAttr kernel);

/// The positions of a kernel function's parameters.
struct KernelParameters {
  unsigned numTensors;
  unsigned tensor(unsigned i) const { return i; }
  unsigned tables() const { return numTensors; }
  unsigned size(int64_t index) const { return numTensors + 1 + index; }
  unsigned workBegin() const;
  unsigned workEnd() const { return workBegin() + 1; }
  unsigned stage() const { return workBegin() + 2; }
  unsigned scratch() const { return workBegin() + 3; }
};
KernelParameters kernelParametersOf(KernelAttr kernel);

} // namespace mlir::attn

#endif // ATTN_CODEGEN_KERNELFUNCTION_H
