//===- Reorder.cpp - choose token orders and parts from the cost model ----===//
//
// attn-reorder (DESIGN 4.3): for each attn.attention without an order, the
// plans its pattern suggests are priced with the cost model's executed pairs
// at the op's N (static, or the `seq` option) for the tiles attn-sparsify
// will use:
//  - one order for the whole pattern (a dilated window: its residues; the
//    fixed pattern: its summary keys first);
//  - parts with disjoint kept pairs, each under the order where it is
//    block-dense, merged by their lse (the strided pattern: the l - 1 keys
//    before the query in the original order, plus the keys at multiples of
//    l back, which the residue order makes a causal block in each group).
// The cheapest plan is taken when it executes at most `threshold` of the
// pairs the original order does (the gathers cost a little, so a small gain
// is not worth it). An order is attached to the op; parts replace it by one
// attn.attention per part (with its lse) and an attn.merge, which attn-tile
// fuses into one kernel of one stage per part.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/CostModel.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/CheckedMath.h"

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

/// Parts with disjoint kept pairs whose union is `pattern`, each block-dense
/// in its order; empty when the pattern has no such split.
static SmallVector<KernelPartAttr>
splitIntoParts(MaskPatternAttrInterface pattern) {
  MLIRContext *ctx = pattern.getContext();
  SmallVector<KernelPartAttr> parts;
  if (auto strided = dyn_cast<StridedAttr>(pattern)) {
    // back = p - j in [0, l] or a multiple of l: [1, l - 1] is a band,
    // {0, l, 2l, ...} a dilated window (left reaching every earlier key).
    int64_t l = strided.getStride();
    if (l < 2 || l > (int64_t(1) << 30))
      return parts;
    parts.push_back(
        KernelPartAttr::get(ctx, WindowAttr::get(ctx, l - 1, -1), nullptr));
    parts.push_back(KernelPartAttr::get(
        ctx, DilatedAttr::get(ctx, ::attn::kMaxParameter / l, 0, l),
        ResidueOrderAttr::get(ctx, l)));
  }
  return parts;
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
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) {
      // An op already scheduled keeps its order (its tables depend on it);
      // a part of a user's attn.merge keeps the decomposition it was given
      // (splitting it would nest merges, ordering it could give the kernel
      // two parts with tables).
      if (!op.getOrderAttr() && !op.getScheduleAttr() && !feedsMerge(op))
        ops.push_back(op);
    });
    for (AttentionOp op : ops) {
      SmallVector<KernelPartAttr> plan = choose(op);
      if (plan.size() == 1)
        op.setOrderAttr(plan.front().getOrder());
      else if (plan.size() > 1)
        splitOp(op, plan);
    }
  }

  static bool feedsMerge(AttentionOp op) {
    return llvm::any_of(op->getUsers(),
                        [](Operation *user) { return isa<MergeOp>(user); });
  }

  /// The cheapest plan for `op`: one part (the whole pattern under an
  /// order), several, or none (keep the op as it is).
  SmallVector<KernelPartAttr> choose(AttentionOp op) {
    MaskPatternAttrInterface pattern = op.getEffectivePattern();
    MLIRContext *ctx = op.getContext();
    SmallVector<SmallVector<KernelPartAttr>> plans;
    SmallVector<TokenOrderAttrInterface> orders;
    collectCandidates(pattern, orders);
    for (TokenOrderAttrInterface order : orders)
      plans.push_back({KernelPartAttr::get(ctx, pattern, order)});
    if (SmallVector<KernelPartAttr> parts = splitIntoParts(pattern);
        !parts.empty())
      plans.push_back(parts);
    if (plans.empty())
      return {};
    if (mode == "force")
      return plans.front();
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
    SmallVector<KernelPartAttr> chosen;
    for (ArrayRef<KernelPartAttr> plan : plans) {
      double executed = costOfParts(plan, sizes, config).pairsExecuted;
      if (executed <= limit && (chosen.empty() || executed < best)) {
        chosen.assign(plan.begin(), plan.end());
        best = executed;
      }
    }
    return chosen;
  }

  /// Replaces `op` by one attn.attention per part, each with its lse, and
  /// an attn.merge of them.
  void splitOp(AttentionOp op, ArrayRef<KernelPartAttr> parts) {
    OpBuilder b(op);
    // The lse has the output's [B, H, Nq] (or the op's own lse type).
    Type lseType = op.getLse()
                       ? op.getLse().getType()
                       : RankedTensorType::get(
                             op.getOutput().getType().getShape().take_front(3),
                             b.getF32Type());
    SmallVector<Value> merged;
    for (KernelPartAttr part : parts) {
      auto partOp = AttentionOp::create(
          b, op.getLoc(), TypeRange{op.getOutput().getType(), lseType},
          op->getOperands(), op->getAttrs());
      partOp.setPatternAttr(part.getPattern());
      if (TokenOrderAttrInterface order = part.getOrder())
        partOp.setOrderAttr(order);
      merged.append({partOp.getOutput(), partOp.getLse()});
    }
    auto merge = MergeOp::create(
        b, op.getLoc(), TypeRange{op.getOutput().getType(), lseType}, merged);
    op.getOutput().replaceAllUsesWith(merge.getOutput());
    if (Value lse = op.getLse())
      lse.replaceAllUsesWith(merge.getLse());
    op.erase();
  }
};
} // namespace
