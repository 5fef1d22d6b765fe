//===- Fuse.cpp - fuse the four-op chain into attn.attention --------------===//
//
// attn-fuse: qk -> [mask] -> softmax -> pv becomes one attn.attention when
// every intermediate value has one use and the softmax runs over the keys.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNFUSEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-fuse"

using namespace mlir;
using namespace mlir::attn;

namespace {
/// Matches from the end of the chain (attn.pv) backwards.
struct FuseChain : OpRewritePattern<PVOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PVOp pv,
                                PatternRewriter &rewriter) const override {
    auto softmax = pv.getProbs().getDefiningOp<SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "probabilities not from a "
                                             "single-use attn.softmax");
    if (softmax.getAxis() != 3)
      return rewriter.notifyMatchFailure(pv, "softmax is not over the keys");

    Value scores = softmax.getInput();
    MaskPatternAttrInterface pattern;
    if (auto mask = scores.getDefiningOp<MaskOp>()) {
      if (!mask->hasOneUse())
        return rewriter.notifyMatchFailure(pv, "mask result used twice");
      pattern = mask.getPattern();
      scores = mask.getScores();
    }
    auto qk = scores.getDefiningOp<QKOp>();
    if (!qk || !qk->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "scores not from a single-use "
                                             "attn.qk");

    // attn.attention needs one element type and k, v with the same heads.
    Type element = qk.getQ().getType().getElementType();
    if (qk.getK().getType().getElementType() != element ||
        pv.getV().getType().getElementType() != element ||
        pv.getOutput().getType().getElementType() != element)
      return rewriter.notifyMatchFailure(pv, "mixed element types");
    int64_t kHeads = qk.getK().getType().getDimSize(1);
    int64_t vHeads = pv.getV().getType().getDimSize(1);
    if (kHeads != vHeads)
      return rewriter.notifyMatchFailure(pv, "k and v heads differ");

    rewriter.replaceOpWithNewOp<AttentionOp>(
        pv, pv.getOutput().getType(), /*lse=*/Type(), qk.getQ(), qk.getK(),
        pv.getV(), pattern, qk.getScaleAttr(), /*schedule=*/nullptr,
        /*order=*/nullptr);
    return success();
  }
};

struct AttnFusePass : public mlir::attn::impl::AttnFusePassBase<AttnFusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseChain>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
