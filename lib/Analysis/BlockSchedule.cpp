//===- BlockSchedule.cpp - which key blocks each query block visits -------===//

#include "attn/Analysis/BlockSchedule.h"

#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using ::attn::ceilDiv;

bool mlir::attn::hasBandedSchedule(MaskPatternAttrInterface pattern) {
  return pattern.getKeyBounds(0, 1, 1, 1).has_value();
}

VisitedBlocks mlir::attn::scheduleQueryBlock(MaskPatternAttrInterface pattern,
                                             bool banded, int64_t nq,
                                             int64_t nk, int64_t tileQ,
                                             int64_t tileK, int64_t qb) {
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
  for (int64_t kb = 0, nkb = ceilDiv(nk, tileK); kb < nkb; ++kb) {
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
  }
  return visited;
}

std::vector<int32_t>
mlir::attn::buildBlockTables(MaskPatternAttrInterface pattern, int64_t nq,
                             int64_t nk, int64_t tileQ, int64_t tileK) {
  ::attn::BlockTableLayout layout{ceilDiv(nq, tileQ), ceilDiv(nk, tileK)};
  std::vector<int32_t> tables(layout.size(), 0);
  for (int64_t qb = 0; qb < layout.numQueryBlocks; ++qb) {
    VisitedBlocks visited =
        scheduleQueryBlock(pattern, /*banded=*/false, nq, nk, tileQ, tileK, qb);
    int64_t row = qb * layout.numKeyBlocks;
    tables[layout.partialNumOffset() + qb] = visited.partial.size();
    for (size_t i = 0; i < visited.partial.size(); ++i)
      tables[layout.partialIndexOffset() + row + i] = visited.partial[i];
    tables[layout.fullNumOffset() + qb] = visited.full.size();
    for (size_t i = 0; i < visited.full.size(); ++i)
      tables[layout.fullIndexOffset() + row + i] = visited.full[i];
  }
  return tables;
}
