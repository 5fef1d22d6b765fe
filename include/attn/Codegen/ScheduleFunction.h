//===- ScheduleFunction.h - block tables built in generated code -*- C++ -*-=//

#ifndef ATTN_CODEGEN_SCHEDULEFUNCTION_H
#define ATTN_CODEGEN_SCHEDULEFUNCTION_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {

/// Builds, at the builder's insertion point,
///   func.func @<name>(%tables: memref<?xi32>, %nq: index, %nk: index)
/// which fills the schedule tables of attn/Support/BlockTableLayout.h for
/// run-time sequence lengths by evaluating the pattern's predicate on every
/// pair of every tile (lanes over queries): a tile is full when all its
/// pairs are kept and it is not cut short by Nk, empty when none is. It runs
/// once per N (the runtime caches the tables), so ahead-of-time kernels of
/// irregular patterns take any N without MLIR at run time.
func::FuncOp buildScheduleFunction(OpBuilder &builder, Location loc,
                                   StringRef name,
                                   MaskPatternAttrInterface pattern,
                                   int64_t tileQ, int64_t tileK, int64_t lanes);

} // namespace mlir::attn

#endif // ATTN_CODEGEN_SCHEDULEFUNCTION_H
