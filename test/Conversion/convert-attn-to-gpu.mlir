// RUN: attn-opt %s --split-input-file --attn-sparsify="tile-q=64 tile-k=16" --convert-attn-to-gpu --verify-diagnostics | FileCheck %s

// bf16: the tensor-core kernel. 4 warps of 16 query rows; K and V tiles of
// 16 keys with rows padded to D + 8 in shared memory; the online-softmax
// state (2 maxima, 2 sums, D / 2 outputs) carried through the key-block
// loops; every product an m16n8k16 mma.sync on bf16 pairs packed in i32.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: gpu.module @attn_kernels
// CHECK: gpu.func @attn_kernel_causal(%{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xi32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK-SAME: workgroup(%{{.*}} : memref<384xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<384xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: kernel
// CHECK-SAME: attn.kernel = #attn.kernel<name = "causal", arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x16xbf16>, [batch, heads, queries, head_dim]>,
// CHECK-SAME: results = [#attn.kernel_tensor<"out", output, tensor<?x?x?x16xbf16>, [batch, heads, queries, head_dim]>], schedule = banded, tile_q = 64, tile_k = 16, pattern = #attn.causal, threads = 128>
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: gpu.block_id x
// CHECK: gpu.thread_id x
// Query fragments: pairs of a Q row, as i32.
// CHECK: vector.load %arg0[%{{.*}}] {alignment = 4 : i64} : memref<?xbf16>, vector<2xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// Banded: partial, full, partial key blocks, the state carried through.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: gpu.barrier
// CHECK: vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK: vector.store {{.*}} {alignment = 16 : i64} : memref<384xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: gpu.barrier
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// A row's max over the 4 threads of a quad, exp2 of the scaled scores.
// CHECK: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: math.exp2
// P as bf16 pairs: the A operand of P V.
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: nvvm.mma.sync
// CHECK: scf.for
// CHECK: scf.for
// Rows inside Nq are stored, as bf16 pairs.
// CHECK: scf.if
// CHECK: vector.store %{{.*}}, %arg3[%{{.*}}] {alignment = 4 : i64} : memref<?xbf16>, vector<2xbf16>
// CHECK: gpu.return
// CHECK-NOT: func.func @causal
func.func @causal(%q: tensor<?x?x?x16xbf16>, %k: tensor<?x?x?x16xbf16>, %v: tensor<?x?x?x16xbf16>) -> tensor<?x?x?x16xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16> -> tensor<?x?x?x16xbf16>
  return %o : tensor<?x?x?x16xbf16>
}

// -----

// f16 operands stay vector<2xf16>.
// CHECK-LABEL: gpu.func @attn_kernel_f16
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
func.func @f16(%q: tensor<?x?x?x16xf16>, %k: tensor<?x?x?x16xf16>, %v: tensor<?x?x?x16xf16>) -> tensor<?x?x?x16xf16> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x16xf16>, tensor<?x?x?x16xf16>, tensor<?x?x?x16xf16> -> tensor<?x?x?x16xf16>
  return %o : tensor<?x?x?x16xf16>
}

// -----

// f32: the SIMT kernel, one thread per query row, the block's scores in a
// private buffer; any D. An irregular pattern with a run-time N gets its host
// schedule function.
// CHECK-LABEL: func.func @global.schedule(%{{.*}}: memref<?xi32>, %{{.*}}: index, %{{.*}}: index)
// CHECK: gpu.func @attn_kernel_global
// CHECK-SAME: workgroup(%{{.*}} : memref<80xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<80xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: private(%{{.*}} : memref<16xf32, #gpu.address_space<private>>)
// CHECK-SAME: schedule = tables, {{.*}}threads = 64>
// CHECK-NOT: nvvm.mma.sync
// CHECK: math.fma
// CHECK: gpu.return
func.func @global(%q: tensor<?x?x?x5xf32>, %k: tensor<?x?x?x5xf32>, %v: tensor<?x?x?x5xf32>) -> tensor<?x?x?x5xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0, 7]>) : tensor<?x?x?x5xf32>, tensor<?x?x?x5xf32>, tensor<?x?x?x5xf32> -> tensor<?x?x?x5xf32>
  return %o : tensor<?x?x?x5xf32>
}

// -----

// Static N: the tables travel in the facts; a block_sparse layout becomes a
// constant i8 global of the kernels' module.
// CHECK-LABEL: gpu.func @attn_kernel_bs
// CHECK-SAME: schedule = static_tables, {{.*}}static_tables = [
// CHECK: memref.get_global @attn_table : memref<2x2xi8>
// CHECK: memref.global "private" constant @attn_table : memref<2x2xi8> = dense<{{\[\[}}1, 0], [1, 1]]>
func.func @bs(%q: tensor<1x1x64x16xbf16>, %k: tensor<1x1x64x16xbf16>, %v: tensor<1x1x64x16xbf16>) -> tensor<1x1x64x16xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.block_sparse<block = 32, layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>>) : tensor<1x1x64x16xbf16>, tensor<1x1x64x16xbf16>, tensor<1x1x64x16xbf16> -> tensor<1x1x64x16xbf16>
  return %o : tensor<1x1x64x16xbf16>
}

// -----

func.func @odd_d(%q: tensor<?x?x?x24xbf16>, %k: tensor<?x?x?x24xbf16>, %v: tensor<?x?x?x24xbf16>) -> tensor<?x?x?x24xbf16> {
  // expected-error @+1 {{convert-attn-to-gpu: @odd_d has tile_q = 64, tile_k = 16, D = 24; the tensor-core kernel needs tile_q a multiple of 16 up to 128 (16 rows per warp) and tile_k and D multiples of 16}}
  %o = attn.attention %q, %k, %v : tensor<?x?x?x24xbf16>, tensor<?x?x?x24xbf16>, tensor<?x?x?x24xbf16> -> tensor<?x?x?x24xbf16>
  return %o : tensor<?x?x?x24xbf16>
}

// -----

func.func @too_much_shared_memory(%q: tensor<?x?x?x1024xf32>, %k: tensor<?x?x?x1024xf32>, %v: tensor<?x?x?x1024xf32>) -> tensor<?x?x?x1024xf32> {
  // expected-error @+1 {{convert-attn-to-gpu: @too_much_shared_memory needs 128 KiB of shared memory for K and V tiles of 16 keys with D = 1024; the limit is 48 KiB (use a smaller tile-k)}}
  %o = attn.attention %q, %k, %v : tensor<?x?x?x1024xf32>, tensor<?x?x?x1024xf32>, tensor<?x?x?x1024xf32> -> tensor<?x?x?x1024xf32>
  return %o : tensor<?x?x?x1024xf32>
}

// -----

// expected-error @+1 {{convert-attn-to-gpu: @two must hold exactly one attn.attention on its three arguments and return its results (run attn-fuse first)}}
func.func @two(%q: tensor<?x?x?x16xbf16>, %k: tensor<?x?x?x16xbf16>, %v: tensor<?x?x?x16xbf16>) -> tensor<?x?x?x16xbf16> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16> -> tensor<?x?x?x16xbf16>
  %p = attn.attention %o, %k, %v : tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16> -> tensor<?x?x?x16xbf16>
  return %p : tensor<?x?x?x16xbf16>
}

// -----

// Two results: the lse buffer (f32 whatever the element type) after the
// output's; one thread of each quad stores a row's lse through PTX's lg2.
// CHECK-LABEL: gpu.func @attn_kernel_with_lse(
// CHECK-SAME: %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %[[LSE:[^:]*]]: memref<?xf32>, %{{.*}}: memref<?xi32>,
// CHECK: llvm.call_intrinsic "llvm.nvvm.lg2.approx.f"
// CHECK: memref.store %{{.+}}, %[[LSE]][%{{.+}}] : memref<?xf32>
func.func @with_lse(%q: tensor<?x?x?x16xbf16>, %k: tensor<?x?x?x16xbf16>, %v: tensor<?x?x?x16xbf16>) -> (tensor<?x?x?x16xbf16>, tensor<?x?x?xf32>) {
  %o, %l = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16>, tensor<?x?x?x16xbf16> -> tensor<?x?x?x16xbf16>, tensor<?x?x?xf32>
  return %o, %l : tensor<?x?x?x16xbf16>, tensor<?x?x?xf32>
}
