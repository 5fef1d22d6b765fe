//===- BlockSchedule.cpp - which key blocks each query block visits -------===//

#include "attn/Analysis/BlockSchedule.h"

#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using ::attn::ceilDiv;

bool mlir::attn::hasBandedSchedule(MaskPatternAttrInterface pattern) {
  return pattern.getKeyBounds(0, 1, 1, 1).has_value();
}

/// scheduleQueryBlock under a token order: every permuted tile, counted.
static VisitedBlocks scheduleOrderedQueryBlock(MaskPatternAttrInterface pattern,
                                               TokenOrderAttrInterface order,
                                               int64_t nq, int64_t nk,
                                               int64_t tileQ, int64_t tileK,
                                               int64_t qb) {
  int64_t offset = nk - nq;
  int64_t first = qb * tileQ, rows = std::min(tileQ, nq - first);
  std::vector<int64_t> positions(rows);
  for (int64_t i = 0; i < rows; ++i)
    positions[i] = offset + order.getQueryRow(first + i, nq);
  VisitedBlocks visited;
  for (int64_t kb = 0, nkb = ceilDiv(nk, tileK); kb < nkb; ++kb) {
    int64_t j0 = kb * tileK, cols = std::min(tileK, nk - j0), kept = 0;
    for (int64_t u = j0; u < j0 + cols; ++u) {
      int64_t j = order.getKey(u, nk);
      for (int64_t p : positions)
        kept += pattern.contains(p, j, nq, nk);
    }
    if (kept == rows * cols && cols == tileK)
      visited.full.push_back(kb);
    else if (kept > 0)
      visited.partial.push_back(kb);
  }
  return visited;
}

VisitedBlocks mlir::attn::scheduleQueryBlock(MaskPatternAttrInterface pattern,
                                             bool banded, int64_t nq,
                                             int64_t nk, int64_t tileQ,
                                             int64_t tileK, int64_t qb,
                                             TokenOrderAttrInterface order) {
  if (order)
    return scheduleOrderedQueryBlock(pattern, order, nq, nk, tileQ, tileK, qb);
  int64_t offset = nk - nq;
  int64_t p0 = offset + qb * tileQ;
  int64_t p1 = offset + std::min((qb + 1) * tileQ, nq);
  VisitedBlocks visited;
  if (banded) {
    // The formulas the kernel evaluates in IR (see Tile.cpp): the key
    // blocks covering [begin, end), of which those inside
    // [fullBegin, fullEnd) need no mask.
    KeyBounds b = *pattern.getKeyBounds(p0, p1, nq, nk);
    int64_t first = b.begin / tileK, last = ceilDiv(b.end, tileK);
    int64_t fullFirst =
        std::min(std::max(ceilDiv(b.fullBegin, tileK), first), last);
    int64_t fullLast = std::max(fullFirst, std::min(b.fullEnd / tileK, last));
    for (int64_t kb = first; kb < last; ++kb)
      (kb >= fullFirst && kb < fullLast ? visited.full : visited.partial)
          .push_back(kb);
    return visited;
  }
  // Only the key blocks of the pattern's key ranges can keep pairs.
  SmallVector<KeyRange> ranges;
  pattern.getKeyRanges(p0, p1, nq, nk, ranges);
  forEachKeyBlockOf(ranges, tileK, [&](int64_t kb) {
    Tile tile{p0, p1, kb * tileK, std::min((kb + 1) * tileK, nk)};
    BlockKind kind = pattern.classifyTile(tile, nq, nk);
    // A block cut short by Nk needs the key-range check of partial blocks.
    if (kind == BlockKind::Full && tile.j1 - tile.j0 < tileK)
      kind = BlockKind::Partial;
    switch (kind) {
    case BlockKind::Empty:
      break;
    case BlockKind::Partial:
      visited.partial.push_back(kb);
      break;
    case BlockKind::Full:
      visited.full.push_back(kb);
      break;
    }
  });
  return visited;
}

double mlir::attn::scheduleWork(MaskPatternAttrInterface pattern, bool banded,
                                int64_t nq, int64_t nk, int64_t tileQ,
                                int64_t tileK, TokenOrderAttrInterface order) {
  int64_t numQueryBlocks = ceilDiv(nq, tileQ);
  if (order)
    return double(nq) * double(nk) / 32.0 + double(numQueryBlocks);
  if (banded)
    return double(numQueryBlocks);
  double work = 0;
  int64_t offset = nk - nq;
  SmallVector<KeyRange> ranges;
  for (int64_t qb = 0; qb < numQueryBlocks && work <= kMaxScheduleWork; ++qb) {
    int64_t p0 = offset + qb * tileQ;
    int64_t p1 = offset + std::min((qb + 1) * tileQ, nq);
    ranges.clear();
    pattern.getKeyRanges(p0, p1, nq, nk, ranges);
    work += 1;
    for (KeyRange r : ranges)
      if (r.end > r.begin)
        work += double(ceilDiv(r.end, tileK) - r.begin / tileK);
  }
  return work;
}

std::vector<int32_t>
mlir::attn::buildBlockTables(MaskPatternAttrInterface pattern, int64_t nq,
                             int64_t nk, int64_t tileQ, int64_t tileK,
                             TokenOrderAttrInterface order) {
  ::attn::BlockTableLayout layout{ceilDiv(nq, tileQ)};
  std::vector<int32_t> tables(layout.headerSize(), 0);
  for (int64_t qb = 0; qb < layout.numQueryBlocks; ++qb) {
    VisitedBlocks visited = scheduleQueryBlock(pattern, /*banded=*/false, nq,
                                               nk, tileQ, tileK, qb, order);
    tables[layout.rowStartOffset() + qb] = int32_t(tables.size());
    tables.insert(tables.end(), visited.partial.begin(), visited.partial.end());
    tables[layout.fullStartOffset() + qb] = int32_t(tables.size());
    tables.insert(tables.end(), visited.full.begin(), visited.full.end());
    if (tables.size() > size_t(std::numeric_limits<int32_t>::max()))
      return {};
  }
  tables[layout.rowStartOffset() + layout.numQueryBlocks] =
      int32_t(tables.size());
  return tables;
}
