//===- PatternUtils.cpp - helpers shared by the mask patterns -------------===//

#include "PatternUtils.h"

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

Value PredicateBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value PredicateBuilder::boolean(bool value) {
  return arith::ConstantIntOp::create(b, loc, value ? 1 : 0, 1);
}

Value PredicateBuilder::i64(uint64_t value) {
  return arith::ConstantIntOp::create(b, loc, int64_t(value), 64);
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

Value PredicateBuilder::select(Value condition, Value x, Value y) {
  return arith::SelectOp::create(b, loc, condition, x, y);
}

Value PredicateBuilder::toI64(Value x) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), x);
}

Value PredicateBuilder::toIndex(Value x) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
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
