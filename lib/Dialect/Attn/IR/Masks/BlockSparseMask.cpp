//===- BlockSparseMask.cpp - an explicit block layout ---------------------===//
//
// DeepSpeed-style sparse attention: an M x M boolean layout over blocks of
// `block` positions. Positions outside the layout (a query before the first
// key, or a dynamic N beyond M blocks) are not computed.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;
using ::attn::floorDiv;

LogicalResult
BlockSparseAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t block, DenseIntElementsAttr layout) {
  if (block < 1 || block > ::attn::kMaxParameter)
    return emitError() << "parameter 'block' must be in [1, 2^62], got "
                       << block;
  auto type = llvm::cast<ShapedType>(layout.getType());
  if (!type.getElementType().isInteger(1) || type.getRank() != 2 ||
      type.getDimSize(0) != type.getDimSize(1) || type.getDimSize(0) < 1)
    return emitError() << "parameter 'layout' must be a non-empty square "
                          "tensor<MxMxi1>, got "
                       << type;
  return success();
}

int64_t BlockSparseAttr::getLayoutSize() const {
  return llvm::cast<ShapedType>(getLayout().getType()).getDimSize(0);
}

bool BlockSparseAttr::isBlockKept(int64_t qb, int64_t kb) const {
  int64_t m = getLayoutSize();
  if (qb < 0 || kb < 0 || qb >= m || kb >= m)
    return false;
  if (getLayout().isSplat())
    return getLayout().getSplatValue<bool>();
  return *(getLayout().value_begin<bool>() + (qb * m + kb));
}

LogicalResult
BlockSparseAttr::verifyExtent(function_ref<InFlightDiagnostic()> emitError,
                              int64_t, int64_t nk) const {
  if (ShapedType::isDynamic(nk))
    return success();
  int64_t expected = ::attn::ceilDiv(nk, getBlock());
  if (getLayoutSize() == expected)
    return success();
  return emitError() << "parameter 'layout' of #attn.block_sparse is "
                     << getLayoutSize() << "x" << getLayoutSize() << " but "
                     << nk << " keys in blocks of " << getBlock() << " need "
                     << expected << "x" << expected;
}

bool BlockSparseAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  return isBlockKept(floorDiv(p, getBlock()), j / getBlock());
}

Value BlockSparseAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                      Value j, Value nq, Value nk) const {
  if (auto type = llvm::dyn_cast<VectorType>(p.getType())) {
    // The layout lookup is a scalar load: evaluate lane by lane.
    Value result = arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(
            VectorType::get(type.getShape(), builder.getI1Type()), false));
    for (int64_t lane = 0; lane < type.getNumElements(); ++lane) {
      auto extract = [&](Value v) -> Value {
        return vector::ExtractOp::create(builder, loc, v, lane);
      };
      Value kept = buildPredicate(builder, loc, extract(p), extract(j),
                                  extract(nq), extract(nk));
      result = vector::InsertOp::create(builder, loc, kept, result, lane);
    }
    return result;
  }
  PredicateBuilder pb(builder, loc, p.getType());
  int64_t m = getLayoutSize();
  Value qb = pb.floorDiv(p, getBlock());
  Value kb = arith::DivSIOp::create(builder, loc, j, pb.index(getBlock()));
  Value inside = pb.andOf(pb.inRange(qb, 0, m - 1), pb.inRange(kb, 0, m - 1));
  // Read a clamped index so the load is always in bounds.
  Value zero = pb.index(0), last = pb.index(m - 1);
  Value row = pb.max(pb.min(qb, last), zero);
  Value column = pb.max(pb.min(kb, last), zero);
  Value table = arith::ConstantOp::create(builder, loc, getLayout());
  Value entry =
      tensor::ExtractOp::create(builder, loc, table, ValueRange{row, column});
  return pb.andOf(inside, entry);
}

BlockKind BlockSparseAttr::classifyTile(const Tile &tile, int64_t,
                                        int64_t) const {
  return classifyCells(tile, getBlock(), [&](int64_t qb, int64_t kb) {
    return isBlockKept(qb, kb);
  });
}

int64_t BlockSparseAttr::countPairs(int64_t nq, int64_t nk) const {
  int64_t block = getBlock(), m = getLayoutSize(), pBegin = nk - nq;
  // The positions of [begin, end) inside block b.
  auto overlap = [&](int64_t b, int64_t begin, int64_t end) {
    int64_t lo = std::max(::attn::satMul(b, block), begin);
    int64_t hi = std::min(::attn::satMul(b + 1, block), end);
    return ::attn::intervalLength(lo, hi);
  };
  int64_t total = 0;
  for (int64_t qb = 0; qb < m; ++qb) {
    int64_t rows = overlap(qb, pBegin, nk);
    if (rows == 0)
      continue;
    for (int64_t kb = 0; kb < m; ++kb)
      if (isBlockKept(qb, kb))
        total = ::attn::satAdd(total, ::attn::satMul(rows, overlap(kb, 0, nk)));
  }
  return total;
}
