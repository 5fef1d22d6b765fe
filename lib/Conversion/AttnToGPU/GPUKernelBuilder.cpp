//===- GPUKernelBuilder.cpp - what the GPU kernels share ------------------===//

#include "GPUKernelBuilder.h"

#include "attn/Codegen/KernelFunction.h"
#include "attn/Codegen/ScheduleLoops.h"
#include "attn/Runtime/KernelAbi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attn;

GPUKernelBuilder::GPUKernelBuilder(OpBuilder &builder, Location loc,
                                   const GPUKernelSpec &spec,
                                   gpu::GPUFuncOp func)
    : b(builder), loc(loc), spec(spec) {
  f32 = b.getF32Type();
  Block &entry = func.getBody().front();
  const KernelParameters &at = spec.parameters;
  q = entry.getArgument(at.tensor(0));
  k = entry.getArgument(at.tensor(1));
  v = entry.getArgument(at.tensor(2));
  out = entry.getArgument(at.tensor(3));
  if (spec.hasLse)
    lse = entry.getArgument(at.tensor(4));
  tables = entry.getArgument(at.tables());
  batch = entry.getArgument(at.size(::attn::kSizeBatch));
  heads = entry.getArgument(at.size(::attn::kSizeHeads));
  kvHeads = entry.getArgument(at.size(::attn::kSizeKvHeads));
  nq = entry.getArgument(at.size(::attn::kSizeQueries));
  nk = entry.getArgument(at.size(::attn::kSizeKeys));
  sharedKeys = func.getWorkgroupAttributions()[0];
  sharedValues = func.getWorkgroupAttributions()[1];
  if (!func.getPrivateAttributions().empty())
    privateScratch = func.getPrivateAttributions()[0];
}

void GPUKernelBuilder::build() {
  // Work item w = block x: (batch, head, query block), as on the CPU.
  Value w = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  threadId = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value numQueryBlocks =
      arith::CeilDivUIOp::create(b, loc, nq, idx(spec.tileQ));
  Value group = arith::DivUIOp::create(b, loc, heads, kvHeads);
  Value headRow = arith::DivUIOp::create(b, loc, w, numQueryBlocks);
  queryBlock = arith::RemUIOp::create(b, loc, w, numQueryBlocks);
  Value bIndex = arith::DivUIOp::create(b, loc, headRow, heads);
  Value h = arith::RemUIOp::create(b, loc, headRow, heads);
  Value hk = arith::DivUIOp::create(b, loc, h, group);
  Value headDim = idx(spec.headDim);
  rowBase = mul(add(mul(bIndex, heads), h), nq);
  queryBase = mul(rowBase, headDim);
  keyBase = mul(mul(add(mul(bIndex, kvHeads), hk), nk), headDim);
  firstRow = mul(queryBlock, idx(spec.tileQ));
  rows = arith::MinUIOp::create(b, loc, idx(spec.tileQ), sub(nq, firstRow));
  firstPosition = add(sub(nk, nq), firstRow);
  buildBody();
}

Value GPUKernelBuilder::idx(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}
Value GPUKernelBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value GPUKernelBuilder::sub(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}
Value GPUKernelBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value GPUKernelBuilder::minIndex(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}
Value GPUKernelBuilder::f32Constant(double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}
Value GPUKernelBuilder::maxOf(Value x, Value y) {
  return arith::MaxNumFOp::create(b, loc, x, y, arith::FastMathFlags::nnan);
}
Value GPUKernelBuilder::safeMax(Value max) {
  Value stillMasked =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max, negInf());
  return arith::SelectOp::create(b, loc, stillMasked, f32Constant(0.0), max);
}
Value GPUKernelBuilder::exp2(Value x) {
  return math::Exp2Op::create(b, loc, x);
}

Value GPUKernelBuilder::log2(Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, loc, f32, b.getStringAttr("llvm.nvvm.lg2.approx.f"),
             ValueRange{x})
      .getResult(0);
}

Value GPUKernelBuilder::logSumExp(Value max, Value sum) {
  Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum,
                                      f32Constant(0.0));
  Value value = arith::MulFOp::create(
      b, loc, arith::AddFOp::create(b, loc, max, log2(sum)),
      f32Constant(1.0 / kLog2E));
  return arith::SelectOp::create(b, loc, empty, negInf(), value);
}

Value GPUKernelBuilder::keyRowOffset(Value key) {
  Value row = minIndex(key, sub(nk, idx(1)));
  return add(keyBase, mul(row, idx(spec.headDim)));
}

void GPUKernelBuilder::stageKeyValueTiles(Value firstKey, int64_t vectorWidth) {
  gpu::BarrierOp::create(b, loc);
  int64_t chunksPerRow = spec.headDim / vectorWidth;
  int64_t chunks = spec.tileK * chunksPerRow;
  auto type = VectorType::get({vectorWidth}, spec.element);
  int64_t bytes = vectorWidth * spec.element.getIntOrFloatBitWidth() / 8;
  auto alignment = b.getI64IntegerAttr(bytes);
  scf::ForOp::create(
      b, loc, threadId, idx(chunks), idx(spec.threads), ValueRange{},
      [&](OpBuilder &, Location, Value c, ValueRange) {
        Value j = arith::DivUIOp::create(b, loc, c, idx(chunksPerRow));
        Value column = mul(arith::RemUIOp::create(b, loc, c, idx(chunksPerRow)),
                           idx(vectorWidth));
        Value from = add(keyRowOffset(add(firstKey, j)), column);
        Value to = add(mul(j, idx(spec.sharedRowStride)), column);
        for (auto [global, shared] :
             {std::pair{k, sharedKeys}, std::pair{v, sharedValues}}) {
          auto load = vector::LoadOp::create(b, loc, type, global, from);
          load.setAlignmentAttr(alignment);
          auto store = vector::StoreOp::create(b, loc, load, shared, to);
          store.setAlignmentAttr(alignment);
        }
        scf::YieldOp::create(b, loc);
      });
  gpu::BarrierOp::create(b, loc);
}

Value GPUKernelBuilder::maskScore(Value score, Value queryPosition, Value key) {
  Value kept =
      buildMaskPredicate(spec.pattern, b, loc, queryPosition, key, nq, nk);
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, key, nk);
  kept = arith::AndIOp::create(b, loc, kept, inside);
  return arith::SelectOp::create(b, loc, kept, score, negInf());
}

SmallVector<Value> GPUKernelBuilder::forEachKeyBlock(
    ValueRange state,
    function_ref<SmallVector<Value>(Value, bool, ValueRange)> body) {
  ScheduledQueryBlock block{
      spec.pattern, spec.banded,   spec.tileQ, spec.tileK, tables,
      queryBlock,   firstPosition, rows,       nq,         nk};
  return buildScheduledKeyBlockLoops(
      b, loc, block, state, [&](Value kb, bool masked, ValueRange current) {
        return body(mul(kb, idx(spec.tileK)), masked, current);
      });
}
