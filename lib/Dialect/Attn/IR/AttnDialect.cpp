//===- AttnDialect.cpp - attn dialect registration ------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnOpsDialect.cpp.inc"

#include "attn/Dialect/Attn/IR/AttnEnums.cpp.inc"

/// Parses the parts of #attn.union / #attn.intersect: `[` pattern, ... `]`,
/// naming the part that is not a mask pattern. An empty list parses; the
/// attribute's verifier rejects it with its own message.
static ParseResult
parsePatternList(AsmParser &parser,
                 SmallVector<MaskPatternAttrInterface> &parts) {
  // The parser recurses once per level: bound it before the stack does.
  static thread_local unsigned depth = 0;
  if (depth >= kMaxPatternDepth)
    return parser.emitError(parser.getCurrentLocation())
           << "mask patterns nest at most " << kMaxPatternDepth
           << " #attn.union / #attn.intersect levels deep";
  ++depth;
  auto leave = llvm::make_scope_exit([] { --depth; });
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::Square, [&]() -> ParseResult {
        SMLoc loc = parser.getCurrentLocation();
        Attribute attr;
        if (parser.parseAttribute(attr))
          return failure();
        auto part = llvm::dyn_cast<MaskPatternAttrInterface>(attr);
        if (!part)
          return parser.emitError(loc)
                 << "expected a mask pattern attribute, got " << attr;
        parts.push_back(part);
        return success();
      });
}

static void printPatternList(AsmPrinter &printer,
                             ArrayRef<MaskPatternAttrInterface> parts) {
  printer << "[";
  llvm::interleaveComma(parts, printer,
                        [&](Attribute part) { printer.printAttribute(part); });
  printer << "]";
}

/// Parses the global tokens `[t0, t1, ...]`; an empty list parses and the
/// verifier rejects it.
static ParseResult parseTokenList(AsmParser &parser,
                                  SmallVector<int64_t> &tokens) {
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::Square, [&]() -> ParseResult {
        return parser.parseInteger(tokens.emplace_back());
      });
}

static void printTokenList(AsmPrinter &printer, ArrayRef<int64_t> tokens) {
  printer << "[";
  llvm::interleaveComma(tokens, printer);
  printer << "]";
}

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"
      >();
}
