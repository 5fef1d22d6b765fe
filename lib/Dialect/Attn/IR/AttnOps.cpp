//===- AttnOps.cpp - attn dialect operations ------------------------------===//
//
// Verifiers (shapes, heads, element types, scale), the dense-mask folder and
// the canonicalization of pattern attributes.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/IR/MaskSimplify.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::attn;

/// The largest head dimension the ops take: far beyond any model's (64 to
/// 256), small enough that every tile size computed from it stays exact.
constexpr int64_t kMaxHeadDim = 65536;

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape checks shared by the verifiers
//===----------------------------------------------------------------------===//

namespace {
/// A named rank-4 operand or result, for diagnostics.
struct Named {
  StringRef name;
  RankedTensorType type;
  int64_t dim(unsigned i) const { return type.getDimSize(i); }
};

/// Checks the static sizes of one op and reports the first mismatch.
class ShapeChecker {
public:
  explicit ShapeChecker(Operation *op) : op(op) {}

  /// Dimension `what` of a and b agree where both are static.
  LogicalResult same(StringRef what, const Named &a, unsigned ai,
                     const Named &b, unsigned bi) {
    int64_t x = a.dim(ai), y = b.dim(bi);
    if (ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y)
      return success();
    return op->emitOpError()
           << what << " of '" << b.name << "' (" << y << ") differs from '"
           << a.name << "' (" << x << ")";
  }

  /// The head dimension (dim 3) is static and in [1, kMaxHeadDim].
  LogicalResult staticHeadDim(const Named &a) {
    if (ShapedType::isDynamic(a.dim(3)))
      return op->emitOpError() << "head dimension of '" << a.name
                               << "' must be static, got " << a.type;
    if (a.dim(3) < 1)
      return op->emitOpError()
             << "head dimension of '" << a.name << "' must be at least 1";
    if (a.dim(3) > kMaxHeadDim)
      return op->emitOpError()
             << "head dimension of '" << a.name << "' must be at most "
             << kMaxHeadDim << ", got " << a.dim(3);
    return success();
  }

  /// Query heads are a multiple of key/value heads.
  LogicalResult groupedHeads(const Named &q, const Named &kv) {
    int64_t h = q.dim(1), hkv = kv.dim(1);
    if (ShapedType::isDynamic(hkv))
      return success();
    if (hkv < 1)
      return op->emitOpError()
             << "'" << kv.name << "' must have at least one head";
    if (ShapedType::isDynamic(h) || h % hkv == 0)
      return success();
    return op->emitOpError() << "heads of '" << q.name << "' (" << h
                             << ") must be a multiple of the heads of '"
                             << kv.name << "' (" << hkv << ")";
  }

  /// `a` has the element type of `b`, or f32 when `allowF32`.
  LogicalResult elementType(const Named &a, const Named &b,
                            bool allowF32 = false) {
    Type x = a.type.getElementType(), y = b.type.getElementType();
    if (x == y || (allowF32 && x.isF32()))
      return success();
    InFlightDiagnostic diag = op->emitOpError()
                              << "element type of '" << a.name << "' (" << x
                              << ") must be that of '" << b.name << "' (" << y
                              << ")";
    if (allowF32)
      diag << " or f32";
    return diag;
  }

private:
  Operation *op;
};
} // namespace

static LogicalResult verifyScale(Operation *op, FloatAttr scale) {
  if (!scale)
    return success();
  double value = scale.getValueAsDouble();
  if (std::isfinite(value) && value > 0)
    return success();
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return op->emitOpError() << "scale must be finite and positive, got " << text;
}

static double effectiveScale(FloatAttr scale, int64_t headDim) {
  return scale ? scale.getValueAsDouble() : 1.0 / std::sqrt(double(headDim));
}

//===----------------------------------------------------------------------===//
// qk
//===----------------------------------------------------------------------===//

LogicalResult QKOp::verify() {
  Named q{"q", getQ().getType()}, k{"k", getK().getType()},
      s{"scores", getScores().getType()};
  ShapeChecker check(*this);
  if (failed(check.staticHeadDim(q)) || failed(check.staticHeadDim(k)) ||
      failed(check.same("head dimension", q, 3, k, 3)) ||
      failed(check.elementType(k, q)) ||
      failed(check.elementType(s, q, /*allowF32=*/true)) ||
      failed(check.same("batch size", q, 0, k, 0)) ||
      failed(check.same("batch size", q, 0, s, 0)) ||
      failed(check.groupedHeads(q, k)) ||
      failed(check.same("heads", q, 1, s, 1)) ||
      failed(check.same("query length", q, 2, s, 2)) ||
      failed(check.same("key length", k, 2, s, 3)))
    return failure();
  return verifyScale(*this, getScaleAttr());
}

double QKOp::getEffectiveScale() {
  return effectiveScale(getScaleAttr(), getQ().getType().getDimSize(3));
}

//===----------------------------------------------------------------------===//
// mask
//===----------------------------------------------------------------------===//

LogicalResult MaskOp::verify() {
  RankedTensorType type = getScores().getType();
  return getPattern().verifyExtent([&] { return emitOpError(); },
                                   type.getDimSize(2), type.getDimSize(3));
}

OpFoldResult MaskOp::fold(FoldAdaptor) {
  if (isa<DenseAttr>(getPattern()))
    return getScores();
  return {};
}

namespace {
/// Rewrites the pattern attribute of `OpTy` into its canonical form; on
/// attn.attention a dense pattern is dropped (absent means dense).
template <typename OpTy> struct SimplifyPatternAttr : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    MaskPatternAttrInterface pattern = op.getPatternAttr();
    if (!pattern)
      return failure();
    MaskPatternAttrInterface simple = simplifyPattern(pattern);
    bool dropDense =
        std::is_same_v<OpTy, AttentionOp> && isa<DenseAttr>(simple);
    if (simple == pattern && !dropDense)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      if (dropDense)
        op->removeAttr(op.getPatternAttrName());
      else
        op.setPatternAttr(simple);
    });
    return success();
  }
};
} // namespace

void MaskOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<SimplifyPatternAttr<MaskOp>>(context);
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t axis = getAxis();
  if (axis < 0 || axis > 3)
    return emitOpError() << "axis " << axis
                         << " is out of range for a rank-4 tensor";
  return success();
}

//===----------------------------------------------------------------------===//
// pv
//===----------------------------------------------------------------------===//

LogicalResult PVOp::verify() {
  Named p{"probs", getProbs().getType()}, v{"v", getV().getType()},
      o{"output", getOutput().getType()};
  ShapeChecker check(*this);
  if (failed(check.staticHeadDim(v)) || failed(check.staticHeadDim(o)) ||
      failed(check.same("head dimension", v, 3, o, 3)) ||
      failed(check.elementType(o, v)) ||
      failed(check.elementType(p, v, /*allowF32=*/true)) ||
      failed(check.same("batch size", p, 0, v, 0)) ||
      failed(check.same("batch size", p, 0, o, 0)) ||
      failed(check.groupedHeads(p, v)) ||
      failed(check.same("heads", p, 1, o, 1)) ||
      failed(check.same("key length", p, 3, v, 2)) ||
      failed(check.same("query length", p, 2, o, 2)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  Named q{"q", getQ().getType()}, k{"k", getK().getType()},
      v{"v", getV().getType()}, o{"output", getOutput().getType()};
  ShapeChecker check(*this);
  if (failed(check.staticHeadDim(q)) || failed(check.staticHeadDim(k)) ||
      failed(check.staticHeadDim(v)) || failed(check.staticHeadDim(o)) ||
      failed(check.same("head dimension", q, 3, k, 3)) ||
      failed(check.same("head dimension", q, 3, v, 3)) ||
      failed(check.same("head dimension", q, 3, o, 3)) ||
      failed(check.elementType(k, q)) || failed(check.elementType(v, q)) ||
      failed(check.elementType(o, q)) ||
      failed(check.same("batch size", q, 0, k, 0)) ||
      failed(check.same("batch size", q, 0, v, 0)) ||
      failed(check.same("batch size", q, 0, o, 0)) ||
      failed(check.groupedHeads(q, k)) ||
      failed(check.same("heads", k, 1, v, 1)) ||
      failed(check.same("heads", q, 1, o, 1)) ||
      failed(check.same("key length", k, 2, v, 2)) ||
      failed(check.same("query length", q, 2, o, 2)) ||
      failed(verifyScale(*this, getScaleAttr())))
    return failure();
  if (Value lse = getLse()) {
    // [B, H, Nq]: the first three dimensions of the output.
    Named l{"lse", cast<RankedTensorType>(lse.getType())};
    if (failed(check.same("batch size", o, 0, l, 0)) ||
        failed(check.same("heads", o, 1, l, 1)) ||
        failed(check.same("query length", o, 2, l, 2)))
      return failure();
  }
  int64_t nq = getQ().getType().getDimSize(2);
  int64_t nk = getK().getType().getDimSize(2);
  if (MaskPatternAttrInterface pattern = getPatternAttr())
    if (failed(pattern.verifyExtent([&] { return emitOpError(); }, nq, nk)))
      return failure();
  if (ScheduleAttr schedule = getScheduleAttr()) {
    bool banded = hasBandedSchedule();
    if (schedule.isBanded() != banded)
      return emitOpError() << "schedule kind \"" << schedule.getKind()
                           << "\" does not fit the pattern (expected \""
                           << (banded ? "banded" : "tables") << "\")";
    if (DenseI32ArrayAttr tables = schedule.getTables()) {
      if (getOrderAttr())
        return emitOpError() << "a token order's schedule tables are built "
                                "per call; static tables would list blocks "
                                "of the original order";
      if (ShapedType::isDynamic(nq) || ShapedType::isDynamic(nk))
        return emitOpError() << "schedule tables need static Nq and Nk";
      int64_t nqb = ::attn::ceilDiv(nq, schedule.getTileQ());
      int64_t nkb = ::attn::ceilDiv(nk, schedule.getTileK());
      if (std::string problem = ::attn::checkBlockTables(
              tables.asArrayRef().data(), tables.size(), nqb, nkb);
          !problem.empty())
        return emitOpError()
               << "for " << nqb << " x " << nkb << " blocks: " << problem;
    }
  }
  return success();
}

LogicalResult ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t tileQ, int64_t tileK, StringRef kind,
                                   DenseI32ArrayAttr tables) {
  if (tileQ < 1 || tileQ > 4096 || tileK < 1 || tileK > 4096)
    return emitError() << "tile sizes must be in [1, 4096], got " << tileQ
                       << " x " << tileK;
  if (kind != "banded" && kind != "tables")
    return emitError() << "schedule kind must be \"banded\" or \"tables\", "
                          "got \""
                       << kind << "\"";
  if (tables && kind != "tables")
    return emitError() << "a banded schedule has no tables";
  return success();
}

bool AttentionOp::hasBandedSchedule() {
  return !getOrderAttr() &&
         getEffectivePattern().getKeyBounds(0, 1, 1, 1).has_value();
}

double AttentionOp::getEffectiveScale() {
  return effectiveScale(getScaleAttr(), getQ().getType().getDimSize(3));
}

MaskPatternAttrInterface AttentionOp::getEffectivePattern() {
  if (MaskPatternAttrInterface pattern = getPatternAttr())
    return pattern;
  return DenseAttr::get(getContext());
}

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<SimplifyPatternAttr<AttentionOp>>(context);
}

//===----------------------------------------------------------------------===//
// attn.merge
//===----------------------------------------------------------------------===//

// %o, %lse = attn.merge %o1, %lse1, %o2, %lse2 [attr-dict]
//     : <output type>, <lse type>
ParseResult MergeOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::UnresolvedOperand> parts;
  Type outputType, lseType;
  SMLoc partsLoc = parser.getCurrentLocation();
  if (parser.parseOperandList(parts) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon() ||
      parser.parseType(outputType) || parser.parseComma() ||
      parser.parseType(lseType))
    return failure();
  if (parts.size() % 2 != 0)
    return parser.emitError(partsLoc)
           << "'attn.merge' takes pairs of (output, lse), got " << parts.size()
           << " operands";
  SmallVector<Type> types;
  for (size_t i = 0; i < parts.size(); ++i)
    types.push_back(i % 2 == 0 ? outputType : lseType);
  if (parser.resolveOperands(parts, types, partsLoc, result.operands))
    return failure();
  result.addTypes({outputType, lseType});
  return success();
}

void MergeOp::print(OpAsmPrinter &p) {
  p << ' ' << getParts();
  p.printOptionalAttrDict((*this)->getAttrs());
  p << " : " << getOutput().getType() << ", " << getLse().getType();
}

LogicalResult MergeOp::verify() {
  if (getParts().size() % 2 != 0)
    return emitOpError() << "takes pairs of (output, lse), got "
                         << getParts().size() << " operands";
  if (getNumParts() < 2)
    return emitOpError() << "needs at least 2 parts to merge, got "
                         << getNumParts();
  Type outputType = getOutput().getType(), lseType = getLse().getType();
  for (unsigned i = 0; i < getNumParts(); ++i) {
    if (getPartOutput(i).getType() != outputType)
      return emitOpError() << "output of part " << i << " has type "
                           << getPartOutput(i).getType() << ", the result has "
                           << outputType;
    if (getPartLse(i).getType() != lseType)
      return emitOpError() << "lse of part " << i << " has type "
                           << getPartLse(i).getType() << ", the result has "
                           << lseType;
  }
  Named o{"output", getOutput().getType()};
  Named l{"lse", getLse().getType()};
  ShapeChecker check(*this);
  return success(succeeded(check.staticHeadDim(o)) &&
                 succeeded(check.same("batch size", o, 0, l, 0)) &&
                 succeeded(check.same("heads", o, 1, l, 1)) &&
                 succeeded(check.same("query length", o, 2, l, 2)));
}
