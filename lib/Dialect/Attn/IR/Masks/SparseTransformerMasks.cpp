//===- SparseTransformerMasks.cpp - strided and fixed ---------------------===//
//
// The two factorized patterns of the Sparse Transformer (Child et al. 2019),
// each the union of its two heads, both causal.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;
using ::attn::floorDiv;
using ::attn::floorMod;
using ::attn::kMaxParameter;

//===----------------------------------------------------------------------===//
// strided: j <= p and (p - j <= l or (p - j) mod l = 0)
//===----------------------------------------------------------------------===//

LogicalResult StridedAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t stride) {
  if (stride < 1 || stride > kMaxParameter)
    return emitError() << "parameter 'stride' must be in [1, 2^62], got "
                       << stride;
  return success();
}

bool StridedAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  int64_t back = p - j, l = getStride();
  return back >= 0 && (back <= l || back % l == 0);
}

Value StridedAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                  Value j, Value, Value) const {
  PredicateBuilder pb(builder, loc, p.getType());
  Value back = pb.sub(p, j);
  Value zero = pb.index(0);
  Value local = pb.le(back, pb.index(getStride()));
  Value onStride = pb.eq(pb.rem(back, getStride()), zero);
  return pb.andOf(pb.ge(back, zero), pb.orOf(local, onStride));
}

BlockKind StridedAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  // The kept pair depends on back = p - j only; the tile holds every back in
  // [first, last].
  int64_t l = getStride();
  int64_t first = tile.p0 - (tile.j1 - 1), last = (tile.p1 - 1) - tile.j0;
  int64_t from = std::max<int64_t>(first, 0);
  if (from > last)
    return BlockKind::Empty;
  bool anyKept = from <= l || floorDiv(last, l) * l >= from;
  if (!anyKept)
    return BlockKind::Empty;
  if (first < 0)
    return BlockKind::Partial;
  // Every back above l must be a multiple of l.
  int64_t above = std::max(first, l + 1);
  if (above > last || l == 1 || (above == last && last % l == 0))
    return BlockKind::Full;
  return BlockKind::Partial;
}

int64_t StridedAttr::countPairs(int64_t nq, int64_t nk) const {
  int64_t l = getStride();
  return sumOverRows(nq, nk, [&](int64_t p) -> int64_t {
    if (p < 0)
      return 0;
    // back in [0, p]: the first min(p, l) + 1 values, then the multiples of
    // l above l.
    int64_t local = std::min(p, l) + 1;
    int64_t strided = p > l ? p / l - 1 : 0;
    return local + strided;
  });
}

//===----------------------------------------------------------------------===//
// fixed: j <= p and (floor(j/l) = floor(p/l) or j mod l >= l - c)
//===----------------------------------------------------------------------===//

LogicalResult FixedAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t stride, int64_t summary) {
  if (stride < 1 || stride > kMaxParameter)
    return emitError() << "parameter 'stride' must be in [1, 2^62], got "
                       << stride;
  if (summary < 0 || summary > stride)
    return emitError() << "parameter 'summary' must be in [0, stride = "
                       << stride << "], got " << summary;
  return success();
}

bool FixedAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  int64_t l = getStride();
  if (j > p)
    return false;
  return floorDiv(j, l) == floorDiv(p, l) || floorMod(j, l) >= l - getSummary();
}

Value FixedAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                Value j, Value, Value) const {
  PredicateBuilder pb(builder, loc, p.getType());
  int64_t l = getStride();
  Value sameStripe = pb.eq(pb.floorDiv(j, l), pb.floorDiv(p, l));
  // j >= 0, so the signed remainder is the floor remainder.
  Value summaryKey = pb.ge(pb.rem(j, l), pb.index(l - getSummary()));
  return pb.andOf(pb.le(j, p), pb.orOf(sameStripe, summaryKey));
}

BlockKind FixedAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  int64_t l = getStride(), c = getSummary();
  int64_t lastRow = tile.p1 - 1, lastKey = tile.j1 - 1;
  auto stripe = [&](int64_t x) { return floorDiv(x, l); };

  // Is any pair kept? A summary key j <= lastRow is kept by row lastRow.
  bool anyKept = false;
  if (c > 0) {
    int64_t r = floorMod(tile.j0, l);
    int64_t firstSummary = r >= l - c ? tile.j0 : tile.j0 - r + (l - c);
    anyKept = firstSummary <= std::min(lastKey, lastRow);
  }
  // Otherwise a pair in a shared stripe with j <= p: in the first and last
  // shared stripes take the latest row and the earliest key; any stripe in
  // between is covered whole by rows and keys.
  int64_t sFirst = std::max(stripe(tile.p0), stripe(tile.j0));
  int64_t sLast = std::min(stripe(lastRow), stripe(lastKey));
  auto keptIn = [&](int64_t s) {
    int64_t row = std::min(lastRow, s * l + (l - 1));
    int64_t key = std::max(tile.j0, s * l);
    return key <= row;
  };
  if (!anyKept && sFirst <= sLast)
    anyKept = keptIn(sFirst) || keptIn(sLast) || sLast - sFirst >= 2;
  if (!anyKept)
    return BlockKind::Empty;

  // Is every pair kept? All keys must precede all rows, and every
  // non-summary key must share the (single) stripe of all rows.
  if (lastKey > tile.p0)
    return BlockKind::Partial;
  if (c == l)
    return BlockKind::Full;
  int64_t r = floorMod(tile.j0, l);
  int64_t firstPlain = r < l - c ? tile.j0 : tile.j0 - r + l;
  if (firstPlain > lastKey)
    return BlockKind::Full;
  r = floorMod(lastKey, l);
  int64_t lastPlain = r < l - c ? lastKey : lastKey - r + (l - c - 1);
  int64_t s = stripe(tile.p0);
  if (stripe(lastRow) == s && stripe(firstPlain) == s && stripe(lastPlain) == s)
    return BlockKind::Full;
  return BlockKind::Partial;
}

int64_t FixedAttr::countPairs(int64_t nq, int64_t nk) const {
  int64_t l = getStride(), c = getSummary();
  return sumOverRows(nq, nk, [&](int64_t p) -> int64_t {
    if (p < 0)
      return 0;
    // The own stripe up to p, plus c summary keys of each earlier stripe.
    int64_t s = p / l;
    return (p - s * l + 1) + ::attn::satMul(s, c);
  });
}

//===----------------------------------------------------------------------===//
// Key ranges: both patterns are causal, so their keys are causal's.
//===----------------------------------------------------------------------===//

void StridedAttr::getKeyRanges(int64_t p0, int64_t p1, int64_t nq, int64_t nk,
                               SmallVectorImpl<KeyRange> &ranges) const {
  CausalAttr::get(getContext()).getKeyRanges(p0, p1, nq, nk, ranges);
}

void StridedAttr::buildKeyRanges(
    OpBuilder &builder, Location loc, Value p0, Value p1, Value nq, Value nk,
    SmallVectorImpl<KeyRangeValues> &ranges) const {
  CausalAttr::get(getContext())
      .buildKeyRanges(builder, loc, p0, p1, nq, nk, ranges);
}

void FixedAttr::getKeyRanges(int64_t p0, int64_t p1, int64_t nq, int64_t nk,
                             SmallVectorImpl<KeyRange> &ranges) const {
  CausalAttr::get(getContext()).getKeyRanges(p0, p1, nq, nk, ranges);
}

void FixedAttr::buildKeyRanges(OpBuilder &builder, Location loc, Value p0,
                               Value p1, Value nq, Value nk,
                               SmallVectorImpl<KeyRangeValues> &ranges) const {
  CausalAttr::get(getContext())
      .buildKeyRanges(builder, loc, p0, p1, nq, nk, ranges);
}
