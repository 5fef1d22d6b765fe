//===- PrintMask.cpp - draw each op's mask pattern ------------------------===//
//
// attn-print-mask: a picture of the pairs a pattern computes and of the tile
// classification the block schedule sees, for docs and debugging.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPRINTMASKPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-print-mask"

using namespace mlir;
using namespace mlir::attn;

namespace {
/// The largest picture drawn: 4096 x 4096 characters.
constexpr int64_t kMaxSide = 4096;

struct AttnPrintMaskPass
    : public mlir::attn::impl::AttnPrintMaskPassBase<AttnPrintMaskPass> {
  using Base::Base;

  void runOnOperation() override {
    if (seqQ < 0 || seqQ > kMaxSide || seqK < 0 || seqK > kMaxSide) {
      emitError(getOperation()->getLoc())
          << "attn-print-mask: seq-q and seq-k must be in [0, " << kMaxSide
          << "]";
      return signalPassFailure();
    }
    if (block < 0 || block > kMaxSide) {
      emitError(getOperation()->getLoc())
          << "attn-print-mask: block must be in [0, " << kMaxSide << "]";
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (auto mask = dyn_cast<MaskOp>(op)) {
        RankedTensorType type = mask.getScores().getType();
        return draw(op, mask.getPattern(), type.getDimSize(2),
                    type.getDimSize(3));
      }
      if (auto attention = dyn_cast<AttentionOp>(op))
        return draw(op, attention.getEffectivePattern(),
                    attention.getQ().getType().getDimSize(2),
                    attention.getK().getType().getDimSize(2));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// The size to draw: the option, else the op's static size, else `other`.
  static int64_t pick(int64_t option, int64_t staticSize, int64_t other) {
    if (option > 0)
      return option;
    if (!ShapedType::isDynamic(staticSize) && staticSize > 0 &&
        staticSize <= kMaxSide)
      return staticSize;
    return other;
  }

  WalkResult draw(Operation *op, MaskPatternAttrInterface pattern,
                  int64_t staticQ, int64_t staticK) {
    int64_t nq = pick(seqQ, staticQ, 16);
    int64_t nk = pick(seqK, staticK, seqQ > 0 ? nq : 16);
    if (failed(pattern.verifyExtent(
            [&] {
              return op->emitError()
                     << "attn-print-mask: cannot draw at Nq = " << nq
                     << ", Nk = " << nk << ": ";
            },
            nq, nk)))
      return WalkResult::interrupt();

    llvm::raw_ostream &os = llvm::outs();
    auto func = op->getParentOfType<func::FuncOp>();
    os << "// " << op->getName() << " in @"
       << (func ? func.getSymName() : StringRef("?")) << ": " << pattern
       << "\n";
    os << "// Nq = " << nq << ", Nk = " << nk << ": "
       << pattern.countPairs(nq, nk) << " of " << nq * nk
       << " pairs computed\n";
    int64_t offset = nk - nq;
    for (int64_t i = 0; i < nq; ++i) {
      for (int64_t j = 0; j < nk; ++j)
        os << (pattern.contains(i + offset, j, nq, nk) ? '#' : '.');
      os << "\n";
    }
    if (block > 0) {
      os << "// " << block << "x" << block
         << " tiles: F full, P partial, . empty\n";
      for (int64_t i0 = 0; i0 < nq; i0 += block) {
        for (int64_t j0 = 0; j0 < nk; j0 += block) {
          Tile tile{i0 + offset, std::min(i0 + block, nq) + offset, j0,
                    std::min(j0 + block, nk)};
          os << blockKindLetter(pattern.classifyTile(tile, nq, nk));
        }
        os << "\n";
      }
    }
    return WalkResult::advance();
  }
};
} // namespace
