//===- PatternProbe.h - what the tools ask of a parsed module -*- C++ -*-===//
//
// The fuzzers' shared step: canonicalize a parsed module, then ask every
// mask pattern in it what attn-print-mask and the cost model ask (extent,
// pairs, key bounds, tile classes, membership) at a small N. Crashes are
// the finding; answers are not checked.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_PATTERNPROBE_H
#define ATTN_TEST_PATTERNPROBE_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::attn::test {

/// Canonicalizes `module` and probes its patterns at N = 9; failure when
/// the canonicalizer fails (with a diagnostic).
LogicalResult canonicalizeAndProbe(ModuleOp module);

} // namespace mlir::attn::test

#endif // ATTN_TEST_PATTERNPROBE_H
