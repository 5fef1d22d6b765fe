//===- CostModel.cpp - what an attention kernel will cost -----------------===//

#include "attn/Analysis/CostModel.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using ::attn::ceilDiv;

double Cost::rooflineSeconds(const MachinePeaks &peaks) const {
  return std::max(flopsExecuted / (peaks.gflops * 1e9),
                  bytes / (peaks.bandwidthGBs * 1e9));
}

Cost mlir::attn::costOfFused(MaskPatternAttrInterface pattern,
                             const AttentionSizes &s,
                             const KernelConfig &config) {
  Cost cost;
  double heads = double(s.batch) * s.heads;
  double perPair = 4.0 * s.headDim;
  cost.pairsUseful = heads * double(pattern.countPairs(s.nq, s.nk));

  // Executed pairs: the area of every visited tile, clipped at Nq and Nk.
  bool banded = !config.order && hasBandedSchedule(pattern);
  int64_t numQueryBlocks = ceilDiv(s.nq, config.tileQ);
  double executed = 0, visitedBlocks = 0;
  int64_t offset = s.nk - s.nq;
  for (int64_t qb = 0; qb < numQueryBlocks; ++qb) {
    int64_t rows = std::min(config.tileQ, s.nq - qb * config.tileQ);
    if (banded) {
      // The key blocks [first, last) of the bounds (scheduleQueryBlock's
      // rule), counted without listing them: O(1) per query block.
      int64_t p0 = offset + qb * config.tileQ;
      KeyBounds b = *pattern.getKeyBounds(p0, p0 + rows, s.nq, s.nk);
      int64_t first = b.begin / config.tileK;
      int64_t last = ceilDiv(b.end, config.tileK);
      if (last > first) {
        executed += double(rows) * double(std::min(last * config.tileK, s.nk) -
                                          first * config.tileK);
        visitedBlocks += double(last - first);
      }
      continue;
    }
    VisitedBlocks v =
        scheduleQueryBlock(pattern, banded, s.nq, s.nk, config.tileQ,
                           config.tileK, qb, config.order);
    for (const std::vector<int64_t> *list : {&v.partial, &v.full})
      for (int64_t kb : *list) {
        executed +=
            double(rows) * std::min(config.tileK, s.nk - kb * config.tileK);
        visitedBlocks += 1;
      }
  }
  cost.pairsExecuted = heads * executed;
  cost.flopsUseful = perPair * cost.pairsUseful;
  cost.flopsExecuted = perPair * cost.pairsExecuted;
  cost.exps = cost.pairsExecuted;

  // Bytes: Q read and O written once; K and V once per key/value head when
  // one head's K and V fit in cache, else once per visited block.
  double e = double(s.elementBytes);
  double qo = 2.0 * heads * s.nq * s.headDim * e;
  double kvOnce = 2.0 * s.batch * s.kvHeads * double(s.nk) * s.headDim * e;
  double kvPerHead = 2.0 * s.nk * s.headDim * e;
  double kvStreamed =
      2.0 * heads * visitedBlocks * config.tileK * s.headDim * e;
  cost.bytes =
      qo +
      (kvPerHead <= config.cacheBytes ? kvOnce : std::max(kvOnce, kvStreamed));

  // Per thread: the transposed query tile and accumulator, the score tile
  // and three running vectors; plus the schedule tables.
  double scratch = (2.0 * s.headDim * config.tileQ +
                    double(config.tileK) * config.tileQ + 3.0 * config.tileQ) *
                   4.0;
  cost.peakExtraBytes = config.threads * scratch;
  if (!banded) {
    // One header and one index per visited block
    // (attn/Support/BlockTableLayout.h).
    ::attn::BlockTableLayout layout{numQueryBlocks};
    cost.tableBytes = 4.0 * (double(layout.headerSize()) + visitedBlocks);
    cost.peakExtraBytes += cost.tableBytes;
  }
  return cost;
}

Cost mlir::attn::costOfParts(ArrayRef<KernelPartAttr> parts,
                             const AttentionSizes &s,
                             const KernelConfig &config) {
  Cost total;
  double carried = double(s.batch) * s.heads * s.nq *
                   (double(s.headDim) * s.elementBytes + 4.0);
  for (auto [i, part] : llvm::enumerate(parts)) {
    KernelConfig stage = config;
    stage.order = part.getOrder();
    Cost cost = costOfFused(part.getPattern(), s, stage);
    total.pairsUseful += cost.pairsUseful;
    total.pairsExecuted += cost.pairsExecuted;
    total.flopsUseful += cost.flopsUseful;
    total.flopsExecuted += cost.flopsExecuted;
    total.exps += cost.exps;
    // Q and K, V again; after the first, O and the lse read back.
    total.bytes += cost.bytes + (i > 0 ? carried : 0.0);
    total.tableBytes += cost.tableBytes;
    // The stages run one after another: one's scratch at a time, every
    // stage's tables.
    total.peakExtraBytes =
        std::max(total.peakExtraBytes, cost.peakExtraBytes - cost.tableBytes);
  }
  total.peakExtraBytes += total.tableBytes;
  // The per-row f32 scratch a kernel of stages carries the lse in when its
  // function returns none (counted always: an upper bound).
  if (parts.size() > 1)
    total.peakExtraBytes += double(s.batch) * s.heads * s.nq * 4.0;
  return total;
}

Cost mlir::attn::costOfMaterialized(MaskPatternAttrInterface pattern,
                                    const AttentionSizes &s, bool hasMask) {
  Cost cost;
  double heads = double(s.batch) * s.heads;
  double pairs = heads * double(s.nq) * s.nk;
  cost.pairsUseful =
      pattern ? heads * double(pattern.countPairs(s.nq, s.nk)) : pairs;
  cost.pairsExecuted = pairs;
  cost.flopsUseful = 4.0 * s.headDim * cost.pairsUseful;
  cost.flopsExecuted = 4.0 * s.headDim * pairs;
  cost.exps = pairs;
  double e = double(s.elementBytes);
  double matrices = hasMask ? 3 : 2;
  double inputs = heads * s.nq * s.headDim * e +
                  2.0 * s.batch * s.kvHeads * double(s.nk) * s.headDim * e;
  double output = heads * s.nq * s.headDim * e;
  cost.bytes = inputs + output + matrices * 2.0 * pairs * e;
  // Two N x N buffers are live at once (an op's input and its output).
  cost.peakExtraBytes = 2.0 * pairs * e;
  return cost;
}

LayerCost mlir::attn::costOfLayer(const AttentionSizes &s, int64_t dModel) {
  LayerCost layer;
  double d = double(dModel), n = double(s.nq);
  // Q and output: d_model x (H D) each; K and V: d_model x (Hkv D) each.
  double width = 2.0 * s.heads * s.headDim + 2.0 * s.kvHeads * s.headDim;
  layer.projectionFlops = 2.0 * s.batch * n * d * width;
  layer.coreFlops = 4.0 * s.batch * s.heads * n * n * s.headDim;
  // 4 B H N^2 D = 2 B N d width  <=>  N = d width / (2 H D).
  layer.crossoverN = d * width / (2.0 * s.heads * s.headDim);
  return layer;
}
