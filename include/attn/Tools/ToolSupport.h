//===- ToolSupport.h - what attn's command-line tools share ---*- C++ -*-===//

#ifndef ATTN_TOOLS_TOOLSUPPORT_H
#define ATTN_TOOLS_TOOLSUPPORT_H

#include "attn/Target/Target.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/CommandLine.h"

#include <string>
#include <vector>

namespace mlir::attn {

/// Makes LLVM's fatal errors (an internal failure in a pass or a back end)
/// one "<tool>: error: internal error: ..." line and exit code 1 instead of
/// a crash dump and an abort. Call once, first thing in main.
void reportFatalErrorsAs(const char *tool);

/// Parses an MLIR file; on failure returns null with the first diagnostic
/// ("file:line:col: message") in `error`.
OwningOpRef<ModuleOp> parseModuleFile(MLIRContext &ctx, StringRef path,
                                      std::string &error);

/// The names `func`'s arguments have in the file it was parsed from (`%wq`
/// gives "wq"), read at the arguments' locations; "" for an argument
/// without one (a generic-form file with explicit locations, say).
/// Only `sourcePath` (the file the module was parsed from) is read.
std::vector<std::string> sourceArgumentNames(func::FuncOp func,
                                             StringRef sourcePath);

/// The flags of the tools that compile kernels, declared once: --target and
/// --gpu-arch (with `offersTargets`), --tile-q, --tile-k and the CPU flag
/// (`cpuFlag`: --cpu for attn-run and attn-sweep, --mcpu for attn-compile).
/// Make one at namespace scope, before the command line is parsed.
class TargetFlags {
public:
  TargetFlags(llvm::cl::OptionCategory &category, const char *cpuFlag,
              const char *cpuHelp, bool offersTargets);
  /// The options the flags give.
  TargetOptions options() const;
  /// The chosen target with its options checked, or null with the reason.
  const Target *resolve(std::string &error) const;

private:
  bool offersTargets;
  llvm::cl::opt<std::string> target;
  llvm::cl::list<std::string> gpuArch;
  llvm::cl::opt<int> tileQ, tileK;
  llvm::cl::opt<std::string> cpu;
  llvm::cl::opt<std::string> reorder;
};

/// Hides from --help (not from --help-hidden) every flag registered so far
/// but --help and --version: LLVM's hundreds of back-end flags. attn-opt
/// calls it before MlirOptMain registers the flags it shows.
void hideRegisteredFlags();

/// Median and minimum wall time of repeated runs, in milliseconds.
struct RunTimes {
  double medianMs, minMs;
};

/// Times `repeat` (>= 1) calls of `run`.
RunTimes timeRuns(int repeat, llvm::function_ref<void()> run);

/// The median and minimum of `timesMs` (not empty).
RunTimes summarizeRuns(std::vector<double> timesMs);

} // namespace mlir::attn

#endif // ATTN_TOOLS_TOOLSUPPORT_H
