//===- BandedMasks.cpp - dense, causal, window, dilated -------------------===//
//
// The patterns whose kept keys form a band around the diagonal: a pair is
// kept depending only on the difference j - p. Their key bounds are closed
// form for any N, so the block schedule needs no tables.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;
using ::attn::ceilDiv;
using ::attn::floorDiv;
using ::attn::kInt64Min;
using ::attn::kMaxParameter;

/// Emits "parameter `name` must be in [min, 2^62]" when out of range.
static LogicalResult
checkParameter(function_ref<InFlightDiagnostic()> emitError, StringRef name,
               int64_t value, int64_t min) {
  if (value >= min && value <= kMaxParameter)
    return success();
  return emitError() << "parameter '" << name << "' must be in ["
                     << (min == -kMaxParameter ? std::string("-2^62")
                                               : std::to_string(min))
                     << ", 2^62], got " << value;
}

//===----------------------------------------------------------------------===//
// dense
//===----------------------------------------------------------------------===//

bool DenseAttr::contains(int64_t, int64_t, int64_t, int64_t) const {
  return true;
}

Value DenseAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                Value, Value, Value) const {
  return PredicateBuilder(builder, loc, p.getType()).boolean(true);
}

BlockKind DenseAttr::classifyTile(const Tile &, int64_t, int64_t) const {
  return BlockKind::Full;
}

std::optional<KeyBounds> DenseAttr::getKeyBounds(int64_t, int64_t, int64_t,
                                                 int64_t nk) const {
  return KeyBounds{0, nk, 0, nk};
}

std::optional<KeyBoundValues> DenseAttr::buildKeyBounds(OpBuilder &builder,
                                                        Location loc, Value,
                                                        Value, Value,
                                                        Value nk) const {
  Value zero = PredicateBuilder(builder, loc).index(0);
  return KeyBoundValues{zero, nk, zero, nk};
}

int64_t DenseAttr::countPairs(int64_t nq, int64_t nk) const {
  return ::attn::satMul(nq, nk);
}

//===----------------------------------------------------------------------===//
// causal: j - p <= 0
//===----------------------------------------------------------------------===//

bool CausalAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  return j <= p;
}

Value CausalAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                 Value j, Value, Value) const {
  return PredicateBuilder(builder, loc, p.getType()).le(j, p);
}

BlockKind CausalAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  return classifyBand(tile, kInt64Min, 0);
}

std::optional<KeyBounds> CausalAttr::getKeyBounds(int64_t p0, int64_t p1,
                                                  int64_t, int64_t nk) const {
  return bandKeyBounds(p0, p1, kInt64Min, 0, nk);
}

std::optional<KeyBoundValues> CausalAttr::buildKeyBounds(OpBuilder &builder,
                                                         Location loc, Value p0,
                                                         Value p1, Value nq,
                                                         Value nk) const {
  return buildBandKeyBounds(builder, loc, p0, p1, nq, nk, ::attn::kInt64Max, 0);
}

int64_t CausalAttr::countPairs(int64_t nq, int64_t nk) const {
  return sumOverRows(
      nq, nk, [&](int64_t p) { return bandRowCount(p, kInt64Min, 0, nk); });
}

//===----------------------------------------------------------------------===//
// window: -left <= j - p <= right
//===----------------------------------------------------------------------===//

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t left, int64_t right) {
  // A negative bound moves that edge past the query (window<left = 127,
  // right = -1> keeps the 127 keys before p, not p); the band stays
  // non-empty.
  if (failed(checkParameter(emitError, "left", left, -kMaxParameter)) ||
      failed(checkParameter(emitError, "right", right, -kMaxParameter)))
    return failure();
  if (left < -right) // left + right may exceed int64 (2^62 + 2^62)
    return emitError() << "window<left = " << left << ", right = " << right
                       << "> keeps no key (left + right must be >= 0)";
  return success();
}

bool WindowAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  int64_t d = j - p;
  return -getLeft() <= d && d <= getRight();
}

Value WindowAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                 Value j, Value, Value) const {
  PredicateBuilder pb(builder, loc, p.getType());
  return pb.inRange(pb.sub(j, p), -getLeft(), getRight());
}

BlockKind WindowAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  return classifyBand(tile, -getLeft(), getRight());
}

std::optional<KeyBounds> WindowAttr::getKeyBounds(int64_t p0, int64_t p1,
                                                  int64_t, int64_t nk) const {
  return bandKeyBounds(p0, p1, -getLeft(), getRight(), nk);
}

std::optional<KeyBoundValues> WindowAttr::buildKeyBounds(OpBuilder &builder,
                                                         Location loc, Value p0,
                                                         Value p1, Value nq,
                                                         Value nk) const {
  return buildBandKeyBounds(builder, loc, p0, p1, nq, nk, getLeft(),
                            getRight());
}

int64_t WindowAttr::countPairs(int64_t nq, int64_t nk) const {
  return sumOverRows(nq, nk, [&](int64_t p) {
    return bandRowCount(p, -getLeft(), getRight(), nk);
  });
}

//===----------------------------------------------------------------------===//
// dilated: j - p = k·d with -left <= k <= right
//===----------------------------------------------------------------------===//

LogicalResult DilatedAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t left, int64_t right,
                                  int64_t dilation) {
  if (failed(checkParameter(emitError, "left", left, 0)) ||
      failed(checkParameter(emitError, "right", right, 0)) ||
      failed(checkParameter(emitError, "dilation", dilation, 1)))
    return failure();
  return success();
}

bool DilatedAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  int64_t d = j - p, dilation = getDilation();
  if (d % dilation != 0)
    return false;
  int64_t k = d / dilation;
  return -getLeft() <= k && k <= getRight();
}

Value DilatedAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                  Value j, Value, Value) const {
  // Divide instead of multiplying left·d, which may overflow.
  PredicateBuilder pb(builder, loc, p.getType());
  Value d = pb.sub(j, p);
  Value divisible = pb.eq(pb.rem(d, getDilation()), pb.index(0));
  Value k = arith::DivSIOp::create(builder, loc, d, pb.index(getDilation()));
  return pb.andOf(divisible, pb.inRange(k, -getLeft(), getRight()));
}

BlockKind DilatedAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  DifferenceRange d = differenceRange(tile);
  int64_t dilation = getDilation();
  // The multiples k·dilation inside [d.low, d.high], k within [-left, right].
  int64_t kLow = std::max(ceilDiv(d.low, dilation), -getLeft());
  int64_t kHigh = std::min(floorDiv(d.high, dilation), getRight());
  if (kLow > kHigh)
    return BlockKind::Empty;
  if (dilation == 1 && -getLeft() <= d.low && d.high <= getRight())
    return BlockKind::Full;
  if (d.low == d.high) // a single difference, and it is kept
    return BlockKind::Full;
  return BlockKind::Partial;
}

std::optional<KeyBounds> DilatedAttr::getKeyBounds(int64_t p0, int64_t p1,
                                                   int64_t, int64_t nk) const {
  int64_t lo = -::attn::satMul(getLeft(), getDilation());
  int64_t hi = ::attn::satMul(getRight(), getDilation());
  KeyBounds bounds = bandKeyBounds(p0, p1, lo, hi, nk);
  if (getDilation() > 1) {
    // Neighbouring queries keep disjoint keys: no key is kept by all of them.
    bounds.fullBegin = bounds.fullEnd = bounds.begin;
  }
  return bounds;
}

std::optional<KeyBoundValues>
DilatedAttr::buildKeyBounds(OpBuilder &builder, Location loc, Value p0,
                            Value p1, Value nq, Value nk) const {
  KeyBoundValues bounds = buildBandKeyBounds(
      builder, loc, p0, p1, nq, nk, ::attn::satMul(getLeft(), getDilation()),
      ::attn::satMul(getRight(), getDilation()));
  if (getDilation() > 1)
    bounds.fullBegin = bounds.fullEnd = bounds.begin;
  return bounds;
}

int64_t DilatedAttr::countPairs(int64_t nq, int64_t nk) const {
  int64_t dilation = getDilation();
  return sumOverRows(nq, nk, [&](int64_t p) {
    // Keys p + k·d inside [0, nk): k in [ceil(-p/d), floor((nk-1-p)/d)].
    int64_t kLow = std::max(ceilDiv(-p, dilation), -getLeft());
    int64_t kHigh = std::min(floorDiv(nk - 1 - p, dilation), getRight());
    return kHigh >= kLow ? kHigh - kLow + 1 : int64_t(0);
  });
}
