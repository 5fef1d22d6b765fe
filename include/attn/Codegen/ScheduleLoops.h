//===- ScheduleLoops.h - loops over a query block's key blocks -*- C++ -*-===//
//
// The CPU kernel (attn-tile) and the GPU kernel (convert-attn-to-gpu) visit
// the same key blocks of a query block: for banded patterns the blocks
// covering the closed-form key bounds (partial edges masked, the full middle
// not), for irregular ones the blocks listed in the schedule tables of
// attn/Support/BlockTableLayout.h. This builds those loops once for both.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CODEGEN_SCHEDULELOOPS_H
#define ATTN_CODEGEN_SCHEDULELOOPS_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/IR/Builders.h"

namespace mlir::attn {

/// Where a query block sits and how its key blocks are found.
struct ScheduledQueryBlock {
  MaskPatternAttrInterface pattern;
  bool banded;
  int64_t tileQ, tileK;
  /// memref<?xi32> of the tables (irregular schedules only).
  Value tables;
  /// index values: the query block, the position of its first query
  /// (Nk - Nq + first row), its number of rows, Nq and Nk.
  Value queryBlock, firstPosition, rows, nq, nk;
};

/// The body of one key block: gets the block index `kb`, whether the
/// pattern's predicate must be applied (a partial block), and the loop-carried
/// values; returns their next values.
using KeyBlockBody =
    function_ref<SmallVector<Value>(Value kb, bool masked, ValueRange state)>;

/// Emits scf.for loops over the scheduled key blocks of `block`, threading
/// `state` through every iteration; returns the final state.
SmallVector<Value> buildScheduledKeyBlockLoops(OpBuilder &b, Location loc,
                                               const ScheduledQueryBlock &block,
                                               ValueRange state,
                                               KeyBlockBody body);

} // namespace mlir::attn

#endif // ATTN_CODEGEN_SCHEDULELOOPS_H
