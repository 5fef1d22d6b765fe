//===- BlockSchedule.h - which key blocks each query block visits -*- C++ -*-=//
//
// The block schedule of an attention op for tiles of tile_q x tile_k: per
// query block, the key blocks to visit with the per-element mask (partial)
// and without it (full). Banded patterns derive it from closed-form key
// bounds (the kernel evaluates the same formulas in IR); irregular ones by
// classifying every tile, stored as tables. Used by attn-sparsify, by the
// runtime for a dynamic N, by the cost model and by tests.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_BLOCKSCHEDULE_H
#define ATTN_ANALYSIS_BLOCKSCHEDULE_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include <cstdint>
#include <vector>

namespace mlir::attn {

/// Whether the pattern has closed-form key bounds (a banded schedule).
bool hasBandedSchedule(MaskPatternAttrInterface pattern);

/// The key blocks one query block visits.
struct VisitedBlocks {
  std::vector<int64_t> partial, full;
};

/// The key blocks query block `qb` visits, banded or from classifying the
/// tiles of the pattern's key ranges (in the order of forEachKeyBlockOf). A
/// key block cut short by Nk is never full: the kernel checks the key range
/// in partial blocks only. Under a token `order` (never banded), the blocks
/// of the permuted rows and keys, classified by counting their kept pairs on
/// the original positions (the rule of the generated schedule function, so
/// both build the same tables): O(Nk * tile_q) per query block.
VisitedBlocks scheduleQueryBlock(MaskPatternAttrInterface pattern, bool banded,
                                 int64_t nq, int64_t nk, int64_t tileQ,
                                 int64_t tileK, int64_t qb,
                                 TokenOrderAttrInterface order = {});

/// What building the schedule costs, in tiles classified: a banded one
/// its query blocks, an irregular one the candidate key blocks of every
/// query block's key ranges, one under a token order its pairs / 32 (one
/// pair test is about 1/32 of a tile classification). Cheap to compute
/// (O(query blocks)); attn-cost refuses work above kMaxScheduleWork.
double scheduleWork(MaskPatternAttrInterface pattern, bool banded, int64_t nq,
                    int64_t nk, int64_t tileQ, int64_t tileK,
                    TokenOrderAttrInterface order = {});

/// The most scheduleWork the compile-time tools do for one op and N (a few
/// seconds): above it attn-cost skips the prediction.
constexpr double kMaxScheduleWork = double(int64_t(1) << 24);

/// The tables of an irregular schedule in the layout of
/// attn/Support/BlockTableLayout.h: O(visited blocks) entries, built per
/// query block (under `order` when given). Empty when the positions would
/// not fit int32.
std::vector<int32_t> buildBlockTables(MaskPatternAttrInterface pattern,
                                      int64_t nq, int64_t nk, int64_t tileQ,
                                      int64_t tileK,
                                      TokenOrderAttrInterface order = {});

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_BLOCKSCHEDULE_H
