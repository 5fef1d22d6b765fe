//===- ScheduleFunction.h - block tables built in generated code -*- C++ -*-=//

#ifndef ATTN_CODEGEN_SCHEDULEFUNCTION_H
#define ATTN_CODEGEN_SCHEDULEFUNCTION_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {

/// Builds, at the builder's insertion point,
///   func.func @<name>(%tables: memref<?xi32>, %nq: index, %nk: index,
///                     %fill: index) -> index
/// which builds the schedule tables of attn/Support/BlockTableLayout.h for
/// run-time sequence lengths in two calls (see ScheduleFunction.cpp),
/// classifying the candidate tiles of the pattern's key ranges by evaluating
/// its predicate on every pair (lanes over queries): a tile is full when all
/// its pairs are kept and it is not cut short by Nk, empty when none is.
/// Under a token `order` the tiles are those of the permuted rows and keys
/// (every key block a candidate) and the predicate sees original positions.
/// It runs once per N (the runtime caches the tables), so ahead-of-time
/// kernels of irregular patterns take any N without MLIR at run time.
func::FuncOp buildScheduleFunction(OpBuilder &builder, Location loc,
                                   StringRef name,
                                   MaskPatternAttrInterface pattern,
                                   int64_t tileQ, int64_t tileK, int64_t lanes,
                                   TokenOrderAttrInterface order = {});

} // namespace mlir::attn

#endif // ATTN_CODEGEN_SCHEDULEFUNCTION_H
