//===- CombinedMasks.cpp - union and intersection -------------------------===//
//
// Union and intersection compose every method of their parts. Classification
// stays sound (a union is Full if a part is, an intersection Empty if a part
// is) but may answer Partial for a tile that the parts cover jointly.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;

/// The shape of a combined pattern: its levels of union / intersect above
/// the plain patterns, and its nodes counted once per use (what a walk over
/// it visits). Memoized in `seen`: patterns written through aliases share
/// parts, and a walk without memo would visit every path of the DAG.
struct PatternShape {
  unsigned depth = 0;
  int64_t nodes = 1;
};

static PatternShape shapeOf(MaskPatternAttrInterface pattern,
                            llvm::DenseMap<Attribute, PatternShape> &seen);

/// The shape of a union or intersection of `parts`.
static PatternShape
shapeOfParts(ArrayRef<MaskPatternAttrInterface> parts,
             llvm::DenseMap<Attribute, PatternShape> &seen) {
  PatternShape shape;
  for (MaskPatternAttrInterface part : parts) {
    PatternShape sub = shapeOf(part, seen);
    shape.depth = std::max(shape.depth, sub.depth + 1);
    shape.nodes = ::attn::satAdd(shape.nodes, sub.nodes);
  }
  return shape;
}

static PatternShape shapeOf(MaskPatternAttrInterface pattern,
                            llvm::DenseMap<Attribute, PatternShape> &seen) {
  ArrayRef<MaskPatternAttrInterface> parts;
  if (auto unite = dyn_cast<UnionAttr>(pattern))
    parts = unite.getParts();
  else if (auto intersect = dyn_cast<IntersectAttr>(pattern))
    parts = intersect.getParts();
  else
    return {};
  if (auto it = seen.find(pattern); it != seen.end())
    return it->second;
  return seen[pattern] = shapeOfParts(parts, seen);
}

static LogicalResult verifyParts(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name,
                                 ArrayRef<MaskPatternAttrInterface> parts) {
  if (parts.empty())
    return emitError() << "#attn." << name << " needs at least one part";
  for (MaskPatternAttrInterface part : parts)
    if (!part)
      return emitError() << "#attn." << name << " parts must be mask patterns";
  // Parts are verified already, so each is within both limits.
  llvm::DenseMap<Attribute, PatternShape> seen;
  PatternShape shape = shapeOfParts(parts, seen);
  if (shape.depth > kMaxPatternDepth)
    return emitError() << "mask patterns nest at most " << kMaxPatternDepth
                       << " #attn.union / #attn.intersect levels deep";
  if (shape.nodes > kMaxPatternNodes)
    return emitError() << "a mask pattern holds at most " << kMaxPatternNodes
                       << " patterns, each use of a shared one counted (got "
                       << shape.nodes << ")";
  return success();
}

static LogicalResult
verifyPartsExtent(function_ref<InFlightDiagnostic()> emitError,
                  ArrayRef<MaskPatternAttrInterface> parts, int64_t nq,
                  int64_t nk) {
  for (MaskPatternAttrInterface part : parts)
    if (failed(part.verifyExtent(emitError, nq, nk)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// union: any part holds
//===----------------------------------------------------------------------===//

LogicalResult UnionAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                ArrayRef<MaskPatternAttrInterface> parts) {
  return verifyParts(emitError, "union", parts);
}

LogicalResult
UnionAttr::verifyExtent(function_ref<InFlightDiagnostic()> emitError,
                        int64_t nq, int64_t nk) const {
  return verifyPartsExtent(emitError, getParts(), nq, nk);
}

bool UnionAttr::contains(int64_t p, int64_t j, int64_t nq, int64_t nk) const {
  return llvm::any_of(getParts(), [&](MaskPatternAttrInterface part) {
    return part.contains(p, j, nq, nk);
  });
}

Value UnionAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                Value j, Value nq, Value nk) const {
  PredicateBuilder pb(builder, loc, p.getType());
  Value result;
  for (MaskPatternAttrInterface part : getParts()) {
    Value kept = part.buildPredicate(builder, loc, p, j, nq, nk);
    result = result ? pb.orOf(result, kept) : kept;
  }
  return result;
}

BlockKind UnionAttr::classifyTile(const Tile &tile, int64_t nq,
                                  int64_t nk) const {
  bool allEmpty = true;
  for (MaskPatternAttrInterface part : getParts()) {
    BlockKind kind = part.classifyTile(tile, nq, nk);
    if (kind == BlockKind::Full)
      return BlockKind::Full;
    allEmpty &= kind == BlockKind::Empty;
  }
  return allEmpty ? BlockKind::Empty : BlockKind::Partial;
}

std::optional<KeyBounds> UnionAttr::getKeyBounds(int64_t p0, int64_t p1,
                                                 int64_t nq, int64_t nk) const {
  // A union of bands is banded only when it has one part; otherwise the
  // block schedule uses tables.
  if (getParts().size() != 1)
    return std::nullopt;
  return getParts().front().getKeyBounds(p0, p1, nq, nk);
}

std::optional<KeyBoundValues> UnionAttr::buildKeyBounds(OpBuilder &builder,
                                                        Location loc, Value p0,
                                                        Value p1, Value nq,
                                                        Value nk) const {
  if (getParts().size() != 1)
    return std::nullopt;
  return getParts().front().buildKeyBounds(builder, loc, p0, p1, nq, nk);
}

void UnionAttr::getKeyRanges(int64_t p0, int64_t p1, int64_t nq, int64_t nk,
                             SmallVectorImpl<KeyRange> &ranges) const {
  for (MaskPatternAttrInterface part : getParts())
    part.getKeyRanges(p0, p1, nq, nk, ranges);
}

void UnionAttr::buildKeyRanges(OpBuilder &builder, Location loc, Value p0,
                               Value p1, Value nq, Value nk,
                               SmallVectorImpl<KeyRangeValues> &ranges) const {
  for (MaskPatternAttrInterface part : getParts())
    part.buildKeyRanges(builder, loc, p0, p1, nq, nk, ranges);
}

int64_t UnionAttr::countPairs(int64_t nq, int64_t nk) const {
  if (getParts().size() == 1)
    return getParts().front().countPairs(nq, nk);
  return countPairsByTiles(*this, nq, nk);
}

//===----------------------------------------------------------------------===//
// intersect: every part holds
//===----------------------------------------------------------------------===//

LogicalResult
IntersectAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      ArrayRef<MaskPatternAttrInterface> parts) {
  return verifyParts(emitError, "intersect", parts);
}

LogicalResult
IntersectAttr::verifyExtent(function_ref<InFlightDiagnostic()> emitError,
                            int64_t nq, int64_t nk) const {
  return verifyPartsExtent(emitError, getParts(), nq, nk);
}

bool IntersectAttr::contains(int64_t p, int64_t j, int64_t nq,
                             int64_t nk) const {
  return llvm::all_of(getParts(), [&](MaskPatternAttrInterface part) {
    return part.contains(p, j, nq, nk);
  });
}

Value IntersectAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                    Value j, Value nq, Value nk) const {
  PredicateBuilder pb(builder, loc, p.getType());
  Value result;
  for (MaskPatternAttrInterface part : getParts()) {
    Value kept = part.buildPredicate(builder, loc, p, j, nq, nk);
    result = result ? pb.andOf(result, kept) : kept;
  }
  return result;
}

BlockKind IntersectAttr::classifyTile(const Tile &tile, int64_t nq,
                                      int64_t nk) const {
  bool allFull = true;
  for (MaskPatternAttrInterface part : getParts()) {
    BlockKind kind = part.classifyTile(tile, nq, nk);
    if (kind == BlockKind::Empty)
      return BlockKind::Empty;
    allFull &= kind == BlockKind::Full;
  }
  return allFull ? BlockKind::Full : BlockKind::Partial;
}

std::optional<KeyBounds> IntersectAttr::getKeyBounds(int64_t p0, int64_t p1,
                                                     int64_t nq,
                                                     int64_t nk) const {
  // Banded when every part is: kept keys lie in every part's range, and a
  // key kept by every row in every part is kept by every row.
  std::optional<KeyBounds> result;
  for (MaskPatternAttrInterface part : getParts()) {
    std::optional<KeyBounds> bounds = part.getKeyBounds(p0, p1, nq, nk);
    if (!bounds)
      return std::nullopt;
    if (!result) {
      result = bounds;
      continue;
    }
    result->begin = std::max(result->begin, bounds->begin);
    result->end = std::max(result->begin, std::min(result->end, bounds->end));
    result->fullBegin = std::max(result->fullBegin, bounds->fullBegin);
    result->fullEnd =
        std::max(result->fullBegin, std::min(result->fullEnd, bounds->fullEnd));
  }
  return result;
}

std::optional<KeyBoundValues>
IntersectAttr::buildKeyBounds(OpBuilder &builder, Location loc, Value p0,
                              Value p1, Value nq, Value nk) const {
  // The same narrowing as getKeyBounds, in IR. Check first that every part
  // is banded, so no IR is built for nothing.
  for (MaskPatternAttrInterface part : getParts())
    if (!part.getKeyBounds(0, 1, 1, 1))
      return std::nullopt;
  PredicateBuilder pb(builder, loc);
  std::optional<KeyBoundValues> result;
  for (MaskPatternAttrInterface part : getParts()) {
    std::optional<KeyBoundValues> bounds =
        part.buildKeyBounds(builder, loc, p0, p1, nq, nk);
    if (!bounds)
      return std::nullopt;
    if (!result) {
      result = bounds;
      continue;
    }
    result->begin = pb.max(result->begin, bounds->begin);
    result->end = pb.max(result->begin, pb.min(result->end, bounds->end));
    result->fullBegin = pb.max(result->fullBegin, bounds->fullBegin);
    result->fullEnd =
        pb.max(result->fullBegin, pb.min(result->fullEnd, bounds->fullEnd));
  }
  return result;
}

int64_t IntersectAttr::countPairs(int64_t nq, int64_t nk) const {
  if (getParts().size() == 1)
    return getParts().front().countPairs(nq, nk);
  return countPairsByTiles(*this, nq, nk);
}

// A kept key is kept by every part: the banded range when every part is
// banded, else the first part's ranges.
void IntersectAttr::getKeyRanges(int64_t p0, int64_t p1, int64_t nq, int64_t nk,
                                 SmallVectorImpl<KeyRange> &ranges) const {
  if (getKeyBounds(p0, p1, nq, nk))
    appendDefaultKeyRanges(*this, p0, p1, nq, nk, ranges);
  else
    getParts().front().getKeyRanges(p0, p1, nq, nk, ranges);
}

void IntersectAttr::buildKeyRanges(
    OpBuilder &builder, Location loc, Value p0, Value p1, Value nq, Value nk,
    SmallVectorImpl<KeyRangeValues> &ranges) const {
  if (getKeyBounds(0, 1, 1, 1))
    buildDefaultKeyRanges(*this, builder, loc, p0, p1, nq, nk, ranges);
  else
    getParts().front().buildKeyRanges(builder, loc, p0, p1, nq, nk, ranges);
}
