//===- MaskSimplify.cpp - canonical forms of mask patterns ----------------===//

#include "attn/Dialect/Attn/IR/MaskSimplify.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::attn;

/// Flattens the simplified parts of a combinator of kind `Combinator` into
/// `parts`, skipping duplicates.
template <typename Combinator>
static void collectParts(ArrayRef<MaskPatternAttrInterface> input,
                         llvm::SetVector<MaskPatternAttrInterface> &parts) {
  for (MaskPatternAttrInterface part : input) {
    MaskPatternAttrInterface simple = simplifyPattern(part);
    if (auto nested = llvm::dyn_cast<Combinator>(simple))
      collectParts<Combinator>(nested.getParts(), parts);
    else
      parts.insert(simple);
  }
}

MaskPatternAttrInterface
mlir::attn::simplifyPattern(MaskPatternAttrInterface pattern) {
  MLIRContext *ctx = pattern.getContext();
  if (auto dilated = llvm::dyn_cast<DilatedAttr>(pattern)) {
    if (dilated.getDilation() == 1)
      return WindowAttr::get(ctx, dilated.getLeft(), dilated.getRight());
    return pattern;
  }
  if (auto unionAttr = llvm::dyn_cast<UnionAttr>(pattern)) {
    llvm::SetVector<MaskPatternAttrInterface> parts;
    collectParts<UnionAttr>(unionAttr.getParts(), parts);
    if (llvm::any_of(parts, [](Attribute a) { return isa<DenseAttr>(a); }))
      return DenseAttr::get(ctx);
    if (parts.size() == 1)
      return parts.front();
    return UnionAttr::get(ctx, parts.getArrayRef());
  }
  if (auto intersect = llvm::dyn_cast<IntersectAttr>(pattern)) {
    llvm::SetVector<MaskPatternAttrInterface> parts;
    collectParts<IntersectAttr>(intersect.getParts(), parts);
    parts.remove_if([](Attribute a) { return isa<DenseAttr>(a); });
    if (parts.empty())
      return DenseAttr::get(ctx);
    if (parts.size() == 1)
      return parts.front();
    return IntersectAttr::get(ctx, parts.getArrayRef());
  }
  return pattern;
}
