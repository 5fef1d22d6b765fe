//===- PackedEntry.h - the packed entry of a CPU kernel -------*- C++ -*-===//
//
// Private to lib/Target/CPU: the JIT and the ahead-of-time compiler give
// every kernel the same entry, ::attn::KernelEntry.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_TARGET_CPU_PACKEDENTRY_H
#define ATTN_LIB_TARGET_CPU_PACKEDENTRY_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::attn {

/// Adds `llvm.func @<entry>(%buffers: !llvm.ptr, %scalars: !llvm.ptr)` to
/// `module` (in the LLVM dialect): it loads the MemRef1D pointers from
/// `buffers` and the int64 scalars from `scalars` (::attn::KernelEntry) and
/// calls the C interface of `kernelFunction`. Fails when that is missing.
LogicalResult addPackedEntry(ModuleOp module, StringRef kernelFunction,
                             StringRef entry, std::string &error);

} // namespace mlir::attn

#endif // ATTN_LIB_TARGET_CPU_PACKEDENTRY_H
