//===- ToolSupport.cpp - what attn's command-line tools share -------------===//

#include "attn/Tools/ToolSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <vector>

using namespace mlir;

OwningOpRef<ModuleOp> mlir::attn::parseModuleFile(MLIRContext &ctx,
                                                  StringRef path,
                                                  std::string &error) {
  std::string first;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (first.empty()) {
      llvm::raw_string_ostream os(first);
      os << diag.getLocation() << ": " << diag;
    }
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, &ctx);
  if (!module)
    error = first.empty() ? "cannot parse '" + path.str() + "'" : first;
  return module;
}

mlir::attn::RunTimes mlir::attn::timeRuns(int repeat,
                                          llvm::function_ref<void()> run) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  size_t mid = times.size() / 2;
  double median =
      times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return {median, times.front()};
}
