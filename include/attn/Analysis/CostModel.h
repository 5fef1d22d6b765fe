//===- CostModel.h - what an attention kernel will cost -------*- C++ -*-===//
//
// The cost of one attention op at given sizes, before running it: pairs
// (useful = the pattern's exact count, executed = the block schedule's
// visited area), FLOPs in the papers' convention (4 * D per pair per batch
// and head), exps, bytes moved and peak extra memory, for the fused kernel
// and for the unfused chain that materializes N x N scores; and a roofline
// time for measured machine peaks. docs/cost-model.md gives the equations.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_COSTMODEL_H
#define ATTN_ANALYSIS_COSTMODEL_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include <cstdint>

namespace mlir::attn {

/// The sizes of one attention call.
struct AttentionSizes {
  int64_t batch = 1, heads = 1, kvHeads = 1, nq = 0, nk = 0, headDim = 0;
  int64_t elementBytes = 4;
};

/// How the fused kernel is tiled and run.
struct KernelConfig {
  int64_t tileQ = 64, tileK = 64;
  int64_t threads = 1;
  /// Bytes of cache a core can keep K and V of one head in.
  int64_t cacheBytes = int64_t(1) << 20;
  /// The token order the kernel tiles in (attn-reorder), or null.
  TokenOrderAttrInterface order = {};
};

/// What a machine can do, measured (attn-sweep) or given.
struct MachinePeaks {
  double gflops = 420;      ///< FP32 FMA throughput, GFLOP/s
  double bandwidthGBs = 29; ///< memory bandwidth, GB/s
};

/// Costs summed over batch and heads.
struct Cost {
  double pairsUseful = 0, pairsExecuted = 0;
  double flopsUseful = 0, flopsExecuted = 0;
  double exps = 0;
  double bytes = 0;
  double peakExtraBytes = 0;
  /// The schedule tables' share of peakExtraBytes (irregular patterns).
  double tableBytes = 0;

  /// max(executed FLOPs / peak, bytes / bandwidth), in seconds.
  double rooflineSeconds(const MachinePeaks &peaks) const;
};

/// The fused kernel of attn-cpu-pipeline with the schedule of attn-sparsify.
Cost costOfFused(MaskPatternAttrInterface pattern, const AttentionSizes &sizes,
                 const KernelConfig &config);

/// A kernel of merged parts (#attn.kernel_part, attn-reorder's split of a
/// pattern): one fused stage per part, each under its own order (that of
/// `config` is ignored); each stage after the first reads the output and
/// lse the stages before wrote.
Cost costOfParts(ArrayRef<KernelPartAttr> parts, const AttentionSizes &sizes,
                 const KernelConfig &config);

/// The unfused chain qk -> [mask] -> softmax -> pv: every pair is computed
/// whatever the mask, and each N x N intermediate (scores, masked scores when
/// there is a mask, probabilities) is written once and read once.
Cost costOfMaterialized(MaskPatternAttrInterface pattern,
                        const AttentionSizes &sizes, bool hasMask);

/// A whole layer: the Q, K, V and output projections against the attention
/// core (dense), as in the Multi-Query Attention paper's discussion.
struct LayerCost {
  double projectionFlops; ///< 2 * B * N * d_model * (2 H D + 2 Hkv D)
  double coreFlops;       ///< 4 * B * H * N^2 * D
  /// The sequence length where the dense core overtakes the projections.
  double crossoverN;
};
LayerCost costOfLayer(const AttentionSizes &sizes, int64_t dModel);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_COSTMODEL_H
