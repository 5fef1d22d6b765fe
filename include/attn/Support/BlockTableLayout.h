//===- BlockTableLayout.h - layout of the block-schedule tables -*- C++ -*-===//
//
// The tables an irregular pattern's kernel reads: per query block, the key
// blocks it visits, in one int32 array of O(visited blocks) entries (never
// query blocks x key blocks):
//   [row_start (nqb + 1) | full_start (nqb) | key-block indices ...]
// Query block qb visits the key blocks listed at [row_start[qb],
// full_start[qb]) with the per-element mask (partial) and those at
// [full_start[qb], row_start[qb + 1]) without it (full). The starts are
// positions in the same array, so row_start[0] = 2 * nqb + 1 and
// row_start[nqb] is the size of the whole array. Shared by the compiler, the
// kernels and the runtime. LLVM-free.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_BLOCKTABLELAYOUT_H
#define ATTN_SUPPORT_BLOCKTABLELAYOUT_H

#include <cstdint>
#include <string>

namespace attn {

struct BlockTableLayout {
  int64_t numQueryBlocks; ///< nqb = ceil(Nq / tile_q)

  int64_t rowStartOffset() const { return 0; }
  int64_t fullStartOffset() const { return numQueryBlocks + 1; }
  /// Entries before the first key-block index.
  int64_t headerSize() const { return 2 * numQueryBlocks + 1; }
};

/// Why `tables` (of `size` entries) are not schedule tables for
/// `numQueryBlocks` query blocks and `numKeyBlocks` key blocks, or "" when
/// they are: starts in order and inside the array, every index a key block.
/// The kernels read the tables unchecked; the runtime checks tables a caller
/// gives it with this.
inline std::string checkBlockTables(const int32_t *tables, int64_t size,
                                    int64_t numQueryBlocks,
                                    int64_t numKeyBlocks) {
  BlockTableLayout layout{numQueryBlocks};
  if (size < layout.headerSize())
    return "schedule tables of " + std::to_string(size) +
           " entries are shorter than their header of " +
           std::to_string(layout.headerSize()) + " entries";
  if (tables[layout.rowStartOffset()] != layout.headerSize())
    return "schedule tables must list their first key block right after the "
           "header";
  for (int64_t qb = 0; qb < numQueryBlocks; ++qb) {
    int64_t row = tables[layout.rowStartOffset() + qb];
    int64_t full = tables[layout.fullStartOffset() + qb];
    int64_t next = tables[layout.rowStartOffset() + qb + 1];
    if (full < row || next < full || next > size)
      return "schedule tables have out-of-order starts at query block " +
             std::to_string(qb);
  }
  for (int64_t i = layout.headerSize();
       i < tables[layout.rowStartOffset() + numQueryBlocks]; ++i)
    if (tables[i] < 0 || tables[i] >= numKeyBlocks)
      return "schedule tables list key block " + std::to_string(tables[i]) +
             ", out of range for " + std::to_string(numKeyBlocks) +
             " key blocks";
  return "";
}

} // namespace attn

#endif // ATTN_SUPPORT_BLOCKTABLELAYOUT_H
