//===- RunPipeline.cpp - running a pipeline for a tool --------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

LogicalResult mlir::attn::checkHasFunctions(ModuleOp module,
                                            std::string &error) {
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal())
      return success();
  error = "the file has no function to compile";
  return failure();
}

LogicalResult mlir::attn::runCollectingError(PassManager &pm, ModuleOp module,
                                             std::string &error) {
  llvm::raw_string_ostream os(error);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
    if (error.empty())
      os << diag.getLocation() << ": " << diag;
    return success();
  });
  return pm.run(module);
}
