//===- AttnAttrs.td - mask pattern attributes --------------*- tablegen -*-===//
//
// One attribute per mask pattern of the efficient-attention literature. Each
// implements MaskPatternAttrInterface; the C++ bodies live in
// lib/Dialect/Attn/IR/Masks/<Kind>Mask(s).cpp.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnBase.td"
include "attn/Dialect/Attn/IR/AttnInterfaces.td"
include "attn/Dialect/Attn/IR/AttnKernelAttrs.td"
include "mlir/IR/AttrTypeBase.td"

/// A mask pattern attribute. `extraMethods` lists the interface methods with
/// a default implementation that the pattern overrides.
class Attn_PatternAttr<string name, string attrMnemonic,
                       list<string> extraMethods = []>
    : AttrDef<Attn_Dialect, name,
              [DeclareAttrInterfaceMethods<Attn_MaskPatternAttrInterface,
                                           extraMethods>]> {
  let mnemonic = attrMnemonic;
}

def Attn_DenseAttr : Attn_PatternAttr<"Dense", "dense",
                                      ["getKeyBounds", "buildKeyBounds", "countPairs"]> {
  let summary = "Every pair is computed (vanilla attention, Vaswani 2017)";
  let description = [{
    ```mlir
    #attn.dense
    ```
  }];
}

def Attn_CausalAttr : Attn_PatternAttr<"Causal", "causal",
                                       ["getKeyBounds", "buildKeyBounds", "countPairs"]> {
  let summary = "Key j is computed for query position p iff j <= p";
  let description = [{
    Autoregressive (decoder) attention. With Nq < Nk the queries are the last
    Nq positions, so one query against a KV cache sees every key.

    ```mlir
    #attn.causal
    ```
  }];
}

def Attn_WindowAttr : Attn_PatternAttr<"Window", "window",
                                       ["getKeyBounds", "buildKeyBounds", "countPairs"]> {
  let summary = "Sliding window: p - left <= j <= p + right (Longformer)";
  let description = [{
    The sliding window of Longformer (Beltagy et al. 2020): each query sees
    `left` keys before it, itself and `right` keys after it (w = left + right
    + 1). `window<left = a, right = 0>` is causal local attention. Values up
    to 2^62 are accepted; 2^62 means "everything on that side". A negative
    bound moves that edge past the query (`window<left = 127, right = -1>`
    is the 127 keys before p, without p); left + right >= 0.

    ```mlir
    #attn.window<left = 256, right = 256>
    ```
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_DilatedAttr : Attn_PatternAttr<"Dilated", "dilated",
                                        ["getKeyBounds", "buildKeyBounds", "countPairs"]> {
  let summary = "Dilated window: every d-th key within left·d before and right·d after";
  let description = [{
    The dilated sliding window of Longformer: j is computed iff
    (j - p) mod d = 0 and -left·d <= j - p <= right·d. With dilation = 1 it
    is `window`.

    ```mlir
    #attn.dilated<left = 64, right = 64, dilation = 2>
    ```
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right,
                        "int64_t":$dilation);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_GlobalAttr : Attn_PatternAttr<"Global", "global",
                                       ["countPairs", "verifyExtent",
                                        "getKeyRanges", "buildKeyRanges"]> {
  let summary = "Global tokens: p or j is one of the listed positions (Longformer)";
  let description = [{
    Global attention of Longformer: the listed positions attend to every key
    and every query attends to them. Usually combined with a window in a
    `union`. Tokens are distinct, non-negative and, for a static N, < N.

    ```mlir
    #attn.global<tokens = [0, 1]>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$tokens);
  let assemblyFormat = "`<` `tokens` `=` custom<TokenList>($tokens) `>`";
  let genVerifyDecl = 1;
}

def Attn_StridedAttr : Attn_PatternAttr<"Strided", "strided",
                                        ["countPairs", "getKeyRanges",
                                         "buildKeyRanges"]> {
  let summary = "Sparse Transformer strided: j <= p and (p - j <= l or (p - j) mod l = 0)";
  let description = [{
    The strided pattern of the Sparse Transformer (Child et al. 2019), the
    union of its two heads A(1) (the previous l keys) and A(2) (every l-th
    key before the query).

    ```mlir
    #attn.strided<stride = 128>
    ```
  }];
  let parameters = (ins "int64_t":$stride);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_FixedAttr : Attn_PatternAttr<"Fixed", "fixed",
                                      ["countPairs", "getKeyRanges",
                                       "buildKeyRanges"]> {
  let summary = "Sparse Transformer fixed: same stripe of l keys, or a summary key";
  let description = [{
    The fixed pattern of the Sparse Transformer: j <= p and (floor(j/l) =
    floor(p/l) or j mod l >= l - c), i.e. the query's own stripe of `stride`
    keys plus the last `summary` keys of every earlier stripe.
    0 <= summary <= stride.

    ```mlir
    #attn.fixed<stride = 128, summary = 8>
    ```
  }];
  let parameters = (ins "int64_t":$stride, "int64_t":$summary);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_BigBirdAttr : Attn_PatternAttr<"BigBird", "bigbird", ["countPairs"]> {
  let summary = "BigBird (ITC): window, global and random blocks";
  let description = [{
    BigBird (Zaheer et al. 2020), internal-transformer-construction variant,
    on blocks of `block` positions: with qb = floor(p/block) and
    kb = floor(j/block), the pair is computed iff |qb - kb| <= floor(window/2),
    or 0 <= qb < global, or kb < global, or kb is one of the `random` blocks
    R(qb).
    R(qb) is drawn from (seed, qb) by the deterministic generator of
    `attn/Support/BigBirdRandom.h` (documented in docs/variants.md), the same
    in the compiler, the reference and every runtime.

    ```mlir
    #attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 0>
    ```
  }];
  let parameters = (ins "int64_t":$block, "int64_t":$window,
                        "int64_t":$global, "int64_t":$random,
                        "int64_t":$seed);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_BlockSparseAttr : Attn_PatternAttr<"BlockSparse", "block_sparse",
                                            ["countPairs", "verifyExtent"]> {
  let summary = "An explicit block layout (DeepSpeed sparse attention)";
  let description = [{
    The pair is computed iff layout[floor(p/block)][floor(j/block)]. The
    layout is an M x M `i1` tensor; for a static N, M = ceil(N / block).
    Positions beyond the layout are not computed.

    ```mlir
    #attn.block_sparse<block = 64, layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>>
    ```
  }];
  let parameters = (ins "int64_t":$block,
                        AttrParameter<"::mlir::DenseIntElementsAttr", "">:$layout);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Blocks per side of the layout (M).
    int64_t getLayoutSize() const;
    /// The layout entry of (query block, key block); false outside.
    bool isBlockKept(int64_t qb, int64_t kb) const;
  }];
}

/// Union and intersection compose any patterns, including each other.
class Attn_CombinatorAttr<string name, string attrMnemonic, string what>
    : Attn_PatternAttr<name, attrMnemonic,
                       ["getKeyBounds", "buildKeyBounds", "countPairs",
                        "verifyExtent", "getKeyRanges", "buildKeyRanges"]> {
  let summary = "The pair is computed iff " # what # " of the parts hold";
  let parameters = (ins ArrayRefParameter<"MaskPatternAttrInterface">:$parts);
  let assemblyFormat = "`<` custom<PatternList>($parts) `>`";
  let genVerifyDecl = 1;
}

def Attn_UnionAttr : Attn_CombinatorAttr<"Union", "union", "any"> {
  let description = [{
    Longformer = a sliding window united with global tokens:

    ```mlir
    #attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0]>]>
    ```
  }];
}

def Attn_IntersectAttr : Attn_CombinatorAttr<"Intersect", "intersect", "all"> {
  let description = [{
    Causal local attention as a causal mask cut to a window:

    ```mlir
    #attn.intersect<[#attn.causal, #attn.window<left = 128, right = 128>]>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Token orders (DESIGN 4.3), chosen by attn-reorder
//===----------------------------------------------------------------------===//

def Attn_ResidueOrderAttr
    : AttrDef<Attn_Dialect, "ResidueOrder",
              [DeclareAttrInterfaceMethods<Attn_TokenOrderAttrInterface>]> {
  let mnemonic = "residue_order";
  let summary = "Queries and keys grouped by their index modulo m";
  let description = [{
    Query rows and keys each in residue-major order: index 0, m, 2m, ...,
    then 1, 1 + m, ..., in ascending order inside each group. A dilated
    window of dilation m becomes a plain window inside each group.

    ```mlir
    #attn.residue_order<modulus = 2>
    ```
  }];
  let parameters = (ins "int64_t":$modulus);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_SummaryOrderAttr
    : AttrDef<Attn_Dialect, "SummaryOrder",
              [DeclareAttrInterfaceMethods<Attn_TokenOrderAttrInterface>]> {
  let mnemonic = "summary_order";
  let summary = "The summary keys of every stripe first";
  let description = [{
    Keys j with j mod stride >= stride - summary (the Sparse Transformer's
    summary columns) first, then the others, each in ascending order; the
    queries keep their order. Under it the fixed pattern keeps a prefix of
    the summary keys and one run of its own stripe's keys per query.

    ```mlir
    #attn.summary_order<stride = 128, summary = 8>
    ```
  }];
  let parameters = (ins "int64_t":$stride, "int64_t":$summary);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_ScheduleAttr : AttrDef<Attn_Dialect, "Schedule"> {
  let mnemonic = "schedule";
  let summary = "The block schedule attn-sparsify attaches to attn.attention";
  let description = [{
    Tiles of `tile_q` queries by `tile_k` keys. `kind = "banded"`: the key
    blocks of each query block come from the pattern's closed-form bounds.
    `kind = "tables"`: from tables `[row_start (nqb + 1) | full_start (nqb)
    | key-block indices]` (per query block its partial and its full key
    blocks, O(visited blocks) entries; attn/Support/BlockTableLayout.h),
    stored in `tables` when Nq and Nk are static and the op has no token
    order, built by the kernel's schedule function once per N otherwise.

    ```mlir
    #attn.schedule<tile_q = 64, tile_k = 64, kind = "banded">
    ```
  }];
  let parameters = (ins "int64_t":$tile_q, "int64_t":$tile_k,
                        StringRefParameter<"banded or tables">:$kind,
                        OptionalParameter<"::mlir::DenseI32ArrayAttr">:$tables);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool isBanded() const { return getKind() == "banded"; }
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
