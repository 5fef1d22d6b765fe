//===- AttnOps.td - attn dialect operations ----------------*- tablegen -*-===//
//
// The user-facing chain qk -> [mask] -> softmax -> pv and the fused
// attention op it becomes. Shapes are [B, H, N, D]; see AttnBase.td.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNOPS_TD

include "attn/Dialect/Attn/IR/AttnBase.td"
include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Attn_Tensor : RankedTensorOf<[F32, F16, BF16], [HasAnyRankOfPred<[4]>],
                                 "rank-4 tensor of f32, f16 or bf16">;

def Attn_LseTensor : RankedTensorOf<[F32], [HasAnyRankOfPred<[3]>],
                                    "rank-3 tensor of f32">;

def Attn_QKOp : Attn_Op<"qk", [Pure]> {
  let summary = "Attention scores S = scale · Q · Kᵀ";
  let description = [{
    Computes the scores `S[b, h, i, j] = scale · sum_d Q[b, h, i, d] ·
    K[b, h / (H / Hkv), j, d]` of shape [B, H, Nq, Nk]. Without a `scale` the
    scale is 1/sqrt(D). The scores are f32 or the inputs' element type.

    ```mlir
    %s = attn.qk %q, %k {scale = 0.125 : f32}
           : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$q, Attn_Tensor:$k,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Attn_Tensor:$scores);
  let assemblyFormat = [{
    $q `,` $k attr-dict `:` type($q) `,` type($k) `->` type($scores)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The scale in effect: the attribute, or 1/sqrt(D) without one.
    double getEffectiveScale();
  }];
}

def Attn_MaskOp : Attn_Op<"mask", [Pure, AllTypesMatch<["scores", "result"]>]> {
  let summary = "Scores outside the pattern become -inf";
  let description = [{
    Keeps `S[b, h, i, j]` where the pattern holds for query position
    p = i + (Nk - Nq) and key j, and writes -inf elsewhere.

    ```mlir
    %m = attn.mask %s pattern(#attn.causal) : tensor<?x?x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$scores,
                       Attn_MaskPatternAttrInterface:$pattern);
  let results = (outs Attn_Tensor:$result);
  let assemblyFormat = [{
    $scores `pattern` `(` $pattern `)` attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Attn_SoftmaxOp : Attn_Op<"softmax", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Numerically stable softmax along one axis (default: keys)";
  let description = [{
    `P = exp(S - max S) / sum exp(S - max S)` along `axis` (default 3, the
    keys). A row whose entries are all -inf (a fully masked row) becomes all
    zeros, never NaN.

    ```mlir
    %p = attn.softmax %m : tensor<?x?x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$input,
                       DefaultValuedAttr<I64Attr, "3">:$axis);
  let results = (outs Attn_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_PVOp : Attn_Op<"pv", [Pure]> {
  let summary = "Attention output O = P · V";
  let description = [{
    Computes `O[b, h, i, d] = sum_j P[b, h, i, j] · V[b, h / (H / Hkv), j, d]`
    of shape [B, H, Nq, D], in the element type of V.

    ```mlir
    %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$probs, Attn_Tensor:$v);
  let results = (outs Attn_Tensor:$output);
  let assemblyFormat = [{
    $probs `,` $v attr-dict `:` type($probs) `,` type($v) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Attn_AttentionOp : Attn_Op<"attention", [Pure]> {
  let summary = "Fused attention: softmax(mask(scale · Q · Kᵀ)) · V";
  let description = [{
    The whole chain as one op; `attn-fuse` produces it and users may write it
    directly. Without `pattern(...)` every pair is computed; without a
    `scale` the scale is 1/sqrt(D). A fully masked query row yields zeros.
    `attn-sparsify` adds the block `schedule`; `attn-reorder` may add a
    token `order` (DESIGN 4.3), under which the kernel tiles permuted rows
    and keys: the results do not change.

    ```mlir
    %o = attn.attention %q, %k, %v pattern(#attn.causal) {scale = 0.125 : f32}
           : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>
             -> tensor<?x?x?x64xf32>
    ```

    A second result, when asked for, is the row log-sum-exp [B, H, Nq] in
    f32: lse[b, h, i] = ln Σ exp(scale · q_i · k_j) over the kept keys j,
    -inf for a fully masked row. It lets partial results be merged.

    ```mlir
    %o, %lse = attn.attention %q, %k, %v pattern(#attn.causal)
        : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>
          -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$q, Attn_Tensor:$k, Attn_Tensor:$v,
                       OptionalAttr<Attn_MaskPatternAttrInterface>:$pattern,
                       OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<Attn_ScheduleAttr>:$schedule,
                       OptionalAttr<Attn_TokenOrderAttrInterface>:$order);
  let results = (outs Attn_Tensor:$output, Optional<Attn_LseTensor>:$lse);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`pattern` `(` $pattern^ `)`)? attr-dict `:`
    type($q) `,` type($k) `,` type($v) `->` type($output) (`,` type($lse)^)?
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The scale in effect: the attribute, or 1/sqrt(D) without one.
    double getEffectiveScale();
    /// The pattern in effect: the attribute, or #attn.dense without one.
    MaskPatternAttrInterface getEffectivePattern();
    /// Whether the block schedule has closed-form bounds: a banded pattern
    /// in the original token order.
    bool hasBandedSchedule();
  }];
}

def Attn_MergeOp : Attn_Op<"merge", [Pure]> {
  let summary = "Combines partial attention results by their log-sum-exp";
  let description = [{
    k >= 2 partial results (O_i, lse_i) of the same queries over key sets
    K_i: with m = max_i lse_i and w_i = exp(lse_i - m),

      O = Σ_i w_i·O_i / Σ_i w_i,   lse = m + ln Σ_i w_i,

    which is attention over the union (as a multiset) of the K_i. Rows where
    every part is -inf get O = 0 and lse = -inf. Every O_i has the type of
    the first, every lse_i that of the second operand; the types are written
    once.

    ```mlir
    %o, %lse = attn.merge %o1, %lse1, %o2, %lse2
        : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$parts);
  let results = (outs Attn_Tensor:$output, Attn_LseTensor:$lse);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of partial results (pairs of operands).
    unsigned getNumParts() { return getParts().size() / 2; }
    /// The output and the lse of part `i`.
    ::mlir::Value getPartOutput(unsigned i) { return getParts()[2 * i]; }
    ::mlir::Value getPartLse(unsigned i) { return getParts()[2 * i + 1]; }
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
