//===- MaskUtils.h - helpers shared by the mask patterns --------*- C++ -*-===//
//
// Private to lib/Dialect/Attn/IR: the band arithmetic that causal, window and
// dilated share, per-row summation for exact pair counts, and a small builder
// for predicates in IR.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_DIALECT_ATTN_IR_MASKS_MASKUTILS_H
#define ATTN_LIB_DIALECT_ATTN_IR_MASKS_MASKUTILS_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Support/CheckedMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::attn::patterns {

/// The differences j - p over a tile form the interval [low, high].
struct DifferenceRange {
  int64_t low, high;
};
inline DifferenceRange differenceRange(const Tile &t) {
  return {t.j0 - (t.p1 - 1), (t.j1 - 1) - t.p0};
}

/// Classifies a tile against the band lo <= j - p <= hi (lo may be
/// INT64_MIN, hi INT64_MAX). Exact.
BlockKind classifyBand(const Tile &tile, int64_t lo, int64_t hi);

/// Key bounds of query positions [p0, p1) for the band lo <= j - p <= hi.
KeyBounds bandKeyBounds(int64_t p0, int64_t p1, int64_t lo, int64_t hi,
                        int64_t nk);

/// Kept keys of query position p for the band lo <= j - p <= hi.
int64_t bandRowCount(int64_t p, int64_t lo, int64_t hi, int64_t nk);

/// Classifies a tile against a pattern decided per cell of block x block
/// positions (BigBird, block_sparse): Full when every cell the tile touches
/// is kept, Empty when none is. `cellKept(qb, kb)` is called query block by
/// query block.
template <typename CellKept>
BlockKind classifyCells(const Tile &tile, int64_t block, CellKept cellKept) {
  bool anyKept = false, anyDropped = false;
  int64_t kbFirst = tile.j0 / block, kbLast = (tile.j1 - 1) / block;
  for (int64_t qb = ::attn::floorDiv(tile.p0, block),
               qbLast = ::attn::floorDiv(tile.p1 - 1, block);
       qb <= qbLast; ++qb) {
    for (int64_t kb = kbFirst; kb <= kbLast; ++kb) {
      if (cellKept(qb, kb))
        anyKept = true;
      else
        anyDropped = true;
      if (anyKept && anyDropped)
        return BlockKind::Partial;
    }
  }
  return anyKept ? BlockKind::Full : BlockKind::Empty;
}

/// Saturating sum of rowCount(p) over the query positions [nk - nq, nk).
template <typename RowCount>
int64_t sumOverRows(int64_t nq, int64_t nk, RowCount rowCount) {
  int64_t total = 0;
  for (int64_t p = nk - nq; p < nk; ++p)
    total = ::attn::satAdd(total, rowCount(p));
  return total;
}

/// Builds predicate arithmetic on `index` values, or on `vector<N x index>`
/// values lane by lane (and wrapping uint64 math on i64 for hashes). `shape`
/// is the type of the operands (index or a vector of index): constants are
/// splat to it. Every op is one arith op at the builder's insertion point.
class PredicateBuilder {
public:
  PredicateBuilder(OpBuilder &builder, Location loc, Type shape)
      : b(builder), loc(loc), lanes(laneCount(shape)) {}
  /// For scalar-only arithmetic.
  PredicateBuilder(OpBuilder &builder, Location loc)
      : b(builder), loc(loc), lanes(0) {}

  /// 0 for a scalar, N for vector<N x T>.
  static int64_t laneCount(Type type);
  /// `element`, or vector<N x element> when building lane by lane.
  Type shaped(Type element) const;

  Value index(int64_t value);
  Value boolean(bool value);
  Value i64(uint64_t value);

  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value floorDiv(Value x, int64_t divisor);
  Value ceilDiv(Value x, int64_t divisor);
  /// Remainder with the sign of x (arith.remsi).
  Value rem(Value x, int64_t divisor);
  /// x / y and x mod y for non-negative x and positive y, both values.
  Value divU(Value x, Value y);
  Value remU(Value x, Value y);
  Value mul(Value x, Value y);
  Value min(Value x, Value y);
  Value max(Value x, Value y);

  Value cmp(arith::CmpIPredicate predicate, Value x, Value y);
  Value lt(Value x, Value y) { return cmp(arith::CmpIPredicate::slt, x, y); }
  Value le(Value x, Value y) { return cmp(arith::CmpIPredicate::sle, x, y); }
  Value ge(Value x, Value y) { return cmp(arith::CmpIPredicate::sge, x, y); }
  Value eq(Value x, Value y) { return cmp(arith::CmpIPredicate::eq, x, y); }
  Value ne(Value x, Value y) { return cmp(arith::CmpIPredicate::ne, x, y); }
  /// lo <= x <= hi with constant bounds.
  Value inRange(Value x, int64_t lo, int64_t hi);

  Value andOf(Value x, Value y);
  Value orOf(Value x, Value y);
  Value select(Value condition, Value x, Value y);

  /// index -> i64 and back.
  Value toI64(Value x);
  Value toIndex(Value x);
  /// Wrapping uint64 arithmetic on i64 values.
  Value mulU64(Value x, Value y);
  Value xorShiftRight(Value x, int64_t shift);
  Value remU64(Value x, Value y);

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }

private:
  /// A constant of `type` (splat when building lane by lane).
  Value constant(Type element, int64_t value);

  OpBuilder &b;
  Location loc;
  int64_t lanes;
};

/// The IR counterpart of bandKeyBounds for lo = -left, hi = right
/// (left + right >= 0; one of them may be negative, as in a band that ends
/// before the diagonal; INT64_MAX means unbounded). Stays in range for
/// nq + nk below 2^61.
KeyBoundValues buildBandKeyBounds(OpBuilder &builder, Location loc, Value p0,
                                  Value p1, Value nq, Value nk, int64_t left,
                                  int64_t right);

} // namespace mlir::attn::patterns

#endif // ATTN_LIB_DIALECT_ATTN_IR_MASKS_MASKUTILS_H
