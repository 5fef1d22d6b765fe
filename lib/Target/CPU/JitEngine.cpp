//===- JitEngine.cpp - the in-process JIT both targets use ----------------===//

#include "attn/Target/CPU/JitEngine.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#include <cstring>
#include <functional>

using namespace mlir;
using namespace mlir::attn;

std::unique_ptr<ExecutionEngine>
mlir::attn::createJitEngine(ModuleOp module, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // ExecutionEngineOptions::transformer is a function_ref: the function it
  // refers to must outlive ExecutionEngine::create, which calls it.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  options.enableGDBNotificationListener = false;
  const char *perf = std::getenv("ATTN_JIT_PERF");
  options.enablePerfNotificationListener = perf && std::strcmp(perf, "1") == 0;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    error = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return nullptr;
  }
  return std::move(*engine);
}
