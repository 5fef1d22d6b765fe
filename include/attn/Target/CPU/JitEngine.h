//===- JitEngine.h - the in-process JIT both targets use ------*- C++ -*-===//
//
// One place that configures MLIR's ExecutionEngine for attn: -O3, the
// optimizing transformer kept alive for the whole compile (the engine only
// holds a function_ref to it), and no debugger or profiler notification, so
// a JIT process leaves no perf jitdump in ~/.debug/jit or /tmp/.debug/jit
// and prints nothing. ATTN_JIT_PERF=1 in the environment turns the perf
// listener back on to profile kernels with `perf`.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CPU_JITENGINE_H
#define ATTN_TARGET_CPU_JITENGINE_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace mlir::attn {

/// Compiles `module` (in the LLVM dialect) for this host; null with the
/// reason in `error` on failure.
std::unique_ptr<ExecutionEngine> createJitEngine(ModuleOp module,
                                                 std::string &error);

} // namespace mlir::attn

#endif // ATTN_TARGET_CPU_JITENGINE_H
