//===- MaskUtils.cpp - helpers shared by the mask patterns ----------------===//

#include "MaskUtils.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;
using ::attn::clampTo;
using ::attn::satAdd;
using ::attn::satSub;

BlockKind patterns::classifyBand(const Tile &tile, int64_t lo, int64_t hi) {
  DifferenceRange d = differenceRange(tile);
  // Every difference in [d.low, d.high] occurs in the tile.
  if (d.high < lo || d.low > hi)
    return BlockKind::Empty;
  if (lo <= d.low && d.high <= hi)
    return BlockKind::Full;
  return BlockKind::Partial;
}

KeyBounds patterns::bandKeyBounds(int64_t p0, int64_t p1, int64_t lo,
                                  int64_t hi, int64_t nk) {
  // Row p keeps [p + lo, p + hi]: the union over the run is
  // [p0 + lo, p1 - 1 + hi], the intersection [p1 - 1 + lo, p0 + hi].
  auto clip = [&](int64_t x) { return clampTo(x, 0, nk); };
  KeyBounds bounds;
  bounds.begin = clip(satAdd(p0, lo));
  bounds.end = std::max(bounds.begin, clip(satAdd(satAdd(p1 - 1, hi), 1)));
  bounds.fullBegin = clip(satAdd(p1 - 1, lo));
  bounds.fullEnd = std::max(bounds.fullBegin, clip(satAdd(satAdd(p0, hi), 1)));
  return bounds;
}

int64_t patterns::bandRowCount(int64_t p, int64_t lo, int64_t hi, int64_t nk) {
  int64_t first = clampTo(satAdd(p, lo), 0, nk);
  int64_t last = clampTo(satAdd(satAdd(p, hi), 1), 0, nk);
  return ::attn::intervalLength(first, last);
}

//===----------------------------------------------------------------------===//
// PredicateBuilder
//===----------------------------------------------------------------------===//

int64_t PredicateBuilder::laneCount(Type type) {
  if (auto vector = llvm::dyn_cast<VectorType>(type))
    return vector.getNumElements();
  return 0;
}

Type PredicateBuilder::shaped(Type element) const {
  if (lanes == 0)
    return element;
  return VectorType::get({lanes}, element);
}

Value PredicateBuilder::constant(Type element, int64_t value) {
  Type type = shaped(element);
  TypedAttr attr = element.isIndex()
                       ? TypedAttr(b.getIndexAttr(value))
                       : TypedAttr(b.getIntegerAttr(
                             element, APInt(element.getIntOrFloatBitWidth(),
                                            uint64_t(value), true)));
  if (lanes > 0)
    attr = DenseElementsAttr::get(llvm::cast<ShapedType>(type),
                                  ArrayRef<Attribute>(attr));
  return arith::ConstantOp::create(b, loc, type, attr);
}

Value PredicateBuilder::index(int64_t value) {
  return constant(b.getIndexType(), value);
}

Value PredicateBuilder::boolean(bool value) {
  return constant(b.getI1Type(), value ? 1 : 0);
}

Value PredicateBuilder::i64(uint64_t value) {
  return constant(b.getI64Type(), int64_t(value));
}

Value PredicateBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}

Value PredicateBuilder::sub(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}

Value PredicateBuilder::floorDiv(Value x, int64_t divisor) {
  return arith::FloorDivSIOp::create(b, loc, x, index(divisor));
}

Value PredicateBuilder::ceilDiv(Value x, int64_t divisor) {
  return arith::CeilDivSIOp::create(b, loc, x, index(divisor));
}

Value PredicateBuilder::rem(Value x, int64_t divisor) {
  return arith::RemSIOp::create(b, loc, x, index(divisor));
}

Value PredicateBuilder::min(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}

Value PredicateBuilder::max(Value x, Value y) {
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value PredicateBuilder::cmp(arith::CmpIPredicate predicate, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, predicate, x, y);
}

Value PredicateBuilder::inRange(Value x, int64_t lo, int64_t hi) {
  return andOf(ge(x, index(lo)), le(x, index(hi)));
}

Value PredicateBuilder::andOf(Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}

Value PredicateBuilder::orOf(Value x, Value y) {
  return arith::OrIOp::create(b, loc, x, y);
}

Value PredicateBuilder::divU(Value x, Value y) {
  return arith::DivUIOp::create(b, loc, x, y);
}

Value PredicateBuilder::remU(Value x, Value y) {
  return arith::RemUIOp::create(b, loc, x, y);
}

Value PredicateBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}

Value PredicateBuilder::select(Value condition, Value x, Value y) {
  return arith::SelectOp::create(b, loc, condition, x, y);
}

Value PredicateBuilder::toI64(Value x) {
  return arith::IndexCastOp::create(b, loc, shaped(b.getI64Type()), x);
}

Value PredicateBuilder::toIndex(Value x) {
  return arith::IndexCastOp::create(b, loc, shaped(b.getIndexType()), x);
}

Value PredicateBuilder::mulU64(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}

Value PredicateBuilder::xorShiftRight(Value x, int64_t shift) {
  Value shifted = arith::ShRUIOp::create(b, loc, x, i64(shift));
  return arith::XOrIOp::create(b, loc, x, shifted);
}

Value PredicateBuilder::remU64(Value x, Value y) {
  return arith::RemUIOp::create(b, loc, x, y);
}

KeyBoundValues patterns::buildBandKeyBounds(OpBuilder &builder, Location loc,
                                            Value p0, Value p1, Value nq,
                                            Value nk, int64_t left,
                                            int64_t right) {
  // Mirrors bandKeyBounds. Positions lie in [-nq, nk], so clamping left and
  // right to nq + nk changes no clipped result and keeps every sum small.
  PredicateBuilder pb(builder, loc);
  Value zero = pb.index(0), one = pb.index(1);
  Value reach = pb.add(nq, nk);
  Value l = pb.min(pb.index(left), reach), r = pb.min(pb.index(right), reach);
  auto clip = [&](Value x) { return pb.max(pb.min(x, nk), zero); };
  KeyBoundValues bounds;
  bounds.begin = clip(pb.sub(p0, l));
  bounds.end = pb.max(bounds.begin, clip(pb.add(p1, r)));
  bounds.fullBegin = clip(pb.sub(pb.sub(p1, one), l));
  bounds.fullEnd = pb.max(bounds.fullBegin, clip(pb.add(pb.add(p0, r), one)));
  return bounds;
}
