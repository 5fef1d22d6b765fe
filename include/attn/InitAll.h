//===- InitAll.h - register everything attn tools need --------*- C++ -*-===//
//
// Fills a registry with the attn dialect and the upstream dialects it needs,
// and registers attn's passes. Every tool calls these two functions.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_INITALL_H
#define ATTN_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::attn {

/// The attn dialect and the upstream dialects attn programs and passes use.
void registerAllDialects(DialectRegistry &registry);

/// attn's passes (and the upstream ones its tools expose).
void registerAllPasses();

} // namespace mlir::attn

#endif // ATTN_INITALL_H
