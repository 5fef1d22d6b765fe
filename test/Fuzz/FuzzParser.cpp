//===- FuzzParser.cpp - libFuzzer: parser, verifier, canonicalizer --------===//
//
// Any text: parsed as a module, verified, canonicalized, and every pattern
// asked what the tools ask of it. Each input must succeed or end in a
// diagnostic; a crash, hang or sanitizer report is a finding.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    attn::registerAllDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Diagnostics are expected; only crashes count.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ctx);
  if (!module)
    return 0;
  PassManager pm(ctx);
  pm.addPass(createCanonicalizerPass());
  if (failed(pm.run(*module)))
    return 0;
  // A small N: what attn-print-mask and the cost model ask of patterns.
  constexpr int64_t n = 9;
  module->walk([&](Operation *op) {
    attn::MaskPatternAttrInterface pattern;
    if (auto mask = dyn_cast<attn::MaskOp>(op))
      pattern = mask.getPattern();
    else if (auto attention = dyn_cast<attn::AttentionOp>(op))
      pattern = attention.getEffectivePattern();
    if (!pattern ||
        failed(pattern.verifyExtent([&] { return op->emitError(); }, n, n)))
      return;
    (void)pattern.countPairs(n, n);
    (void)pattern.getKeyBounds(0, 4, n, n);
    for (int64_t p = 0; p < n; p += 4)
      for (int64_t j = 0; j < n; j += 4) {
        (void)pattern.classifyTile(
            attn::Tile{p, std::min(p + 4, n), j, std::min(j + 4, n)}, n, n);
        (void)pattern.contains(p, j, n, n);
      }
  });
  return 0;
}
