//===- AttnInterfaces.h - the mask-pattern interface ----------*- C++ -*-===//
//
// MaskPatternAttrInterface and the small value types its methods exchange.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_H
#define ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::attn {

/// How deep #attn.union / #attn.intersect may nest (a plain pattern is
/// depth 0): the parser and the verifier refuse deeper patterns, so every
/// recursive walk over a pattern stays shallow.
constexpr unsigned kMaxPatternDepth = 64;
/// How many patterns one may hold, each use of a shared part counted (what
/// a walk over it visits): aliases can share parts so that a few lines
/// describe 2^40 of them.
constexpr int64_t kMaxPatternNodes = 65536;

/// How a tile of (query, key) pairs relates to a mask pattern.
enum class BlockKind {
  Empty,   ///< no pair is kept: the tile is skipped
  Partial, ///< some pairs are kept: the elementwise predicate is evaluated
  Full,    ///< every pair is kept: no per-element mask is needed
};

/// A one-letter name of a block kind ('.', 'P', 'F'), used in pictures.
char blockKindLetter(BlockKind kind);
llvm::StringRef stringifyBlockKind(BlockKind kind);

/// A tile of query positions [p0, p1) times keys [j0, j1).
struct Tile {
  int64_t p0, p1, j0, j1;
};

/// Closed-form key bounds of a run of query positions (banded patterns).
/// Every kept key lies in [begin, end); every key in [fullBegin, fullEnd) is
/// kept for every query of the run. Both ranges lie within [0, nk).
struct KeyBounds {
  int64_t begin, end;
  int64_t fullBegin, fullEnd;
};

/// KeyBounds as IR values (`index`), built for run-time sequence lengths.
struct KeyBoundValues {
  Value begin, end;
  Value fullBegin, fullEnd;
};

/// The keys [begin, end).
struct KeyRange {
  int64_t begin, end;
};

/// KeyRange as IR values (`index`).
struct KeyRangeValues {
  Value begin, end;
};

class MaskPatternAttrInterface;

/// The default of `getKeyRanges`: the `any` range of getKeyBounds, else
/// [0, nk).
void appendDefaultKeyRanges(MaskPatternAttrInterface pattern, int64_t p0,
                            int64_t p1, int64_t nq, int64_t nk,
                            llvm::SmallVectorImpl<KeyRange> &ranges);
/// The default of `buildKeyRanges`, in IR.
void buildDefaultKeyRanges(MaskPatternAttrInterface pattern, OpBuilder &builder,
                           Location loc, Value p0, Value p1, Value nq, Value nk,
                           llvm::SmallVectorImpl<KeyRangeValues> &ranges);

/// Calls `visit(kb)` once for every key block of `tileK` keys that meets one
/// of `ranges`: the blocks of the first range in order, then those of the
/// next range not met by an earlier one, and so on. The order every
/// irregular schedule lists its blocks in (host and generated code alike).
void forEachKeyBlockOf(llvm::ArrayRef<KeyRange> ranges, int64_t tileK,
                       llvm::function_ref<void(int64_t kb)> visit);

/// Counts the kept pairs of a pattern by classifying 64 x 64 tiles and
/// counting element by element only inside partial tiles. The default of
/// `countPairs` for patterns with no closed form (e.g. unions).
int64_t countPairsByTiles(MaskPatternAttrInterface pattern, int64_t nq,
                          int64_t nk);

} // namespace mlir::attn

#include "attn/Dialect/Attn/IR/AttnInterfaces.h.inc"

namespace mlir::attn {

/// Builds `pattern`'s predicate for the pairs (p, j). Each operand is an
/// `index` or a `vector<N x index>`; scalars are broadcast to the vector
/// shape when there is one, and the result is `i1` or `vector<N x i1>`.
Value buildMaskPredicate(MaskPatternAttrInterface pattern, OpBuilder &builder,
                         Location loc, Value p, Value j, Value nq, Value nk);

/// The original positions Nk - Nq + row of the permuted query rows `rows`
/// (a vector<N x index>) under `order`; rows past Nq - 1 read row Nq - 1
/// (callers drop those lanes).
Value buildOriginalPositions(TokenOrderAttrInterface order, OpBuilder &builder,
                             Location loc, Value rows, Value nq, Value nk);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_H
