//===- attn-opt.cpp - mlir-opt with the attn dialect and passes -----------===//

#include "attn/InitAll.h"
#include "attn/Target/AllTargets.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::attn::registerAllDialects(registry);
  mlir::attn::registerAllPasses();
  // attn-cost reaches the GPU target for gpu-arch.
  mlir::attn::registerAllTargets();
  // --help shows MLIR's opt flags and attn's passes, not LLVM's internals.
  mlir::attn::hideRegisteredFlags();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "attn optimizer driver: attention variants in MLIR\n",
      registry));
}
