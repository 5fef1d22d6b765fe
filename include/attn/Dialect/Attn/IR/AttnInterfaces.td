//===- AttnInterfaces.td - the mask-pattern interface -----*- tablegen -*-===//
//
// Every mask pattern attribute implements MaskPatternAttrInterface. The
// passes, the reference and the cost model only talk to this interface, so a
// new variant is one new attribute and no pass changes.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD
#define ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD

include "mlir/IR/OpBase.td"

def Attn_MaskPatternAttrInterface : AttrInterface<"MaskPatternAttrInterface"> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    A mask pattern: which (query position p, key j) pairs attention computes.
    Positions follow the bottom-right alignment p = i + (Nk - Nq). All
    methods take the sequence lengths, since irregular patterns (BigBird,
    block-sparse) depend on them.

    Ranges are half-open: a tile is the query positions [p0, p1) times the
    keys [j0, j1).
  }];

  let methods = [
    InterfaceMethod<[{
        Returns true when the pair (query position `p`, key `j`) is computed.
        Precondition: 0 <= j < nk and nk - nq <= p < nk.
      }],
      "bool", "contains",
      (ins "int64_t":$p, "int64_t":$j, "int64_t":$nq, "int64_t":$nk)>,
    InterfaceMethod<[{
        Builds the same predicate as `contains` in IR. `p`, `j`, `nq` and
        `nk` are all `index` values, or all `vector<N x index>` values (one
        lane per pair); the result is an `i1`, or a `vector<N x i1>`. Call it
        through `buildMaskPredicate`, which broadcasts mixed scalar and
        vector operands. No intermediate value overflows for any accepted
        parameter.
      }],
      "::mlir::Value", "buildPredicate",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$p, "::mlir::Value":$j, "::mlir::Value":$nq,
           "::mlir::Value":$nk)>,
    InterfaceMethod<[{
        Classifies the tile [p0, p1) x [j0, j1) (non-empty, inside the valid
        ranges): Empty when no pair is kept, Full when every pair is, Partial
        otherwise. Sound for every pattern (Empty and Full are never wrong);
        exact for the leaf patterns.
      }],
      "::mlir::attn::BlockKind", "classifyTile",
      (ins "const ::mlir::attn::Tile &":$tile, "int64_t":$nq, "int64_t":$nk)>,
    InterfaceMethod<[{
        For banded patterns (dense, causal, window, dilated and their
        intersections): the closed-form key range of the query positions
        [p0, p1). Keys outside `any` are dropped for every row; keys inside
        `all` are kept for every row. Returns std::nullopt for patterns with
        no such closed form.
      }],
      "std::optional<::mlir::attn::KeyBounds>", "getKeyBounds",
      (ins "int64_t":$p0, "int64_t":$p1, "int64_t":$nq, "int64_t":$nk),
      /*methodBody=*/"",
      /*defaultImplementation=*/"return std::nullopt;">,
    InterfaceMethod<[{
        `getKeyBounds` in IR, for sequence lengths known only at run time:
        `p0`, `p1`, `nq` and `nk` are `index` values. Returns std::nullopt for
        patterns without closed-form bounds.
      }],
      "std::optional<::mlir::attn::KeyBoundValues>", "buildKeyBounds",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$p0, "::mlir::Value":$p1, "::mlir::Value":$nq,
           "::mlir::Value":$nk),
      /*methodBody=*/"",
      /*defaultImplementation=*/"return std::nullopt;">,
    InterfaceMethod<[{
        Appends to `ranges` key ranges [begin, end) within [0, nk) that hold
        every key some query position in [p0, p1) keeps: the candidates an
        irregular schedule classifies, so building it costs O(visited blocks)
        instead of O(all tiles). Ranges may overlap and may be empty
        (begin >= end, either possibly negative); non-empty ones lie in
        [0, nk). The default is the banded `any` range, else [0, nk).
      }],
      "void", "getKeyRanges",
      (ins "int64_t":$p0, "int64_t":$p1, "int64_t":$nq, "int64_t":$nk,
           "::llvm::SmallVectorImpl<::mlir::attn::KeyRange> &":$ranges),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        ::mlir::attn::appendDefaultKeyRanges($_attr, p0, p1, nq, nk, ranges);
      }]>,
    InterfaceMethod<[{
        `getKeyRanges` in IR (`index` values), the same ranges in the same
        order, for the schedule functions of a run-time N.
      }],
      "void", "buildKeyRanges",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$p0, "::mlir::Value":$p1, "::mlir::Value":$nq,
           "::mlir::Value":$nk,
           "::llvm::SmallVectorImpl<::mlir::attn::KeyRangeValues> &":$ranges),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        ::mlir::attn::buildDefaultKeyRanges($_attr, builder, loc, p0, p1, nq,
                                            nk, ranges);
      }]>,
    InterfaceMethod<[{
        The exact number of kept pairs for nq queries and nk keys (per batch
        and head), saturating at INT64_MAX.
      }],
      "int64_t", "countPairs",
      (ins "int64_t":$nq, "int64_t":$nk),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::mlir::attn::countPairsByTiles($_attr, nq, nk);
      }]>,
    InterfaceMethod<[{
        Checks the parameters against the sequence lengths of an op using the
        pattern (`ShapedType::kDynamic` where unknown), e.g. global tokens
        beyond a static N or a block layout of the wrong size.
      }],
      "::llvm::LogicalResult", "verifyExtent",
      (ins "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError,
           "int64_t":$nq, "int64_t":$nk),
      /*methodBody=*/"",
      /*defaultImplementation=*/"return ::mlir::success();">,
  ];
}

def Attn_TokenOrderAttrInterface : AttrInterface<"TokenOrderAttrInterface"> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    A token order (DESIGN 4.3): a permutation of the query rows and of the
    keys under which a pattern's kept pairs are block-dense. A kernel with an
    order tiles the permuted sequences, gathers the rows of Q, K and V
    through the permutation, evaluates the pattern on the original positions
    and writes each output row back to its original place, so results are
    unchanged; only the visited blocks differ.

    The `build` methods take `index` values or `vector<N x index>` values
    (the permuted indices and the length, all of one shape) and return the
    original indices in the same shape.
  }];

  let methods = [
    InterfaceMethod<"Whether the query rows are permuted.",
      "bool", "permutesQueries", (ins)>,
    InterfaceMethod<[{
        The original row of permuted query row `t`, 0 <= t < nq.
      }],
      "int64_t", "getQueryRow", (ins "int64_t":$t, "int64_t":$nq)>,
    InterfaceMethod<"`getQueryRow` in IR.",
      "::mlir::Value", "buildQueryRow",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$t, "::mlir::Value":$nq)>,
    InterfaceMethod<[{
        The original key of permuted key `u`, 0 <= u < nk.
      }],
      "int64_t", "getKey", (ins "int64_t":$u, "int64_t":$nk)>,
    InterfaceMethod<"`getKey` in IR.",
      "::mlir::Value", "buildKey",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$u, "::mlir::Value":$nk)>,
  ];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD
