//===- Sparsify.cpp - attach the block schedule ---------------------------===//
//
// attn-sparsify: decides banded vs tables for each attn.attention and, for
// static sequence lengths, computes the tables now.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/CheckedMath.h"

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
    if (maxStaticBlocks < 0) {
      emitError(getOperation()->getLoc())
          << "attn-sparsify: max-static-blocks must be non-negative";
      return signalPassFailure();
    }
    bool failed = false;
    getOperation()->walk([&](AttentionOp op) {
      MaskPatternAttrInterface pattern = op.getEffectivePattern();
      bool banded = op.hasBandedSchedule();
      DenseI32ArrayAttr tables;
      int64_t nq = op.getQ().getType().getDimSize(2);
      int64_t nk = op.getK().getType().getDimSize(2);
      // Tables of a token order are always built by the kernel's schedule
      // function (per N, on the host that runs it), and so are those of a
      // static N past max-static-blocks tile pairs: building classifies
      // every pair and the tables would sit in the IR.
      if (!banded && !op.getOrderAttr() && !ShapedType::isDynamic(nq) &&
          !ShapedType::isDynamic(nk) &&
          ::attn::satMul(::attn::ceilDiv(nq, tileQ),
                         ::attn::ceilDiv(nk, tileK)) <= maxStaticBlocks) {
        std::vector<int32_t> built =
            buildBlockTables(pattern, nq, nk, tileQ, tileK);
        if (built.empty()) {
          op.emitError() << "attn-sparsify: the schedule tables of Nq = " << nq
                         << ", Nk = " << nk
                         << " exceed int32 positions; use larger tiles";
          failed = true;
          return;
        }
        tables = DenseI32ArrayAttr::get(&getContext(), built);
      }
      op.setScheduleAttr(ScheduleAttr::get(
          &getContext(), tileQ, tileK, banded ? "banded" : "tables", tables));
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
