//===- KernelFacts.cpp - what the JIT and AOT compilers share -------------===//

#include "KernelFacts.h"

using namespace mlir;
using namespace mlir::attn;

std::optional<KernelInfo> mlir::attn::readKernelInfo(func::FuncOp func) {
  auto facts = func->getAttrOfType<DictionaryAttr>("attn.kernel");
  auto signature = func->getAttrOfType<TypeAttr>("attn.signature");
  if (!facts || !signature)
    return std::nullopt;
  KernelInfo info;
  info.name = func.getSymName().str();
  info.signature = llvm::cast<FunctionType>(signature.getValue());
  auto integer = [&](StringRef key) {
    return llvm::cast<IntegerAttr>(facts.get(key)).getInt();
  };
  info.headDim = integer("head_dim");
  info.tileQ = integer("tile_q");
  info.tileK = integer("tile_k");
  info.vectorWidth = integer("vector_width");
  info.schedule = llvm::cast<StringAttr>(facts.get("schedule")).str();
  info.pattern = llvm::cast<MaskPatternAttrInterface>(facts.get("pattern"));
  return info;
}
