//===- Cost.cpp - print the cost model's predictions ----------------------===//
//
// attn-cost: one table per attention op (fused), qk chain (materialized)
// or merge of attention parts (one kernel of stages: the parts' total) over
// the requested sequence lengths.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Analysis/CostModel.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/IR/MaskSimplify.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/Target.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNCOSTPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-cost"

using namespace mlir;
using namespace mlir::attn;

/// The longest sequence attn-cost prices (seq-lens or a static N).
constexpr int64_t kMaxPricedN = int64_t(1) << 20;

namespace {
struct AttnCostPass : public mlir::attn::impl::AttnCostPassBase<AttnCostPass> {
  using Base::Base;

  void runOnOperation() override {
    // Irregular patterns classify every tile: (N / 64)^2 of them.
    for (int64_t n : seqLens)
      if (n < 1 || n > kMaxPricedN)
        return fail("seq-lens must be in [1, 2^20]");
    if (batch < 1 || heads < 1 || threads < 1 || batch > 65536 ||
        heads > 65536 || threads > 4096)
      return fail("batch, heads and threads must be positive (at most "
                  "65536, 65536 and 4096)");
    if (tileQ < 1 || tileK < 1 || tileQ > 4096 || tileK > 4096)
      return fail("tile-q and tile-k must be in [1, 4096]");
    if (!(peakGflops > 0) || !(bandwidthGBs > 0) || dModel < 0)
      return fail("peak-gflops and bandwidth-gbs must be positive, d-model "
                  "non-negative");
    if (!gpuArch.empty()) {
      gpuTarget = lookupTarget("cuda");
      if (!gpuTarget)
        return fail("gpu-arch needs the cuda target, which this tool does "
                    "not register");
      TargetOptions options;
      options.gpuArchs = {gpuArch};
      std::string problem = gpuTarget->checkOptions(options);
      if (!problem.empty())
        return fail(problem);
    }
    getOperation()->walk([&](Operation *op) {
      if (auto attention = dyn_cast<AttentionOp>(op))
        report(op, simplifyPattern(attention.getEffectivePattern()),
               attention.getQ(), attention.getK(), /*fused=*/true,
               /*hasMask=*/true);
      else if (auto qk = dyn_cast<QKOp>(op))
        reportChain(qk);
      else if (auto merge = dyn_cast<MergeOp>(op))
        reportMerge(merge);
    });
  }

  void fail(StringRef message) {
    emitError(getOperation()->getLoc()) << "attn-cost: " << message;
    signalPassFailure();
  }

  /// The unfused chain starting at `qk`: its mask pattern, if any.
  void reportChain(QKOp qk) {
    MaskPatternAttrInterface pattern;
    bool hasMask = false;
    for (Operation *user : qk->getUsers())
      if (auto mask = dyn_cast<MaskOp>(user)) {
        pattern = mask.getPattern();
        hasMask = true;
      }
    if (!pattern)
      pattern = DenseAttr::get(&getContext());
    report(qk, pattern, qk.getQ(), qk.getK(), /*fused=*/false, hasMask);
  }

  /// A merge of attention parts is one kernel of stages (attn-tile): its
  /// cost is the parts' together (costOfParts), after each part's own table.
  void reportMerge(MergeOp merge) {
    SmallVector<KernelPartAttr> parts;
    AttentionOp first;
    for (unsigned i = 0; i < merge.getNumParts(); ++i) {
      auto part = merge.getPartOutput(i).getDefiningOp<AttentionOp>();
      if (!part)
        return; // not one kernel: the parts were reported as they are
      if (!first)
        first = part;
      parts.push_back(KernelPartAttr::get(
          &getContext(), simplifyPattern(part.getEffectivePattern()),
          part.getOrderAttr()));
    }
    report(merge, {}, first.getQ(), first.getK(), /*fused=*/true,
           /*hasMask=*/true, parts);
  }

  void report(Operation *op, MaskPatternAttrInterface pattern, Value q, Value k,
              bool fused, bool hasMask, ArrayRef<KernelPartAttr> parts = {}) {
    auto qType = llvm::cast<RankedTensorType>(q.getType());
    auto kType = llvm::cast<RankedTensorType>(k.getType());
    auto pick = [](int64_t staticSize, int64_t option) {
      return ShapedType::isDynamic(staticSize) ? option : staticSize;
    };
    AttentionSizes sizes;
    sizes.batch = pick(qType.getDimSize(0), batch);
    sizes.heads = pick(qType.getDimSize(1), heads);
    sizes.kvHeads = pick(kType.getDimSize(1), sizes.heads);
    sizes.headDim = qType.getDimSize(3);
    sizes.elementBytes = qType.getElementTypeBitWidth() / 8;
    SmallVector<int64_t> lengths(seqLens.begin(), seqLens.end());
    int64_t staticN = kType.getDimSize(2);
    if (!ShapedType::isDynamic(staticN))
      lengths = {staticN};
    else if (lengths.empty())
      lengths = {1024};
    KernelConfig config{tileQ, tileK, threads, int64_t(1) << 20};
    if (auto attention = dyn_cast<AttentionOp>(op))
      config.order = attention.getOrderAttr();
    MachinePeaks peaks{peakGflops, bandwidthGBs};

    llvm::raw_ostream &os = llvm::outs();
    auto func = op->getParentOfType<func::FuncOp>();
    os << "// attn-cost: @" << (func ? func.getSymName() : StringRef("?"))
       << " " << op->getName() << " ";
    if (!parts.empty()) {
      os << "of " << parts.size()
         << " parts (fused: one kernel, one stage per part, tiles "
         << int64_t(tileQ) << "x" << int64_t(tileK) << ")\n";
    } else if (fused) {
      os << pattern;
      os << " (fused, "
         << (config.order || !hasBandedSchedule(pattern) ? "tables" : "banded")
         << ", tiles " << int64_t(tileQ) << "x" << int64_t(tileK);
      if (config.order)
        os << ", order " << config.order;
      os << ")\n";
    } else {
      os << pattern << " (materialized N x N)\n";
    }
    os << "//   B = " << sizes.batch << ", H = " << sizes.heads
       << ", Hkv = " << sizes.kvHeads << ", D = " << sizes.headDim
       << llvm::format(", peaks %g GFLOP/s, %g GB/s\n", peaks.gflops,
                       peaks.bandwidthGBs);
    os << llvm::format("// %8s %16s %16s %14s %14s %16s %16s %16s %14s %12s\n",
                       "N", "pairs_useful", "pairs_executed", "gflop_useful",
                       "gflop_executed", "exps", "bytes", "peak_extra_bytes",
                       "table_bytes", "roofline_ms");
    for (int64_t n : lengths) {
      int64_t nq = pick(qType.getDimSize(2), n);
      sizes.nq = nq;
      sizes.nk = n;
      // A static N gets the range of seq-lens too: counting the pairs of an
      // irregular pattern is O(N) tile classifications and more.
      if (n > kMaxPricedN || nq > kMaxPricedN) {
        op->emitWarning() << "attn-cost: skipping N = " << n
                          << ": attn-cost prices N up to 2^20";
        continue;
      }
      auto verifyExtent = [&](MaskPatternAttrInterface p) {
        return p.verifyExtent(
            [&] {
              return op->emitWarning()
                     << "attn-cost: skipping N = " << n << ": ";
            },
            nq, n);
      };
      if (parts.empty() ? failed(verifyExtent(pattern))
                        : llvm::any_of(parts, [&](KernelPartAttr part) {
                            return failed(verifyExtent(part.getPattern()));
                          }))
        continue;
      // Pricing builds the schedule: refuse an N whose schedule alone would
      // take minutes (an irregular pattern classifies every candidate tile).
      if (fused) {
        double work = 0;
        auto add = [&](MaskPatternAttrInterface p,
                       TokenOrderAttrInterface order) {
          bool banded = !order && hasBandedSchedule(p);
          work += scheduleWork(p, banded, nq, n, tileQ, tileK, order);
          // Counting a union's or an intersection's pairs classifies its own
          // 64 x 64 tiles (countPairsByTiles), whatever the kernel's tiles.
          if (isa<UnionAttr, IntersectAttr>(p))
            work += scheduleWork(p, false, nq, n, 64, 64);
        };
        if (parts.empty())
          add(pattern, config.order);
        for (KernelPartAttr part : parts)
          add(part.getPattern(), part.getOrder());
        if (work > kMaxScheduleWork) {
          op->emitWarning() << "attn-cost: skipping N = " << n
                            << ": its schedule would classify more than "
                               "2^24 tiles, the most attn-cost builds (use "
                               "larger tiles or a smaller N)";
          continue;
        }
      }
      Cost cost = !parts.empty() ? costOfParts(parts, sizes, config)
                  : fused        ? costOfFused(pattern, sizes, config)
                                 : costOfMaterialized(pattern, sizes, hasMask);
      os << llvm::format("// %8lld %16.0f %16.0f %14.6g %14.6g %16.0f %16.0f "
                         "%16.0f %14.0f %12.6g\n",
                         (long long)n, cost.pairsUseful, cost.pairsExecuted,
                         cost.flopsUseful / 1e9, cost.flopsExecuted / 1e9,
                         cost.exps, cost.bytes, cost.peakExtraBytes,
                         cost.tableBytes, cost.rooflineSeconds(peaks) * 1e3);
    }
    if (fused && parts.empty() && !gpuArch.empty())
      reportGpuKernel(cast<AttentionOp>(op));
    if (dModel > 0 && parts.empty()) {
      for (int64_t n : lengths) {
        sizes.nq = sizes.nk = n;
        LayerCost layer = costOfLayer(sizes, dModel);
        os << llvm::format("//   layer d_model = %lld, N = %lld: projections "
                           "%.6g GFLOP, dense core %.6g GFLOP\n",
                           (long long)int64_t(dModel), (long long)n,
                           layer.projectionFlops / 1e9, layer.coreFlops / 1e9);
      }
      LayerCost layer = costOfLayer(sizes, dModel);
      os << llvm::format("//   the dense core overtakes the projections at "
                         "N = %.6g\n",
                         layer.crossoverN);
    }
  }

  /// The GPU target's static facts of the kernel of `op` (ptxas').
  void reportGpuKernel(AttentionOp op) {
    std::string error;
    TargetOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    FailureOr<std::string> facts =
        gpuTarget->describeKernel(op, gpuArch, options, error);
    if (failed(facts)) {
      op.emitWarning() << "attn-cost: no " << gpuArch
                       << " kernel facts: " << error;
      return;
    }
    llvm::outs() << "//   " << *facts << "\n";
  }

  const Target *gpuTarget = nullptr;
};
} // namespace
