//===- MaskPatternInterface.cpp - the mask-pattern interface --------------===//

#include "attn/Dialect/Attn/IR/AttnInterfaces.h"

#include "attn/Support/CheckedMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnInterfaces.cpp.inc"

char mlir::attn::blockKindLetter(BlockKind kind) {
  switch (kind) {
  case BlockKind::Empty:
    return '.';
  case BlockKind::Partial:
    return 'P';
  case BlockKind::Full:
    return 'F';
  }
  llvm_unreachable("unknown block kind");
}

StringRef mlir::attn::stringifyBlockKind(BlockKind kind) {
  switch (kind) {
  case BlockKind::Empty:
    return "empty";
  case BlockKind::Partial:
    return "partial";
  case BlockKind::Full:
    return "full";
  }
  llvm_unreachable("unknown block kind");
}

int64_t mlir::attn::countPairsByTiles(MaskPatternAttrInterface pattern,
                                      int64_t nq, int64_t nk) {
  // Only the tiles meeting a row block's key ranges can keep pairs.
  constexpr int64_t kTile = 64;
  int64_t total = 0;
  SmallVector<KeyRange> ranges;
  for (int64_t p0 = nk - nq; p0 < nk; p0 += kTile) {
    int64_t p1 = std::min(p0 + kTile, nk);
    ranges.clear();
    pattern.getKeyRanges(p0, p1, nq, nk, ranges);
    forEachKeyBlockOf(ranges, kTile, [&](int64_t kb) {
      int64_t j0 = kb * kTile, j1 = std::min(j0 + kTile, nk);
      switch (pattern.classifyTile(Tile{p0, p1, j0, j1}, nq, nk)) {
      case BlockKind::Empty:
        break;
      case BlockKind::Full:
        total = ::attn::satAdd(total, (p1 - p0) * (j1 - j0));
        break;
      case BlockKind::Partial:
        for (int64_t p = p0; p < p1; ++p)
          for (int64_t j = j0; j < j1; ++j)
            total += pattern.contains(p, j, nq, nk);
        break;
      }
    });
  }
  return total;
}

void mlir::attn::appendDefaultKeyRanges(MaskPatternAttrInterface pattern,
                                        int64_t p0, int64_t p1, int64_t nq,
                                        int64_t nk,
                                        SmallVectorImpl<KeyRange> &ranges) {
  if (std::optional<KeyBounds> bounds = pattern.getKeyBounds(p0, p1, nq, nk))
    ranges.push_back({bounds->begin, bounds->end});
  else
    ranges.push_back({0, nk});
}

void mlir::attn::buildDefaultKeyRanges(
    MaskPatternAttrInterface pattern, OpBuilder &builder, Location loc,
    Value p0, Value p1, Value nq, Value nk,
    SmallVectorImpl<KeyRangeValues> &ranges) {
  if (std::optional<KeyBoundValues> bounds =
          pattern.buildKeyBounds(builder, loc, p0, p1, nq, nk))
    ranges.push_back({bounds->begin, bounds->end});
  else
    ranges.push_back({arith::ConstantIndexOp::create(builder, loc, 0), nk});
}

void mlir::attn::forEachKeyBlockOf(ArrayRef<KeyRange> ranges, int64_t tileK,
                                   function_ref<void(int64_t kb)> visit) {
  auto blocksOf = [&](KeyRange r) -> std::pair<int64_t, int64_t> {
    if (r.end <= r.begin)
      return {0, 0};
    return {r.begin / tileK, ::attn::ceilDiv(r.end, tileK)};
  };
  for (size_t i = 0; i < ranges.size(); ++i) {
    auto [first, last] = blocksOf(ranges[i]);
    for (int64_t kb = first; kb < last; ++kb) {
      bool seen = false;
      for (size_t e = 0; e < i && !seen; ++e) {
        auto [f, l] = blocksOf(ranges[e]);
        seen = kb >= f && kb < l;
      }
      if (!seen)
        visit(kb);
    }
  }
}

Value mlir::attn::buildMaskPredicate(MaskPatternAttrInterface pattern,
                                     OpBuilder &builder, Location loc, Value p,
                                     Value j, Value nq, Value nk) {
  VectorType shape;
  for (Value v : {p, j, nq, nk})
    if (auto type = llvm::dyn_cast<VectorType>(v.getType()))
      shape = type;
  auto promote = [&](Value v) -> Value {
    if (!shape || llvm::isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(builder, loc, shape, v);
  };
  return pattern.buildPredicate(builder, loc, promote(p), promote(j),
                                promote(nq), promote(nk));
}
