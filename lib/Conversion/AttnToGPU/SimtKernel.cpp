//===- SimtKernel.cpp - the f32 attention kernel --------------------------===//
//
// f32 inputs, f32 throughout: thread i of the block owns query row i of the
// tile, keeps it (scaled by scale * log2(e)) and its output row in registers
// (D values each, so large D spills), and reads the shared K and V tiles,
// which every thread of the block reads at the same address (a broadcast).
// Per key block: scores into the thread's private scratch and the block max,
// then exp2, the sum and the accumulation in one pass.
//
//===----------------------------------------------------------------------===//

#include "GPUKernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

class SimtKernelBuilder : public GPUKernelBuilder {
public:
  using GPUKernelBuilder::GPUKernelBuilder;

private:
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value load(Value buffer, Value at) {
    return memref::LoadOp::create(b, loc, buffer, ValueRange{at});
  }

  void buildBody() override {
    int64_t d = spec.headDim;
    Value row = minIndex(add(firstRow, threadId), sub(nq, idx(1)));
    Value rowStart = add(queryBase, mul(row, idx(d)));
    Value scoreScale = f32Constant(spec.scale * kLog2E);
    for (int64_t c = 0; c < d; ++c)
      query.push_back(arith::MulFOp::create(
          b, loc, load(q, add(rowStart, idx(c))), scoreScale));

    // State: running max, running sum, then the D outputs.
    SmallVector<Value> state = {negInf(), f32Constant(0.0)};
    state.append(d, f32Constant(0.0));
    SmallVector<Value> final = forEachKeyBlock(
        state, [&](Value firstKey, bool masked, ValueRange current) {
          return processKeyBlock(firstKey, masked, current);
        });

    Value sum = final[1];
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum,
                                        f32Constant(0.0));
    Value inverse = arith::SelectOp::create(
        b, loc, empty, f32Constant(0.0),
        arith::DivFOp::create(b, loc, f32Constant(1.0), sum));
    Value outRow = add(firstRow, threadId);
    Value inside =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, outRow, nq);
    auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    if (lse)
      memref::StoreOp::create(b, loc, logSumExp(final[0], sum), lse,
                              ValueRange{add(rowBase, outRow)});
    Value outStart = add(queryBase, mul(outRow, idx(d)));
    for (int64_t c = 0; c < d; ++c)
      memref::StoreOp::create(
          b, loc, arith::MulFOp::create(b, loc, final[2 + c], inverse), out,
          ValueRange{add(outStart, idx(c))});
  }

  SmallVector<Value> processKeyBlock(Value firstKey, bool masked,
                                     ValueRange state) {
    int64_t d = spec.headDim;
    stageKeyValueTiles(firstKey, d % 4 == 0 ? 4 : 1);
    Value position = add(firstPosition, threadId);

    // Scores of the block's keys into the private scratch; their max.
    auto scoreLoop = scf::ForOp::create(
        b, loc, idx(0), idx(spec.tileK), idx(1), ValueRange{negInf()},
        [&](OpBuilder &, Location, Value j, ValueRange blockMax) {
          Value keyRow = mul(j, idx(spec.sharedRowStride));
          Value s = f32Constant(0.0);
          for (int64_t c = 0; c < d; ++c)
            s = fma(query[c], load(sharedKeys, add(keyRow, idx(c))), s);
          if (masked)
            s = maskScore(s, position, add(firstKey, j));
          memref::StoreOp::create(b, loc, s, privateScratch, ValueRange{j});
          scf::YieldOp::create(b, loc, maxOf(blockMax[0], s));
        });
    Value newMax = maxOf(state[0], scoreLoop.getResult(0));
    Value shift = safeMax(newMax);
    Value alpha = exp2(arith::SubFOp::create(b, loc, state[0], shift));

    SmallVector<Value> init = {arith::MulFOp::create(b, loc, state[1], alpha)};
    for (int64_t c = 0; c < d; ++c)
      init.push_back(arith::MulFOp::create(b, loc, state[2 + c], alpha));
    auto accumulate = scf::ForOp::create(
        b, loc, idx(0), idx(spec.tileK), idx(1), init,
        [&](OpBuilder &, Location, Value j, ValueRange acc) {
          Value p = exp2(
              arith::SubFOp::create(b, loc, load(privateScratch, j), shift));
          SmallVector<Value> next = {arith::AddFOp::create(b, loc, acc[0], p)};
          Value valueRow = mul(j, idx(spec.sharedRowStride));
          for (int64_t c = 0; c < d; ++c)
            next.push_back(
                fma(p, load(sharedValues, add(valueRow, idx(c))), acc[1 + c]));
          scf::YieldOp::create(b, loc, next);
        });
    SmallVector<Value> next = {newMax};
    next.append(accumulate.getResults().begin(), accumulate.getResults().end());
    return next;
  }

  SmallVector<Value> query;
};

} // namespace

void mlir::attn::buildSimtKernel(OpBuilder &builder, Location loc,
                                 const GPUKernelSpec &spec,
                                 gpu::GPUFuncOp func) {
  SimtKernelBuilder(builder, loc, spec, func).build();
}
