//===- RunPipeline.cpp - running a pipeline for a tool --------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

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
