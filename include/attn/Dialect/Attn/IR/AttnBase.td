//===- AttnBase.td - attn dialect definition ---------------*- tablegen -*-===//
//
// The attn dialect: attention as a small chain of tensor ops (qk, mask,
// softmax, pv) and the fused op they become (attention), with the mask
// patterns of the efficient-attention literature as attributes.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNBASE_TD
#define ATTN_DIALECT_ATTN_IR_ATTNBASE_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Attention variants as tensor ops with mask-pattern attributes";
  let description = [{
    Tensors are `tensor<B x H x N x D x f32|f16|bf16>`: batch, heads,
    sequence, head dimension. B, H and N may be dynamic; D is static. Keys and
    values may have fewer heads than queries (multi-query: 1, grouped-query:
    H/Hkv); query head h reads key/value head h / (H / Hkv).

    A query row i of Nq queries sits at position p = i + (Nk - Nq) among the
    Nk keys (bottom-right alignment), so one query against a KV cache is the
    last position. Mask patterns decide from (p, j) whether a pair is
    computed.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 0;
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTN_DIALECT_ATTN_IR_ATTNBASE_TD
