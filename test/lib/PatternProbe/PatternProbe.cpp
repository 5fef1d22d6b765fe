//===- PatternProbe.cpp - what the tools ask of a parsed module -----------===//

#include "PatternProbe.h"

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <algorithm>

using namespace mlir;

LogicalResult mlir::attn::test::canonicalizeAndProbe(ModuleOp module) {
  PassManager pm(module.getContext());
  pm.addPass(createCanonicalizerPass());
  if (failed(pm.run(module)))
    return failure();
  constexpr int64_t n = 9;
  module->walk([&](Operation *op) {
    MaskPatternAttrInterface pattern;
    if (auto mask = dyn_cast<MaskOp>(op))
      pattern = mask.getPattern();
    else if (auto attention = dyn_cast<AttentionOp>(op))
      pattern = attention.getEffectivePattern();
    if (!pattern ||
        failed(pattern.verifyExtent([&] { return op->emitError(); }, n, n)))
      return;
    (void)pattern.countPairs(n, n);
    (void)pattern.getKeyBounds(0, 4, n, n);
    for (int64_t p = 0; p < n; p += 4)
      for (int64_t j = 0; j < n; j += 4) {
        (void)pattern.classifyTile(
            Tile{p, std::min(p + 4, n), j, std::min(j + 4, n)}, n, n);
        (void)pattern.contains(p, j, n, n);
      }
  });
  return success();
}
