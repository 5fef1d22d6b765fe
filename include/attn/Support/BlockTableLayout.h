//===- BlockTableLayout.h - layout of the block-schedule tables -*- C++ -*-===//
//
// The tables an irregular pattern's kernel reads, in FlexAttention's
// BlockMask layout, flattened into one int32 array:
//   [partial_num (nqb) | partial_idx (nqb x nkb) | full_num (nqb) |
//    full_idx (nqb x nkb)]
// partial_num[qb] key blocks listed in partial_idx[qb][...] need the
// per-element mask; full_num[qb] listed in full_idx[qb][...] do not. Shared by
// the compiler, the kernels and the runtime. LLVM-free.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_BLOCKTABLELAYOUT_H
#define ATTN_SUPPORT_BLOCKTABLELAYOUT_H

#include <cstdint>

namespace attn {

struct BlockTableLayout {
  int64_t numQueryBlocks; ///< nqb = ceil(Nq / tile_q)
  int64_t numKeyBlocks;   ///< nkb = ceil(Nk / tile_k)

  int64_t partialNumOffset() const { return 0; }
  int64_t partialIndexOffset() const { return numQueryBlocks; }
  int64_t fullNumOffset() const {
    return numQueryBlocks + numQueryBlocks * numKeyBlocks;
  }
  int64_t fullIndexOffset() const { return fullNumOffset() + numQueryBlocks; }
  int64_t size() const { return 2 * fullNumOffset(); }
};

} // namespace attn

#endif // ATTN_SUPPORT_BLOCKTABLELAYOUT_H
