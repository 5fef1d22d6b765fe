//===- Reorder.cpp - choose a token order from the cost model -------------===//
//
// attn-reorder (DESIGN 4.3): for each attn.attention without an order, the
// candidate orders its pattern suggests (a dilated window: its residues; the
// fixed pattern: its summary keys first) are priced with the cost model's
// executed pairs at the op's N (static, or the `seq` option) for the tiles
// attn-sparsify will use. The cheapest candidate is attached when it
// executes at most `threshold` of the pairs the original order does (the
// gathers cost a little, so a small gain is not worth it).
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/CostModel.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNREORDERPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-reorder"

using namespace mlir;
using namespace mlir::attn;

/// The orders under which parts of `pattern` become block-dense.
static void collectCandidates(MaskPatternAttrInterface pattern,
                              SmallVectorImpl<TokenOrderAttrInterface> &out) {
  MLIRContext *ctx = pattern.getContext();
  auto add = [&](TokenOrderAttrInterface order) {
    if (!llvm::is_contained(out, order))
      out.push_back(order);
  };
  if (auto dilated = dyn_cast<DilatedAttr>(pattern)) {
    if (dilated.getDilation() >= 2 && dilated.getDilation() <= (1 << 30))
      add(ResidueOrderAttr::get(ctx, dilated.getDilation()));
  } else if (auto fixed = dyn_cast<FixedAttr>(pattern)) {
    if (fixed.getSummary() > 0 && fixed.getSummary() < fixed.getStride())
      add(SummaryOrderAttr::get(ctx, fixed.getStride(), fixed.getSummary()));
  } else if (auto unite = dyn_cast<UnionAttr>(pattern)) {
    for (MaskPatternAttrInterface part : unite.getParts())
      collectCandidates(part, out);
  } else if (auto intersect = dyn_cast<IntersectAttr>(pattern)) {
    for (MaskPatternAttrInterface part : intersect.getParts())
      collectCandidates(part, out);
  }
}

/// The longest sequence an order is priced at.
constexpr int64_t kMaxPriced = 16384;

namespace {
struct AttnReorderPass
    : public mlir::attn::impl::AttnReorderPassBase<AttnReorderPass> {
  using Base::Base;

  void runOnOperation() override {
    if (mode != "auto" && mode != "force" && mode != "off") {
      emitError(getOperation()->getLoc())
          << "attn-reorder: mode must be auto, force or off, got '" << mode
          << "'";
      return signalPassFailure();
    }
    if (tileQ < 1 || tileK < 1 || seq < 1) {
      emitError(getOperation()->getLoc())
          << "attn-reorder: tile-q, tile-k and seq must be positive";
      return signalPassFailure();
    }
    if (mode == "off")
      return;
    getOperation()->walk([&](AttentionOp op) {
      // An op already scheduled keeps its order (its tables depend on it).
      if (op.getOrderAttr() || op.getScheduleAttr())
        return;
      if (TokenOrderAttrInterface order = choose(op))
        op.setOrderAttr(order);
    });
  }

  TokenOrderAttrInterface choose(AttentionOp op) {
    MaskPatternAttrInterface pattern = op.getEffectivePattern();
    SmallVector<TokenOrderAttrInterface> candidates;
    collectCandidates(pattern, candidates);
    if (candidates.empty())
      return {};
    if (mode == "force")
      return candidates.front();
    auto pick = [&](int64_t size) {
      return ShapedType::isDynamic(size) ? int64_t(seq) : size;
    };
    AttentionSizes sizes;
    sizes.nk = pick(op.getK().getType().getDimSize(2));
    sizes.nq = pick(op.getQ().getType().getDimSize(2));
    // Pricing an order classifies every tile pair by pair (O(Nq * Nk)): a
    // long static N is priced at the same shape scaled to kMaxPriced.
    int64_t longest = std::max(sizes.nq, sizes.nk);
    if (longest > kMaxPriced) {
      double shrink = double(kMaxPriced) / double(longest);
      sizes.nq = std::max<int64_t>(1, int64_t(double(sizes.nq) * shrink));
      sizes.nk = std::max<int64_t>(1, int64_t(double(sizes.nk) * shrink));
    }
    sizes.headDim = op.getQ().getType().getDimSize(3);
    if (failed(pattern.verifyExtent([&] { return op.emitWarning(); }, sizes.nq,
                                    sizes.nk)))
      return {};
    KernelConfig config;
    config.tileQ = tileQ;
    config.tileK = tileK;
    double best = costOfFused(pattern, sizes, config).pairsExecuted;
    double limit = threshold * best;
    TokenOrderAttrInterface chosen;
    for (TokenOrderAttrInterface order : candidates) {
      config.order = order;
      double executed = costOfFused(pattern, sizes, config).pairsExecuted;
      if (executed <= limit && (!chosen || executed < best)) {
        chosen = order;
        best = executed;
      }
    }
    return chosen;
  }
};
} // namespace
