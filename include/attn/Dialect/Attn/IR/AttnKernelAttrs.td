//===- AttnKernelAttrs.td - the kernel contract ------------*- tablegen -*-===//
//
// What attn-tile and convert-attn-to-gpu tell the back ends about a kernel:
// its tensors (role, type, and the call size each dimension equals), its
// schedule and tiles. The runtime's descriptors (attn/Runtime/KernelAbi.h)
// are made from it; the enums' values are the runtime's.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNKERNELATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNKERNELATTRS_TD

include "attn/Dialect/Attn/IR/AttnBase.td"
include "attn/Dialect/Attn/IR/AttnInterfaces.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Attn_ScheduleKind : I64EnumAttr<"ScheduleKind",
    "how a kernel finds the key blocks of a query block", [
  I64EnumAttrCase<"Banded", 0, "banded">,
  I64EnumAttrCase<"StaticTables", 1, "static_tables">,
  I64EnumAttrCase<"Tables", 2, "tables">]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_TensorRole : I64EnumAttr<"TensorRole",
    "what a kernel tensor is to its op", [
  I64EnumAttrCase<"Query", 0, "query">,
  I64EnumAttrCase<"Key", 1, "key">,
  I64EnumAttrCase<"Value", 2, "value">,
  I64EnumAttrCase<"Output", 3, "output">,
  I64EnumAttrCase<"LogSumExp", 4, "lse">]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_KernelSize : I64EnumAttr<"KernelSize",
    "a size of a kernel call", [
  I64EnumAttrCase<"Batch", 0, "batch">,
  I64EnumAttrCase<"Heads", 1, "heads">,
  I64EnumAttrCase<"KvHeads", 2, "kv_heads">,
  I64EnumAttrCase<"Queries", 3, "queries">,
  I64EnumAttrCase<"Keys", 4, "keys">,
  I64EnumAttrCase<"HeadDim", 5, "head_dim">]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_KernelTensorAttr : AttrDef<Attn_Dialect, "KernelTensor"> {
  let mnemonic = "kernel_tensor";
  let summary = "One argument or result of a compiled kernel";
  let description = [{
    Its name (as the generated API calls it), its role, its tensor type in
    the source and, per dimension, the call size that dimension equals.

    ```mlir
    #attn.kernel_tensor<"k", key, tensor<?x?x?x64xf32>, [batch, kv_heads, keys, head_dim]>
    ```
  }];
  let parameters = (ins StringRefParameter<"the tensor's name">:$name,
                        EnumParameter<Attn_TensorRole>:$role,
                        "::mlir::RankedTensorType":$type,
                        ArrayRefParameter<"::mlir::attn::KernelSize">:$sizes);
  let assemblyFormat = "`<` $name `,` $role `,` $type `,` `[` $sizes `]` `>`";
  let genVerifyDecl = 1;
}

def Attn_KernelPartAttr : AttrDef<Attn_Dialect, "KernelPart"> {
  let mnemonic = "kernel_part";
  let summary = "One merged part of a compiled kernel";
  let description = [{
    A kernel that merges several attn.attention ops (attn.merge, fused)
    runs one stage per part, in order: each part's pattern and the token
    order it tiles in.

    ```mlir
    #attn.kernel_part<pattern = #attn.window<left = 127, right = -1>>
    ```
  }];
  let parameters = (ins
      "::mlir::attn::MaskPatternAttrInterface":$pattern,
      OptionalParameter<"::mlir::attn::TokenOrderAttrInterface">:$order);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Attn_KernelAttr : AttrDef<Attn_Dialect, "Kernel"> {
  let mnemonic = "kernel";
  let summary = "The contract of a compiled kernel with the runtime";
  let description = [{
    attn-tile puts it on each CPU kernel function and convert-attn-to-gpu
    on each GPU kernel; the JIT, the ahead-of-time compilers and the
    header emitter read it. `arguments` and `results` are
    `#attn.kernel_tensor`s in the order of the source function;
    `vector_width` is the CPU kernel's f32 lanes, `threads` the GPU
    kernel's threads per block (0 where they do not apply);
    `static_tables` the schedule tables a GPU kernel of static sizes
    uploads; `order` the token order the kernel tiles in (its tables are
    built by its schedule function, never on the host without it).
    A kernel that merges several parts lists them as `parts`
    (#attn.kernel_part, one stage each, run one after another); then
    `schedule`, `tile_k`, `pattern`, `order` and `static_tables` describe
    the part with schedule tables (at most one has them), or the last.

    ```mlir
    #attn.kernel<name = "causal", arguments = [...], results = [...],
                 schedule = banded, tile_q = 64, tile_k = 64,
                 pattern = #attn.causal, vector_width = 16>
    ```
  }];
  let parameters = (ins
      StringRefParameter<"the source function's name">:$name,
      "::mlir::ArrayAttr":$arguments,
      "::mlir::ArrayAttr":$results,
      EnumParameter<Attn_ScheduleKind>:$schedule,
      "int64_t":$tile_q, "int64_t":$tile_k,
      "::mlir::attn::MaskPatternAttrInterface":$pattern,
      DefaultValuedParameter<"int64_t", "0">:$vector_width,
      DefaultValuedParameter<"int64_t", "0">:$threads,
      OptionalParameter<"::mlir::DenseI32ArrayAttr">:$static_tables,
      OptionalParameter<"::mlir::attn::TokenOrderAttrInterface">:$order,
      OptionalParameter<"::mlir::ArrayAttr">:$parts);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The stages the kernel runs, one per part (1 without parts).
    int64_t getNumStages() const {
      return getParts() ? int64_t(getParts().size()) : 1;
    }
    /// The f32 scratch entries per query row the runtime passes: the lse of
    /// the parts before the last when the kernel does not return one.
    int64_t getRowScratch() const {
      return getNumStages() > 1 && getResults().size() < 2 ? 1 : 0;
    }
    /// The arguments, then the results.
    ::llvm::SmallVector<KernelTensorAttr> getTensors() const;
    /// The name of the attribute on a kernel function.
    static ::llvm::StringRef getAttrName() { return "attn.kernel"; }
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNKERNELATTRS_TD
