//===- MaskPatternInterface.cpp - the mask-pattern interface --------------===//

#include "attn/Dialect/Attn/IR/AttnInterfaces.h"

#include "attn/Support/CheckedMath.h"

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
  constexpr int64_t kTile = 64;
  int64_t total = 0;
  for (int64_t p0 = nk - nq; p0 < nk; p0 += kTile) {
    int64_t p1 = std::min(p0 + kTile, nk);
    for (int64_t j0 = 0; j0 < nk; j0 += kTile) {
      int64_t j1 = std::min(j0 + kTile, nk);
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
    }
  }
  return total;
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
