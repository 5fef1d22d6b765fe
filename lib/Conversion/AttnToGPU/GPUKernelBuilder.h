//===- GPUKernelBuilder.h - what the GPU kernels share ---------*- C++ -*-===//
//
// Private to convert-attn-to-gpu. A GPU kernel handles one work item of the
// (batch, head, query block) space per thread block, like a CPU work item:
// it finds its rows, then for every scheduled key block stages the K and V
// tiles in shared memory and hands them to the body of its kind (tensor-core
// MmaKernel.cpp or SIMT SimtKernel.cpp), which keeps the online-softmax
// state in registers.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H

#include "attn/Codegen/KernelFunction.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::attn {

/// What a GPU kernel is specialized for.
struct GPUKernelSpec {
  int64_t tileQ, tileK, headDim;
  double scale;
  MaskPatternAttrInterface pattern;
  bool banded;
  Type element;
  int64_t threads;
  /// Elements between consecutive rows of the shared K and V tiles.
  int64_t sharedRowStride;
  /// Whether the kernel also writes the row log-sum-exp.
  bool hasLse;
  /// Where the kernel function's parameters are (from its contract).
  KernelParameters parameters;
};

/// log2(e): the kernels use exp2 on scores pre-multiplied by it.
constexpr double kLog2E = 1.4426950408889634;

class GPUKernelBuilder {
public:
  GPUKernelBuilder(OpBuilder &builder, Location loc, const GPUKernelSpec &spec,
                   gpu::GPUFuncOp func);
  virtual ~GPUKernelBuilder() = default;

  /// Emits the whole kernel body.
  void build();

protected:
  /// The kind's body, called once the work item is decoded.
  virtual void buildBody() = 0;

  // Small helpers.
  Value idx(int64_t value);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value minIndex(Value x, Value y);
  Value f32Constant(double value);
  Value negInf() {
    return f32Constant(-std::numeric_limits<double>::infinity());
  }
  /// max without NaN fix-ups (scores are never NaN for finite inputs).
  Value maxOf(Value x, Value y);
  /// exp2(x - max), with 0 in place of a max of -inf (a row with no kept key
  /// so far), so no NaN appears.
  Value safeMax(Value max);
  Value exp2(Value x);
  /// log2 (PTX lg2.approx; MLIR's math.log2 would call libdevice).
  Value log2(Value x);
  /// The natural log-sum-exp of a row from its running max and sum in the
  /// kernels' log2 domain: (max + log2 sum) / log2(e); -inf for a sum of 0.
  Value logSumExp(Value max, Value sum);

  /// The offset of key row `key` (clamped to Nk - 1) of this work item's
  /// K or V, in elements.
  Value keyRowOffset(Value key);

  /// Barrier, then all threads copy key rows [firstKey, firstKey + tileK) of
  /// K and V (rows past Nk repeat the last one) into the shared tiles, then
  /// barrier. `vectorWidth` elements move per load.
  void stageKeyValueTiles(Value firstKey, int64_t vectorWidth);

  /// `score`, or -inf where the pair (query position, key) is dropped by
  /// the pattern or the key is past Nk.
  Value maskScore(Value score, Value queryPosition, Value key);

  /// The scheduled key blocks of this work item (ScheduleLoops.h).
  SmallVector<Value>
  forEachKeyBlock(ValueRange state,
                  function_ref<SmallVector<Value>(Value firstKey, bool masked,
                                                  ValueRange state)>
                      body);

  OpBuilder &b;
  Location loc;
  const GPUKernelSpec &spec;
  Type f32;

  // Arguments and attributions (lse only with spec.hasLse).
  Value q, k, v, out, lse, tables, batch, heads, kvHeads, nq, nk;
  Value sharedKeys, sharedValues, privateScratch;
  // Per thread and per work item.
  /// rowBase: the index of this work item's first lse entry (query row 0).
  Value threadId, queryBlock, rowBase, queryBase, keyBase, firstRow, rows,
      firstPosition;
};

/// Emits the tensor-core body (f16 / bf16).
void buildMmaKernel(OpBuilder &builder, Location loc, const GPUKernelSpec &spec,
                    gpu::GPUFuncOp func);
/// Emits the SIMT body (f32).
void buildSimtKernel(OpBuilder &builder, Location loc,
                     const GPUKernelSpec &spec, gpu::GPUFuncOp func);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H
