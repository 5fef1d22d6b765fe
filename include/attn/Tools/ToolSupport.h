//===- ToolSupport.h - what attn's command-line tools share ---*- C++ -*-===//

#ifndef ATTN_TOOLS_TOOLSUPPORT_H
#define ATTN_TOOLS_TOOLSUPPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace mlir::attn {

/// Parses an MLIR file; on failure returns null with the first diagnostic
/// ("file:line:col: message") in `error`.
OwningOpRef<ModuleOp> parseModuleFile(MLIRContext &ctx, StringRef path,
                                      std::string &error);

/// Median and minimum wall time of repeated runs, in milliseconds.
struct RunTimes {
  double medianMs, minMs;
};

/// Times `repeat` (>= 1) calls of `run`.
RunTimes timeRuns(int repeat, llvm::function_ref<void()> run);

} // namespace mlir::attn

#endif // ATTN_TOOLS_TOOLSUPPORT_H
