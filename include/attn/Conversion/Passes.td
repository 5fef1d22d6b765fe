//===- Passes.td - attn conversion passes ------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToGPUPass : Pass<"convert-attn-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower scheduled attn.attention functions to GPU kernels";
  let description = [{
    Turns every function whose body is one scheduled `attn.attention` on its
    three arguments (the input of `attn-tile`) into a kernel of the
    `gpu.module @attn_kernels`, named `attn_kernel_<f>`:

    ```mlir
    gpu.func @attn_kernel_f(%q: memref<?xbf16>, %k: memref<?xbf16>,
                            %v: memref<?xbf16>, %out: memref<?xbf16>,
                            %tables: memref<?xi32>, %B: index, %H: index,
                            %Hkv: index, %Nq: index, %Nk: index, %D: index)
        workgroup(%keys: memref<4608xbf16, #gpu.address_space<workgroup>>,
                  %values: memref<4608xbf16, #gpu.address_space<workgroup>>)
        kernel attributes {known_block_size = array<i32: 128, 1, 1>, ...}
    ```

    Block `w` of the 1-D grid handles work item `w` of the flattened
    (batch, head, query block) space, as on the CPU. For every scheduled key
    block the threads stage the K and V tiles in shared memory, then update
    the online softmax (running max, running sum, rescaled accumulator) held
    in registers; the pattern's predicate is evaluated only in partial blocks,
    and a fully masked row yields zeros.

    - f16 / bf16: tensor cores. Each warp owns 16 query rows; both products
      are `nvvm.mma.sync` m16n8k16 with f32 accumulation (sm_80 and later),
      the scores' accumulator fragments are reused as the A operand of P·V.
      Needs tile_q = 16 x warps, tile_k and D multiples of 16.
    - f32: one thread per query row (SIMT), f32 throughout.

    The parameters are those of `attn-tile`'s kernels without the work
    items: a buffer per tensor (an lse result adds an f32 buffer after the
    output; one thread per row, or per quad of the tensor-core kernel, stores
    it), the tables, the sizes. The contract the runtime launches it by
    (tensors, tile sizes, threads, schedule kind, static tables) is the typed
    `#attn.kernel` attribute `attn.kernel`; `@<f>.schedule` builds the tables
    of an irregular pattern on the host when N is dynamic, as for `attn-tile`.
    The original function is erased.
  }];
  let dependentDialects = ["arith::ArithDialect", "gpu::GPUDialect",
                           "LLVM::LLVMDialect", "math::MathDialect",
                           "memref::MemRefDialect", "NVVM::NVVMDialect",
                           "scf::SCFDialect", "tensor::TensorDialect",
                           "vector::VectorDialect", "func::FuncDialect"];
}

#endif // ATTN_CONVERSION_PASSES_TD
