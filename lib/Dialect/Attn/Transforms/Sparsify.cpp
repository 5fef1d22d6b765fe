//===- Sparsify.cpp - attach the block schedule ---------------------------===//
//
// attn-sparsify: decides banded vs tables for each attn.attention and, for
// static sequence lengths, computes the tables now.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSPARSIFYPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-sparsify"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttnSparsifyPass
    : public mlir::attn::impl::AttnSparsifyPassBase<AttnSparsifyPass> {
  using Base::Base;

  void runOnOperation() override {
    if (tileQ < 1 || tileQ > 4096 || tileK < 4 || tileK > 4096 ||
        tileK % 4 != 0) {
      emitError(getOperation()->getLoc())
          << "attn-sparsify: tile-q must be in [1, 4096] and tile-k a "
             "multiple of 4 in [4, 4096], got "
          << int64_t(tileQ) << " x " << int64_t(tileK);
      return signalPassFailure();
    }
    getOperation()->walk([&](AttentionOp op) {
      MaskPatternAttrInterface pattern = op.getEffectivePattern();
      bool banded = hasBandedSchedule(pattern);
      DenseI32ArrayAttr tables;
      int64_t nq = op.getQ().getType().getDimSize(2);
      int64_t nk = op.getK().getType().getDimSize(2);
      if (!banded && !ShapedType::isDynamic(nq) && !ShapedType::isDynamic(nk))
        tables = DenseI32ArrayAttr::get(
            &getContext(), buildBlockTables(pattern, nq, nk, tileQ, tileK));
      op.setScheduleAttr(ScheduleAttr::get(
          &getContext(), tileQ, tileK, banded ? "banded" : "tables", tables));
    });
  }
};
} // namespace
