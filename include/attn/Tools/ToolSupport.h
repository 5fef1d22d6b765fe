//===- ToolSupport.h - what attn's command-line tools share ---*- C++ -*-===//

#ifndef ATTN_TOOLS_TOOLSUPPORT_H
#define ATTN_TOOLS_TOOLSUPPORT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>
#include <vector>

namespace mlir::attn {

/// Parses an MLIR file; on failure returns null with the first diagnostic
/// ("file:line:col: message") in `error`.
OwningOpRef<ModuleOp> parseModuleFile(MLIRContext &ctx, StringRef path,
                                      std::string &error);

/// Median and minimum wall time of repeated runs, in milliseconds.
/// The names `func`'s arguments have in the file it was parsed from (`%wq`
/// gives "wq"), read at the arguments' locations; "" for an argument
/// without one (a generic-form file with explicit locations, say).
std::vector<std::string> sourceArgumentNames(func::FuncOp func);

struct RunTimes {
  double medianMs, minMs;
};

/// Times `repeat` (>= 1) calls of `run`.
RunTimes timeRuns(int repeat, llvm::function_ref<void()> run);

} // namespace mlir::attn

#endif // ATTN_TOOLS_TOOLSUPPORT_H
