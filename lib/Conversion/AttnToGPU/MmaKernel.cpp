//===- MmaKernel.cpp - the tensor-core attention kernel -------------------===//
//
// f16 / bf16 inputs, f32 accumulation, FlashAttention-2's work split: each
// warp owns 16 query rows and every product is an m16n8k16 mma.sync
// (row.col). With g = lane / 4 and t = lane % 4, a thread holds
//   A (16x16):  rows g and g+8, columns 2t, 2t+1 and 2t+8, 2t+9   (4 pairs)
//   B (16x8):   rows 2t, 2t+1 and 2t+8, 2t+9 of column g           (2 pairs)
//   C (16x8):   rows g and g+8, columns 2t and 2t+1                (4 f32)
// so
//   S = Q Kᵀ: A pairs are consecutive elements of a Q row, B pairs
//             consecutive elements of a K row (K row-major is B col-major);
//   O += P V: the C fragments of two neighbouring 8-key score tiles are
//             exactly the A fragment of P for those 16 keys, so P never
//             leaves registers; B pairs are two V rows of one column.
// A row's max and sum combine the 4 threads of a quad (shuffle xor 1, 2).
// Sums stay per thread until the end (every thread of a quad rescales by the
// same factor). Scores are multiplied by scale * log2(e) and exponentiated
// with exp2.
//
//===----------------------------------------------------------------------===//

#include "GPUKernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Accumulator fragment: the 4 f32 of one m16n8 tile.
using Fragment = SmallVector<Value, 4>;

class MmaKernelBuilder : public GPUKernelBuilder {
public:
  using GPUKernelBuilder::GPUKernelBuilder;

private:
  void buildBody() override {
    isBF16 = spec.element.isBF16();
    pairType = VectorType::get({2}, spec.element);
    Value warp = arith::DivUIOp::create(b, loc, threadId, idx(32));
    Value lane = arith::RemUIOp::create(b, loc, threadId, idx(32));
    group = arith::DivUIOp::create(b, loc, lane, idx(4));
    quadLane = arith::RemUIOp::create(b, loc, lane, idx(4));
    Value warpRow = add(mul(warp, idx(16)), group);
    rowInTile[0] = warpRow;
    rowInTile[1] = add(warpRow, idx(8));
    loadQueryFragments();

    // State: running max and sum for rows g and g+8, then the output
    // fragments (D / 8 tiles of 4).
    SmallVector<Value> state = {negInf(), negInf(), f32Constant(0.0),
                                f32Constant(0.0)};
    for (int64_t i = 0; i < spec.headDim / 2; ++i)
      state.push_back(f32Constant(0.0));
    SmallVector<Value> final = forEachKeyBlock(
        state, [&](Value firstKey, bool masked, ValueRange current) {
          return processKeyBlock(firstKey, masked, current);
        });
    storeOutput(final);
  }

  /// A pair of elements as an mma operand: vector<2xf16>, or i32 for bf16.
  Value operand(Value pair) {
    if (!isBF16)
      return pair;
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  }
  Value loadPair(Value buffer, Value at) {
    auto load = vector::LoadOp::create(b, loc, pairType, buffer, at);
    load.setAlignmentAttr(b.getI64IntegerAttr(4));
    return load;
  }
  /// Two f32 as an operand of the element type.
  Value pack(Value x, Value y) {
    Value lo = arith::TruncFOp::create(b, loc, spec.element, x);
    Value hi = arith::TruncFOp::create(b, loc, spec.element, y);
    return vector::FromElementsOp::create(b, loc, pairType, ValueRange{lo, hi});
  }

  Fragment mma(ArrayRef<Value> a, ArrayRef<Value> bOperands,
               ArrayRef<Value> c) {
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    NVVM::MMATypes type = isBF16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    auto op = NVVM::MmaOp::create(
        b, loc, resultType, a, bOperands, c, ArrayRef<int64_t>{16, 8, 16},
        std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    Fragment result;
    for (int64_t i = 0; i < 4; ++i)
      result.push_back(LLVM::ExtractValueOp::create(b, loc, op, i));
    return result;
  }

  /// The A fragments of this warp's 16 query rows, one per 16 columns of D.
  void loadQueryFragments() {
    Value lastRow = sub(nq, idx(1));
    Value rowStart[2];
    for (int h = 0; h < 2; ++h)
      rowStart[h] =
          add(queryBase, mul(minIndex(add(firstRow, rowInTile[h]), lastRow),
                             idx(spec.headDim)));
    Value column = mul(quadLane, idx(2));
    for (int64_t ks = 0; ks < spec.headDim / 16; ++ks)
      for (int64_t half = 0; half < 2; ++half)
        for (int h = 0; h < 2; ++h)
          queryFragments.push_back(operand(loadPair(
              q, add(rowStart[h], add(column, idx(ks * 16 + half * 8))))));
  }

  /// Max (or sum) over the 4 threads of a quad.
  Value quadReduce(Value x, bool isMax) {
    for (int32_t offset : {1, 2}) {
      Value other =
          gpu::ShuffleOp::create(b, loc, x, offset, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      x = isMax ? maxOf(x, other)
                : Value(arith::AddFOp::create(b, loc, x, other));
    }
    return x;
  }

  SmallVector<Value> processKeyBlock(Value firstKey, bool masked,
                                     ValueRange state) {
    stageKeyValueTiles(firstKey, 8);
    int64_t keyTiles = spec.tileK / 8, dTiles = spec.headDim / 8;
    int64_t stride = spec.sharedRowStride;
    Value column = mul(quadLane, idx(2));

    // S = Q Kᵀ, scaled into the exp2 domain.
    Value scoreScale = f32Constant(spec.scale * kLog2E);
    SmallVector<Fragment> scores;
    for (int64_t n = 0; n < keyTiles; ++n) {
      Value keyRow = mul(add(group, idx(n * 8)), idx(stride));
      Fragment c(4, f32Constant(0.0));
      for (int64_t ks = 0; ks < spec.headDim / 16; ++ks) {
        Value at = add(keyRow, add(column, idx(ks * 16)));
        Value b0 = operand(loadPair(sharedKeys, at));
        Value b1 = operand(loadPair(sharedKeys, add(at, idx(8))));
        c = mma(ArrayRef<Value>(queryFragments).slice(ks * 4, 4), {b0, b1}, c);
      }
      for (Value &s : c)
        s = arith::MulFOp::create(b, loc, s, scoreScale);
      if (masked)
        for (int64_t e = 0; e < 4; ++e) {
          Value position = add(firstPosition, rowInTile[e / 2]);
          Value key = add(firstKey, add(column, idx(n * 8 + e % 2)));
          c[e] = maskScore(c[e], position, key);
        }
      scores.push_back(c);
    }

    // Online softmax for rows g (h = 0) and g+8 (h = 1).
    Value alpha[2], newMax[2], sums[2];
    for (int h = 0; h < 2; ++h) {
      Value blockMax = negInf();
      for (const Fragment &c : scores)
        blockMax = maxOf(blockMax, maxOf(c[2 * h], c[2 * h + 1]));
      newMax[h] = maxOf(state[h], quadReduce(blockMax, /*isMax=*/true));
      Value shift = safeMax(newMax[h]);
      alpha[h] = exp2(arith::SubFOp::create(b, loc, state[h], shift));
      Value sum = f32Constant(0.0);
      for (Fragment &c : scores)
        for (int64_t e = 2 * h; e < 2 * h + 2; ++e) {
          c[e] = exp2(arith::SubFOp::create(b, loc, c[e], shift));
          sum = arith::AddFOp::create(b, loc, sum, c[e]);
        }
      Value rescaled = arith::MulFOp::create(b, loc, state[2 + h], alpha[h]);
      sums[h] = arith::AddFOp::create(b, loc, rescaled, sum);
    }

    SmallVector<Fragment> output;
    for (int64_t dn = 0; dn < dTiles; ++dn) {
      Fragment o;
      for (int64_t e = 0; e < 4; ++e)
        o.push_back(
            arith::MulFOp::create(b, loc, state[4 + dn * 4 + e], alpha[e / 2]));
      output.push_back(o);
    }

    // O += P V, 16 keys at a time.
    for (int64_t kk = 0; kk < spec.tileK / 16; ++kk) {
      const Fragment &left = scores[2 * kk], &right = scores[2 * kk + 1];
      SmallVector<Value> a = {
          operand(pack(left[0], left[1])), operand(pack(left[2], left[3])),
          operand(pack(right[0], right[1])), operand(pack(right[2], right[3]))};
      Value keyRow = mul(add(column, idx(kk * 16)), idx(stride));
      for (int64_t dn = 0; dn < dTiles; ++dn) {
        Value at = add(keyRow, add(group, idx(dn * 8)));
        auto valuePair = [&](int64_t rowOffset) {
          Value first = memref::LoadOp::create(
              b, loc, sharedValues, ValueRange{add(at, idx(rowOffset))});
          Value second = memref::LoadOp::create(
              b, loc, sharedValues,
              ValueRange{add(at, idx(rowOffset + stride))});
          return operand(vector::FromElementsOp::create(
              b, loc, pairType, ValueRange{first, second}));
        };
        output[dn] = mma(a, {valuePair(0), valuePair(8 * stride)}, output[dn]);
      }
    }

    SmallVector<Value> next = {newMax[0], newMax[1], sums[0], sums[1]};
    for (const Fragment &o : output)
      next.append(o.begin(), o.end());
    return next;
  }

  /// O / l for the rows inside Nq; 0 where l = 0 (a fully masked row).
  void storeOutput(ArrayRef<Value> state) {
    Value column = mul(quadLane, idx(2));
    for (int h = 0; h < 2; ++h) {
      Value sum = quadReduce(state[2 + h], /*isMax=*/false);
      Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          sum, f32Constant(0.0));
      Value inverse = arith::SelectOp::create(
          b, loc, empty, f32Constant(0.0),
          arith::DivFOp::create(b, loc, f32Constant(1.0), sum));
      Value row = add(firstRow, rowInTile[h]);
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, nq);
      auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      if (lse) {
        // The quad's 4 threads hold the same row max and sum: one stores.
        Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            quadLane, idx(0));
        auto store = scf::IfOp::create(b, loc, first, false);
        OpBuilder::InsertionGuard storeGuard(b);
        b.setInsertionPointToStart(store.thenBlock());
        memref::StoreOp::create(b, loc, logSumExp(state[h], sum), lse,
                                ValueRange{add(rowBase, row)});
      }
      Value rowStart = add(queryBase, mul(row, idx(spec.headDim)));
      for (int64_t dn = 0; dn < spec.headDim / 8; ++dn) {
        Value x =
            arith::MulFOp::create(b, loc, state[4 + dn * 4 + 2 * h], inverse);
        Value y = arith::MulFOp::create(b, loc, state[4 + dn * 4 + 2 * h + 1],
                                        inverse);
        auto store = vector::StoreOp::create(
            b, loc, pack(x, y), out, add(rowStart, add(column, idx(dn * 8))));
        store.setAlignmentAttr(b.getI64IntegerAttr(4));
      }
    }
  }

  bool isBF16 = false;
  VectorType pairType;
  Value group, quadLane, rowInTile[2];
  /// Per 16 columns of D: a0..a3 (rows g, g+8 at columns 2t; then at 2t+8).
  SmallVector<Value> queryFragments;
};

} // namespace

void mlir::attn::buildMmaKernel(OpBuilder &builder, Location loc,
                                const GPUKernelSpec &spec,
                                gpu::GPUFuncOp func) {
  MmaKernelBuilder(builder, loc, spec, func).build();
}
