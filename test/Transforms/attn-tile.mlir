// RUN: attn-opt %s --split-input-file --attn-tile --verify-diagnostics | FileCheck %s

// A banded schedule: the kernel signature, the scratch tiles, the work-item
// loop, and three loops over key blocks (partial edge, full middle, partial
// edge); only the partial ones evaluate the pattern (j <= p: cmpi sle).
// CHECK-LABEL: func.func @causal(
//  CHECK-SAME: %[[Q:[^:]+]]: memref<?xf32>, %[[K:[^:]+]]: memref<?xf32>, %[[V:[^:]+]]: memref<?xf32>, %[[O:[^:]+]]: memref<?xf32>, %{{[^:]+}}: memref<?xi32>,
//  CHECK-SAME: %{{[^:]+}}: index, %{{[^:]+}}: index, %{{[^:]+}}: index, %{{[^:]+}}: index, %{{[^:]+}}: index, %{{[^:]+}}: index, %[[BEGIN:[^:]+]]: index, %[[END:[^:]+]]: index, %{{[^:]+}}: index, %{{[^:]+}}: memref<?xf32>)
//  CHECK-SAME: attn.kernel = #attn.kernel<name = "causal",
//  CHECK-SAME: arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x32xf32>, [batch, heads, queries, head_dim]>, #attn.kernel_tensor<"k", key, tensor<?x?x?x32xf32>, [batch, kv_heads, keys, head_dim]>, #attn.kernel_tensor<"v", value, tensor<?x?x?x32xf32>, [batch, kv_heads, keys, head_dim]>],
//  CHECK-SAME: results = [#attn.kernel_tensor<"out", output, tensor<?x?x?x32xf32>, [batch, heads, queries, head_dim]>],
//  CHECK-SAME: schedule = banded, tile_q = 32, tile_k = 16, pattern = #attn.causal, vector_width = 16>
//  CHECK-SAME: llvm.emit_c_interface
//   CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<32x32xf32>
//   CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<16x32xf32>
//       CHECK: scf.for %{{.+}} = %[[BEGIN]] to %[[END]]
// The three key-block loops of the band:
//       CHECK: scf.for
//       CHECK: arith.cmpi sle
//       CHECK: vector.fma {{.*}} : vector<16xf32>
//       CHECK: math.exp {{.*}} : vector<16xf32>
//       CHECK: scf.for
//   CHECK-NOT: arith.cmpi sle
//       CHECK: math.exp
//       CHECK: scf.for
//       CHECK: arith.cmpi sle
//       CHECK: return
func.func @causal(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

// -----

// A tables schedule with a static N: the tables become a constant global,
// read for the partial and the full block lists. (One query block of 16,
// two key blocks of 4; the global row 0 makes both partial.)
//       CHECK: memref.global "private" constant @globals.tables : memref<5xi32> = dense<[3, 5, 5, 0, 1]>
// CHECK-LABEL: func.func @globals(
//  CHECK-SAME: attn.kernel = #attn.kernel<{{.*}}schedule = static_tables
//       CHECK: memref.get_global @globals.tables : memref<5xi32>
//       CHECK: memref.load {{.*}} : memref<?xi32>
//       CHECK: memref.load {{.*}} : memref<?xi32>
func.func @globals(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 16, tile_k = 4, kind = "tables", tables = [3, 5, 5, 0, 1]>} : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// expected-error @+1 {{attn-tile: @chain must hold exactly one attn.attention on its three arguments and return its results (run attn-fuse first)}}
func.func @chain(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  %p = attn.attention %o, %k, %v : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  return %p : tensor<?x?x?x32xf32>
}

// -----

// expected-error @+1 {{attn-tile: @unscheduled has no block schedule (run attn-sparsify first)}}
func.func @unscheduled(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

// -----

// expected-error @+1 {{attn-tile: @half uses bf16; the CPU kernels support f32 only}}
func.func @half(%q: tensor<?x?x?x32xbf16>, %k: tensor<?x?x?x32xbf16>, %v: tensor<?x?x?x32xbf16>) -> tensor<?x?x?x32xbf16> {
  %o = attn.attention %q, %k, %v {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xbf16>, tensor<?x?x?x32xbf16>, tensor<?x?x?x32xbf16> -> tensor<?x?x?x32xbf16>
  return %o : tensor<?x?x?x32xbf16>
}

// -----

func.func @odd_tile(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  // expected-error @+1 {{attn-tile: tile_q (24) must be a multiple of the vector width (16) and tile_k (16) of 4}}
  %o = attn.attention %q, %k, %v {schedule = #attn.schedule<tile_q = 24, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

// -----

func.func @huge_tiles(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  // expected-error @+1 {{attn-tile: tiles of 1024 x 2048 with D = 64 need 8716 KiB of scratch per thread; the limit is 1024 KiB}}
  %o = attn.attention %q, %k, %v {schedule = #attn.schedule<tile_q = 1024, tile_k = 2048, kind = "banded">} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// Two results: the kernel takes a buffer per tensor (q, k, v, out, lse), the
// contract lists both results, and each row's lse = max + log(sum) is
// stored after the output scaling is known.
// CHECK-LABEL: func.func @with_lse(
//  CHECK-SAME: %{{[^:]+}}: memref<?xf32>, %{{[^:]+}}: memref<?xf32>, %{{[^:]+}}: memref<?xf32>, %{{[^:]+}}: memref<?xf32>, %[[LSE:[^:]+]]: memref<?xf32>, %{{[^:]+}}: memref<?xi32>,
//  CHECK-SAME: results = [#attn.kernel_tensor<"out", output, tensor<?x?x?x32xf32>, [batch, heads, queries, head_dim]>, #attn.kernel_tensor<"lse", lse, tensor<?x?x?xf32>, [batch, heads, queries]>]
//       CHECK: math.log {{.*}} : vector<16xf32>
//       CHECK: memref.store %{{.+}}, %[[LSE]][%{{.+}}] : memref<?xf32>
func.func @with_lse(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> (tensor<?x?x?x32xf32>, tensor<?x?x?xf32>) {
  %o, %l = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  return %o, %l : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
}

// -----

// Parts merged by an attn.merge: one kernel, one stage per part (an scf.if
// on the stage parameter each); the second starts from what the first wrote
// (the output and lse it reads back), and the kernel lists both parts.
// CHECK-LABEL: func.func @merged(
//  CHECK-SAME: %[[STAGE:[^:]+]]: index, %{{[^:]+}}: memref<?xf32>)
//  CHECK-SAME: schedule = tables, tile_q = 32, tile_k = 16, pattern = #attn.global<tokens = [0]>, vector_width = 16,
//  CHECK-SAME: parts = [#attn.kernel_part<pattern = #attn.window<left = 3, right = -1>>, #attn.kernel_part<pattern = #attn.global<tokens = [0]>>]
//       CHECK: %[[C0:.+]] = arith.constant 0 : index
//       CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[STAGE]], %[[C0]]
//       CHECK: scf.if %[[FIRST]]
//       CHECK: %[[SECOND:.+]] = arith.cmpi eq, %[[STAGE]],
//       CHECK: scf.if %[[SECOND]]
//       CHECK: arith.cmpf ogt
func.func @merged(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> (tensor<?x?x?x32xf32>, tensor<?x?x?xf32>) {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.window<left = 3, right = -1>) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "tables">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  return %o, %l : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
}

// -----

// expected-error @+1 {{attn-tile: @two_tables merges 2 parts with schedule tables; at most one may have them}}
func.func @two_tables(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.global<tokens = [1]>) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "tables">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "tables">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  return %o : tensor<?x?x?x32xf32>
}

// -----

func.func @tile_mismatch(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  // expected-error @+1 {{attn-tile: the merged parts of @tile_mismatch must share tile_q (32 and 64)}}
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 64, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  return %o : tensor<?x?x?x32xf32>
}

// -----

// A part's lse used elsewhere is not a fused merge.
// expected-error @+1 {{attn-tile: @leaked must hold exactly one attn.attention}}
func.func @leaked(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> (tensor<?x?x?x32xf32>, tensor<?x?x?xf32>) {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 32, tile_k = 16, kind = "banded">} : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
  return %o, %l1 : tensor<?x?x?x32xf32>, tensor<?x?x?xf32>
}
