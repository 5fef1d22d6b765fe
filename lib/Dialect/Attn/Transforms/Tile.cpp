//===- Tile.cpp - attn.attention to a tiled online-softmax kernel ---------===//
//
// attn-tile turns a function whose body is one scheduled attn.attention into
// a kernel over flat buffers that processes the work items [begin, end) of
// the (batch, head, query block) space; a runtime thread pool calls it in
// parallel. A function of parts merged by an attn.merge becomes a kernel of
// one stage per part, run one after another: each stage after the first
// starts every row from what the stages before wrote (resumeState), so the
// merge is the online softmax continuing over the next part's keys.
//
// Per work item (TQ queries; W lanes per vector, NV = TQ / W vectors):
//   QT[d][i]  = scale * Q[i0 + i][d]      the query tile, transposed
//   m, l      = -inf, 0                   running max and sum, per query
//   OT[d][i]  = 0                         the accumulator, transposed
//   for each scheduled key block (j0 = kb * TK):
//     ST[j][i] = sum_d K[j0 + j][d] * QT[d][i]     scores, keys x queries
//                (-inf where the pattern drops the pair: partial blocks only;
//                 and for keys beyond Nk)
//     mNew = max(m, max_j ST[j][:]);  alpha = exp(m - mNew)
//     ST = exp(ST - mNew);  l = l * alpha + sum_j ST[j][:]
//     OT[d][:] = OT[d][:] * alpha + sum_j V[j0 + j][d] * ST[j][:]
//     m = mNew
//   O[i0 + i][d] = OT[d][i] / l[i]   (0 when l = 0: a fully masked row)
// Holding the scores transposed makes both products broadcast-FMA
// micro-kernels (4 rows x NV vectors of accumulators) and makes the
// softmax's max and sum lane-wise: no horizontal reductions. While a row is
// still fully masked, exp uses 0 instead of -inf as the max, so no NaN
// appears.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Codegen/KernelFunction.h"
#include "attn/Codegen/ScheduleLoops.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "attn/Codegen/ScheduleFunction.h"
#include "attn/Runtime/KernelAbi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNTILEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

#define DEBUG_TYPE "attn-tile"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Rows of the broadcast-FMA micro-kernels.
constexpr int64_t kMicroRows = 4;

/// The most scratch (query, score and accumulator tiles) a kernel may keep on
/// a thread's stack.
constexpr int64_t kMaxScratchBytes = 1 << 20;

/// What the kernel is specialized for.
struct KernelSpec {
  int64_t tileQ, tileK, lanes, headDim;
  double scale;
  MaskPatternAttrInterface pattern;
  bool banded;
  /// The schedule tables when Nq and Nk are static (tables kind only).
  FlatSymbolRefAttr staticTables;
  /// The token order the tiles are taken in, or null (original order).
  TokenOrderAttrInterface order;
  /// A stage after the first of a kernel of merged parts: each row starts
  /// from the output and lse the stages before wrote (the fused attn.merge).
  bool resume = false;
  /// A stage before the last: the row lse goes on to the next stage.
  bool passesLse = false;
};

/// Emits the kernel body. Method names follow the steps of the file comment.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &builder, Location loc, const KernelSpec &spec,
                KernelAttr kernel, Block *entry)
      : b(builder), loc(loc), spec(spec) {
    KernelParameters at = kernelParametersOf(kernel);
    q = entry->getArgument(at.tensor(0));
    k = entry->getArgument(at.tensor(1));
    v = entry->getArgument(at.tensor(2));
    out = entry->getArgument(at.tensor(3));
    // The row lse of a stage before the last lives in the lse result, or in
    // the scratch without one.
    Value carried = kernel.getResults().size() > 1
                        ? entry->getArgument(at.tensor(4))
                        : entry->getArgument(at.scratch());
    if (kernel.getResults().size() > 1 || spec.passesLse)
      lse = carried;
    if (spec.resume)
      previousLse = carried;
    tables = entry->getArgument(at.tables());
    batch = entry->getArgument(at.size(::attn::kSizeBatch));
    heads = entry->getArgument(at.size(::attn::kSizeHeads));
    kvHeads = entry->getArgument(at.size(::attn::kSizeKvHeads));
    nq = entry->getArgument(at.size(::attn::kSizeQueries));
    nk = entry->getArgument(at.size(::attn::kSizeKeys));
    begin = entry->getArgument(at.workBegin());
    end = entry->getArgument(at.workEnd());
    f32 = b.getF32Type();
    vecType = VectorType::get({spec.lanes}, f32);
    numVectors = spec.tileQ / spec.lanes;
  }

  void build() {
    Value numQueryBlocks =
        arith::CeilDivUIOp::create(b, loc, nq, idx(spec.tileQ));
    Value group = arith::DivUIOp::create(b, loc, heads, kvHeads);
    positionOffset = sub(nk, nq);
    headDim = idx(spec.headDim);
    allocateBuffers();
    if (spec.staticTables) {
      auto global = memref::GetGlobalOp::create(
          b, loc, MemRefType::get({staticTableSize}, b.getI32Type()),
          spec.staticTables);
      tables = memref::CastOp::create(
          b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
          global);
    }

    auto loop = scf::ForOp::create(b, loc, begin, end, idx(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value w = loop.getInductionVar();
    Value headRow = arith::DivUIOp::create(b, loc, w, numQueryBlocks);
    queryBlock = arith::RemUIOp::create(b, loc, w, numQueryBlocks);
    Value bIndex = arith::DivUIOp::create(b, loc, headRow, heads);
    Value h = arith::RemUIOp::create(b, loc, headRow, heads);
    Value hk = arith::DivUIOp::create(b, loc, h, group);
    headRowBase = mul(add(mul(bIndex, heads), h), nq);
    queryBase = mul(headRowBase, headDim);
    keyBase = mul(mul(add(mul(bIndex, kvHeads), hk), nk), headDim);
    firstRow = mul(queryBlock, idx(spec.tileQ));
    rows = arith::MinUIOp::create(b, loc, idx(spec.tileQ), sub(nq, firstRow));
    firstPosition = add(positionOffset, firstRow);

    loadQueryTile();
    computePermutedPositions();
    initializeState();
    resumeState();
    visitKeyBlocks();
    storeOutput();
  }

  /// The number of int32 entries of the static tables (set by the caller).
  int64_t staticTableSize = 0;

private:
  //===--------------------------------------------------------------------===//
  // Small helpers
  //===--------------------------------------------------------------------===//

  Value idx(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value minIndex(Value x, Value y) {
    return arith::MinSIOp::create(b, loc, x, y);
  }
  /// The original query row of (permuted) row `t`: the identity without an
  /// order that permutes queries.
  Value queryRowAt(Value t) {
    return spec.order && spec.order.permutesQueries()
               ? spec.order.buildQueryRow(b, loc, t, nq)
               : t;
  }
  Value splat(double value) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(value)));
  }
  Value negInf() { return splat(-std::numeric_limits<double>::infinity()); }
  /// max without NaN fix-ups: scores are never NaN for finite inputs.
  Value maxOf(Value x, Value y) {
    return arith::MaxNumFOp::create(b, loc, x, y, arith::FastMathFlags::nnan);
  }
  Value load(Value buffer, ValueRange indices) {
    return vector::LoadOp::create(b, loc, vecType, buffer, indices);
  }
  void store(Value value, Value buffer, ValueRange indices) {
    vector::StoreOp::create(b, loc, value, buffer, indices);
  }
  Value scratch(ArrayRef<int64_t> shape) {
    return memref::AllocaOp::create(b, loc, MemRefType::get(shape, f32),
                                    b.getI64IntegerAttr(64));
  }

  /// A loop [lo, hi) step `step` whose body `body(iv, iterArgs)` returns the
  /// next iteration values; returns the final values.
  SmallVector<Value>
  loop(Value lo, Value hi, int64_t step, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto forOp = scf::ForOp::create(
        b, loc, lo, hi, idx(step), inits,
        [&](OpBuilder &, Location, Value iv, ValueRange iterArgs) {
          SmallVector<Value> next = body(iv, iterArgs);
          scf::YieldOp::create(b, loc, next);
        });
    return SmallVector<Value>(forOp.getResults());
  }

  void allocateBuffers() {
    queryTile = scratch({spec.headDim, spec.tileQ});
    scoreTile = scratch({spec.tileK, spec.tileQ});
    accumulator = scratch({spec.headDim, spec.tileQ});
    runningMax = scratch({spec.tileQ});
    runningSum = scratch({spec.tileQ});
    rescale = scratch({spec.tileQ});
    if (spec.order)
      keyIndex = memref::AllocaOp::create(
          b, loc, MemRefType::get({spec.tileK}, b.getIndexType()));
  }

  //===--------------------------------------------------------------------===//
  // Steps
  //===--------------------------------------------------------------------===//

  /// QT[d][i] = scale * Q[i0 + i][d], zero for rows past Nq.
  void loadQueryTile() {
    Value lastRow = sub(nq, idx(1));
    Value scale =
        arith::ConstantOp::create(b, loc, b.getF32FloatAttr(spec.scale));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
    loop(idx(0), idx(spec.tileQ), 1, {}, [&](Value i, ValueRange) {
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, rows);
      Value row = queryRowAt(minIndex(add(firstRow, i), lastRow));
      Value rowBase = add(queryBase, mul(row, headDim));
      loop(idx(0), headDim, 1, {}, [&](Value d, ValueRange) {
        Value x =
            memref::LoadOp::create(b, loc, q, ValueRange{add(rowBase, d)});
        Value scaled = arith::MulFOp::create(b, loc, x, scale);
        Value value = arith::SelectOp::create(b, loc, inside, scaled, zero);
        memref::StoreOp::create(b, loc, value, queryTile, ValueRange{d, i});
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
  }

  void initializeState() {
    Value zero = splat(0.0), minusInf = negInf();
    for (int64_t c = 0; c < numVectors; ++c) {
      store(minusInf, runningMax, {idx(c * spec.lanes)});
      store(zero, runningSum, {idx(c * spec.lanes)});
    }
    loop(idx(0), headDim, 1, {}, [&](Value d, ValueRange) {
      for (int64_t c = 0; c < numVectors; ++c)
        store(zero, accumulator, {d, idx(c * spec.lanes)});
      return SmallVector<Value>{};
    });
  }

  /// In a stage after the first, row i continues the stages before: with
  /// their output O and lse L, m = L, l = 1 and OT[:][i] = O is the state of
  /// the keys they saw (sum of exp(s - m) = exp(L - L) = 1; a row they fully
  /// masked has L = -inf, O = 0 and keeps l = 0). The merge costs nothing.
  void resumeState() {
    if (!previousLse)
      return;
    Value minusInf = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
    Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
    loop(idx(0), rows, 1, {}, [&](Value i, ValueRange) {
      Value row = queryRowAt(add(firstRow, i));
      Value previous = memref::LoadOp::create(
          b, loc, previousLse, ValueRange{add(headRowBase, row)});
      Value seen = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                         previous, minusInf);
      memref::StoreOp::create(b, loc, previous, runningMax, ValueRange{i});
      memref::StoreOp::create(b, loc,
                              arith::SelectOp::create(b, loc, seen, one, zero),
                              runningSum, ValueRange{i});
      Value rowBase = add(queryBase, mul(row, headDim));
      loop(idx(0), headDim, 1, {}, [&](Value d, ValueRange) {
        Value o =
            memref::LoadOp::create(b, loc, out, ValueRange{add(rowBase, d)});
        memref::StoreOp::create(b, loc, o, accumulator, ValueRange{d, i});
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
  }

  /// The scheduled key blocks (ScheduleLoops.h); the state lives in the
  /// scratch buffers.
  void visitKeyBlocks() {
    ScheduledQueryBlock block{
        spec.pattern, spec.banded,   spec.tileQ, spec.tileK, tables,
        queryBlock,   firstPosition, rows,       nq,         nk};
    buildScheduledKeyBlockLoops(b, loc, block, {},
                                [&](Value kb, bool masked, ValueRange) {
                                  processKeyBlock(kb, masked);
                                  return SmallVector<Value>{};
                                });
  }

  /// One key block: scores, online softmax update, accumulation.
  void processKeyBlock(Value kb, bool masked) {
    Value firstKey = mul(kb, idx(spec.tileK));
    gatherKeyIndices(firstKey);
    SmallVector<Value> blockMax = computeScores(firstKey, masked);
    updateSoftmax(blockMax);
    accumulate(firstKey);
  }

  /// The query position of every lane, one vector per W rows: p0 + c * W +
  /// lane in the original order.
  SmallVector<Value> queryPositions(Value first) {
    SmallVector<APInt> iota;
    for (int64_t lane = 0; lane < spec.lanes; ++lane)
      iota.push_back(APInt(64, lane));
    auto indexVec = VectorType::get({spec.lanes}, b.getIndexType());
    Value laneIds = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(indexVec, ArrayRef<APInt>(iota)));
    SmallVector<Value> positions;
    for (int64_t c = 0; c < numVectors; ++c) {
      Value base = vector::BroadcastOp::create(b, loc, indexVec,
                                               add(first, idx(c * spec.lanes)));
      positions.push_back(arith::AddIOp::create(b, loc, base, laneIds));
    }
    return positions;
  }

  /// Under an order that permutes queries: the original positions of the
  /// tile's rows, once per work item.
  void computePermutedPositions() {
    if (!spec.order || !spec.order.permutesQueries())
      return;
    for (Value rowIds : queryPositions(firstRow))
      permutedPositions.push_back(
          buildOriginalPositions(spec.order, b, loc, rowIds, nq, nk));
  }

  /// Under a token order: keyIndex[j] = the original key of permuted key
  /// firstKey + j (clamped at Nk - 1), once per key block, for the score and
  /// the accumulation loops.
  void gatherKeyIndices(Value firstKey) {
    if (!spec.order)
      return;
    Value lastKey = sub(nk, idx(1));
    loop(idx(0), idx(spec.tileK), 1, {}, [&](Value j, ValueRange) {
      Value key =
          spec.order.buildKey(b, loc, minIndex(add(firstKey, j), lastKey), nk);
      memref::StoreOp::create(b, loc, key, keyIndex, ValueRange{j});
      return SmallVector<Value>{};
    });
  }

  /// The original key of key `offset` of the block at firstKey, clamped at
  /// Nk - 1.
  Value blockKey(Value firstKey, Value offset) {
    if (spec.order)
      return memref::LoadOp::create(b, loc, keyIndex, ValueRange{offset});
    return minIndex(add(firstKey, offset), sub(nk, idx(1)));
  }

  /// ST[j][:] = K[j0 + j] . QT, masked; 4 key rows at a time. Returns the
  /// block's max over keys, per query lane. Keys past Nk (the last block)
  /// only occur in masked blocks: attn-sparsify never lists that block as
  /// full.
  SmallVector<Value> computeScores(Value firstKey, bool masked) {
    SmallVector<Value> lanePositions;
    if (masked)
      lanePositions = permutedPositions.empty() ? queryPositions(firstPosition)
                                                : permutedPositions;
    SmallVector<Value> initialMax(numVectors, negInf());
    return loop(
        idx(0), idx(spec.tileK), kMicroRows, initialMax,
        [&](Value jg, ValueRange maxSoFar) {
          SmallVector<Value> blockMax(maxSoFar);
          SmallVector<Value> keyRows;
          for (int64_t r = 0; r < kMicroRows; ++r) {
            Value key = blockKey(firstKey, add(jg, idx(r)));
            keyRows.push_back(add(keyBase, mul(key, headDim)));
          }
          SmallVector<Value> zeros(kMicroRows * numVectors, splat(0.0));
          SmallVector<Value> acc =
              loop(idx(0), headDim, 1, zeros, [&](Value d, ValueRange accs) {
                SmallVector<Value> queries, next(accs);
                for (int64_t c = 0; c < numVectors; ++c)
                  queries.push_back(load(queryTile, {d, idx(c * spec.lanes)}));
                for (int64_t r = 0; r < kMicroRows; ++r) {
                  Value key = memref::LoadOp::create(
                      b, loc, k, ValueRange{add(keyRows[r], d)});
                  Value broadcast =
                      vector::BroadcastOp::create(b, loc, vecType, key);
                  for (int64_t c = 0; c < numVectors; ++c) {
                    Value &a = next[r * numVectors + c];
                    a = vector::FMAOp::create(b, loc, broadcast, queries[c], a);
                  }
                }
                return next;
              });
          Value minusInf = negInf();
          for (int64_t r = 0; r < kMicroRows; ++r) {
            Value row = add(jg, idx(r));
            Value key = add(firstKey, row);
            Value valid;
            if (masked)
              valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            key, nk);
            // The pattern sees the original key (clamped: keys past Nk are
            // dropped by `valid`).
            Value originalKey;
            if (masked)
              originalKey = blockKey(firstKey, row);
            for (int64_t c = 0; c < numVectors; ++c) {
              Value score = acc[r * numVectors + c];
              if (masked) {
                Value kept =
                    buildMaskPredicate(spec.pattern, b, loc, lanePositions[c],
                                       originalKey, nq, nk);
                score = arith::SelectOp::create(b, loc, kept, score, minusInf);
                score = arith::SelectOp::create(b, loc, valid, score, minusInf);
              }
              store(score, scoreTile, {row, idx(c * spec.lanes)});
              blockMax[c] = maxOf(blockMax[c], score);
            }
          }
          return blockMax;
        });
  }

  /// m, l and ST become the online-softmax state and probabilities; the
  /// rescale factors alpha go to `rescale` for accumulate().
  void updateSoftmax(ArrayRef<Value> blockMax) {
    Value minusInf = negInf(), zero = splat(0.0);
    for (int64_t c = 0; c < numVectors; ++c) {
      Value lane = idx(c * spec.lanes);
      Value oldMax = load(runningMax, {lane});
      Value newMax = maxOf(oldMax, blockMax[c]);
      Value stillMasked = arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::OEQ, newMax, minusInf);
      Value safeMax =
          arith::SelectOp::create(b, loc, stillMasked, zero, newMax);
      Value alpha = math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, oldMax, safeMax));
      Value blockSum =
          loop(idx(0), idx(spec.tileK), 1, {zero},
               [&](Value j, ValueRange sum) -> SmallVector<Value> {
                 Value s = load(scoreTile, {j, lane});
                 Value p = math::ExpOp::create(
                     b, loc, arith::SubFOp::create(b, loc, s, safeMax));
                 store(p, scoreTile, {j, lane});
                 return {arith::AddFOp::create(b, loc, sum[0], p)};
               })[0];
      Value oldSum = load(runningSum, {lane});
      Value newSum = vector::FMAOp::create(b, loc, oldSum, alpha, blockSum);
      store(newSum, runningSum, {lane});
      store(newMax, runningMax, {lane});
      store(alpha, rescale, {lane});
    }
  }

  /// OT[d][:] = OT[d][:] * alpha + sum_j V[j0 + j][d] * ST[j][:], 4 rows of
  /// OT at a time, then the remaining D mod 4 rows.
  void accumulate(Value firstKey) {
    SmallVector<Value> alphas;
    for (int64_t c = 0; c < numVectors; ++c)
      alphas.push_back(load(rescale, {idx(c * spec.lanes)}));
    int64_t mainRows = spec.headDim - spec.headDim % kMicroRows;
    accumulateRows(firstKey, alphas, 0, mainRows, kMicroRows);
    if (mainRows < spec.headDim)
      accumulateRows(firstKey, alphas, mainRows, spec.headDim,
                     spec.headDim - mainRows);
  }

  void accumulateRows(Value firstKey, ArrayRef<Value> alphas, int64_t from,
                      int64_t to, int64_t rowsPerStep) {
    loop(idx(from), idx(to), rowsPerStep, {}, [&](Value dg, ValueRange) {
      SmallVector<Value> init;
      for (int64_t r = 0; r < rowsPerStep; ++r)
        for (int64_t c = 0; c < numVectors; ++c) {
          Value o = load(accumulator, {add(dg, idx(r)), idx(c * spec.lanes)});
          init.push_back(arith::MulFOp::create(b, loc, o, alphas[c]));
        }
      SmallVector<Value> acc =
          loop(idx(0), idx(spec.tileK), 1, init, [&](Value j, ValueRange accs) {
            SmallVector<Value> probs, next(accs);
            for (int64_t c = 0; c < numVectors; ++c)
              probs.push_back(load(scoreTile, {j, idx(c * spec.lanes)}));
            Value key = blockKey(firstKey, j);
            Value rowBase = add(add(keyBase, mul(key, headDim)), dg);
            for (int64_t r = 0; r < rowsPerStep; ++r) {
              Value value = memref::LoadOp::create(
                  b, loc, v, ValueRange{add(rowBase, idx(r))});
              Value broadcast =
                  vector::BroadcastOp::create(b, loc, vecType, value);
              for (int64_t c = 0; c < numVectors; ++c) {
                Value &a = next[r * numVectors + c];
                a = vector::FMAOp::create(b, loc, broadcast, probs[c], a);
              }
            }
            return next;
          });
      for (int64_t r = 0; r < rowsPerStep; ++r)
        for (int64_t c = 0; c < numVectors; ++c)
          store(acc[r * numVectors + c], accumulator,
                {add(dg, idx(r)), idx(c * spec.lanes)});
      return SmallVector<Value>{};
    });
  }

  /// O[i0 + i][d] = OT[d][i] / l[i], 0 where l = 0; with an lse result,
  /// lse[i0 + i] = m[i] + ln l[i], -inf where l = 0.
  void storeOutput() {
    Value zero = splat(0.0), one = splat(1.0);
    for (int64_t c = 0; c < numVectors; ++c) {
      Value lane = idx(c * spec.lanes);
      Value sum = load(runningSum, {lane});
      Value empty =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, zero);
      if (lse) {
        // The row's lse replaces its running max, which is not read again.
        Value logSum = math::LogOp::create(b, loc, sum);
        Value value =
            arith::AddFOp::create(b, loc, load(runningMax, {lane}), logSum);
        store(arith::SelectOp::create(b, loc, empty, negInf(), value),
              runningMax, {lane});
      }
      Value inverse = arith::SelectOp::create(
          b, loc, empty, zero, arith::DivFOp::create(b, loc, one, sum));
      store(inverse, runningSum, {lane});
    }
    loop(idx(0), rows, 1, {}, [&](Value i, ValueRange) {
      // Each row goes back to its original place.
      Value row = queryRowAt(add(firstRow, i));
      if (lse)
        memref::StoreOp::create(
            b, loc, memref::LoadOp::create(b, loc, runningMax, ValueRange{i}),
            lse, ValueRange{add(headRowBase, row)});
      Value inverse = memref::LoadOp::create(b, loc, runningSum, ValueRange{i});
      Value rowBase = add(queryBase, mul(row, headDim));
      loop(idx(0), headDim, 1, {}, [&](Value d, ValueRange) {
        Value o = memref::LoadOp::create(b, loc, accumulator, ValueRange{d, i});
        Value scaled = arith::MulFOp::create(b, loc, o, inverse);
        memref::StoreOp::create(b, loc, scaled, out,
                                ValueRange{add(rowBase, d)});
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
  }

  OpBuilder &b;
  Location loc;
  const KernelSpec &spec;
  Type f32;
  VectorType vecType;
  int64_t numVectors;

  // Arguments.
  Value q, k, v, out, lse, tables, batch, heads, kvHeads, nq, nk, begin, end;
  /// In a stage after the first: the lse the stages before wrote.
  Value previousLse;
  // Loop-invariant values and scratch buffers.
  Value positionOffset, headDim;
  Value queryTile, scoreTile, accumulator, runningMax, runningSum, rescale;
  /// Under a token order: the original keys of the current key block.
  Value keyIndex;
  // Per work item.
  Value queryBlock, headRowBase, queryBase, keyBase, firstRow, rows,
      firstPosition;
  /// Under an order that permutes queries: the original positions.
  SmallVector<Value> permutedPositions;
};

struct AttnTilePass : public mlir::attn::impl::AttnTilePassBase<AttnTilePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp func : collectAttentionFunctions(module))
      if (failed(lower(module, func)))
        return signalPassFailure();
  }

  LogicalResult lower(ModuleOp module, func::FuncOp func) {
    FailureOr<KernelParts> ops = matchKernelFunction(func, "attn-tile");
    if (failed(ops))
      return failure();
    SmallVector<KernelSpec> specs;
    for (AttentionOp op : ops->parts) {
      FailureOr<KernelSpec> spec = specFor(func, op);
      if (failed(spec))
        return failure();
      specs.push_back(*spec);
    }
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Location loc = func.getLoc();
    std::string name = func.getSymName().str();
    b.setInsertionPoint(func);
    // At most one part has tables (matchKernelFunction).
    int64_t tableSize = 0;
    for (auto [op, spec] : llvm::zip(ops->parts, specs)) {
      DenseI32ArrayAttr tables = op.getScheduleAttr().getTables();
      if (!tables)
        continue;
      tableSize = tables.size();
      auto type = MemRefType::get({tableSize}, b.getI32Type());
      auto values = DenseElementsAttr::get(
          RankedTensorType::get({tableSize}, b.getI32Type()),
          tables.asArrayRef());
      std::string globalName = name + ".tables";
      memref::GlobalOp::create(b, loc, globalName, b.getStringAttr("private"),
                               type, values,
                               /*constant=*/true, /*alignment=*/nullptr);
      spec.staticTables = FlatSymbolRefAttr::get(ctx, globalName);
    }

    KernelAttr contract =
        buildAttentionKernelAttr(func, *ops, vectorWidth, /*threads=*/0);
    auto kernel = func::FuncOp::create(
        b, loc, name + ".kernel",
        b.getFunctionType(kernelParameterTypes(contract), {}));
    kernel->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
    kernel->setAttr(KernelAttr::getAttrName(), contract);
    if (contract.getSchedule() == ScheduleKind::Tables) {
      // The tables of a run-time N come from this generated function.
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(kernel);
      buildScheduleFunction(b, loc, name + ".schedule", contract.getPattern(),
                            contract.getTileQ(), contract.getTileK(),
                            vectorWidth, contract.getOrder());
    }

    Block *entry = kernel.addEntryBlock();
    b.setInsertionPointToStart(entry);
    KernelParameters at = kernelParametersOf(contract);
    for (auto [s, spec] : llvm::enumerate(specs)) {
      spec.resume = s > 0;
      spec.passesLse = s + 1 < specs.size();
      OpBuilder::InsertionGuard guard(b);
      if (specs.size() > 1) {
        // Stage s: the runtime runs every work item of it before the next.
        Value isStage = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, entry->getArgument(at.stage()),
            arith::ConstantIndexOp::create(b, loc, s));
        auto stage = scf::IfOp::create(b, loc, isStage,
                                       /*withElseRegion=*/false);
        b.setInsertionPointToStart(stage.thenBlock());
      }
      KernelBuilder builder(b, loc, spec, contract, entry);
      builder.staticTableSize = spec.staticTables ? tableSize : 0;
      builder.build();
    }
    func::ReturnOp::create(b, loc);

    func.erase();
    kernel.setSymName(name);
    return success();
  }

  /// The kernel of one part, after checking that the CPU kernels can run it.
  FailureOr<KernelSpec> specFor(func::FuncOp func, AttentionOp op) {
    Type element = op.getQ().getType().getElementType();
    if (!element.isF32()) {
      std::string name;
      llvm::raw_string_ostream(name) << element;
      return func.emitError() << "attn-tile: @" << func.getSymName() << " uses "
                              << name << "; the CPU kernels support f32 only";
    }
    ScheduleAttr schedule = op.getScheduleAttr();
    if (vectorWidth < 1 || vectorWidth > 64)
      return op.emitError()
             << "attn-tile: vector-width must be in [1, 64], got "
             << int64_t(vectorWidth);
    if (schedule.getTileQ() % vectorWidth != 0 ||
        schedule.getTileK() % kMicroRows != 0)
      return op.emitError() << "attn-tile: tile_q (" << schedule.getTileQ()
                            << ") must be a multiple of the vector width ("
                            << int64_t(vectorWidth) << ") and tile_k ("
                            << schedule.getTileK() << ") of " << kMicroRows;

    // The scratch tiles live on the stack of the calling thread.
    int64_t headDim = op.getQ().getType().getDimSize(3);
    int64_t scratchBytes =
        4 * (schedule.getTileQ() * schedule.getTileK() +
             2 * headDim * schedule.getTileQ() + 3 * schedule.getTileQ());
    if (scratchBytes > kMaxScratchBytes)
      return op.emitError()
             << "attn-tile: tiles of " << schedule.getTileQ() << " x "
             << schedule.getTileK() << " with D = " << headDim << " need "
             << scratchBytes / 1024
             << " KiB of scratch per thread; the limit is "
             << kMaxScratchBytes / 1024 << " KiB";
    return KernelSpec{schedule.getTileQ(),
                      schedule.getTileK(),
                      vectorWidth,
                      headDim,
                      op.getEffectiveScale(),
                      op.getEffectivePattern(),
                      schedule.isBanded(),
                      nullptr,
                      op.getOrderAttr()};
  }
};
} // namespace
