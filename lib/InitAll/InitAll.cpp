//===- InitAll.cpp - register everything attn tools need ------------------===//

#include "attn/InitAll.h"

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

void mlir::attn::registerAllDialects(DialectRegistry &registry) {
  registry.insert<AttnDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
}

void mlir::attn::registerAllPasses() {
  registerAttnPasses();
  // The generic transforms users combine with attn's passes.
  registerCanonicalizerPass();
  registerCSEPass();
  registerSymbolDCEPass();
}
