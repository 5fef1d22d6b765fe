//===- MaskSimplify.h - canonical forms of mask patterns ------*- C++ -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_MASKSIMPLIFY_H
#define ATTN_DIALECT_ATTN_IR_MASKSIMPLIFY_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

namespace mlir::attn {

/// Returns the canonical form of a pattern (the same attribute when it is
/// already canonical):
/// - nested unions (intersections) flatten into one, duplicate parts drop,
///   and a combinator with one part becomes that part;
/// - a union with a dense part is dense; dense parts of an intersection
///   drop (an intersection of only dense parts is dense);
/// - a dilated window with dilation 1 is a window.
MaskPatternAttrInterface simplifyPattern(MaskPatternAttrInterface pattern);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_IR_MASKSIMPLIFY_H
