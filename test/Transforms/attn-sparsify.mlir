// RUN: attn-opt %s --split-input-file --attn-sparsify="tile-q=4 tile-k=4" | FileCheck %s
// RUN: not attn-opt %s --split-input-file --attn-sparsify="tile-k=6" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: attn-sparsify: tile-q must be in [1, 4096] and tile-k a multiple of 4 in [4, 4096], got 64 x 6

// Banded patterns get closed-form bounds, whatever N.
// CHECK-LABEL: func.func @banded
//       CHECK: attn.attention {{.*}} pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "banded">}
//       CHECK: attn.attention {{.*}} pattern(#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 3>]>) {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "banded">}
//       CHECK: attn.attention {{.*}} {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "banded">}
func.func @banded(%q: tensor<?x?x?x16xf32>, %k: tensor<?x?x?x16xf32>, %v: tensor<?x?x?x16xf32>) -> (tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>) {
  %a = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>
  %b = attn.attention %q, %k, %v pattern(#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 3>]>) : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>
  %c = attn.attention %q, %k, %v : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>
  return %a, %b, %c : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>
}

// -----

// An irregular pattern with a dynamic N: tables, built by the runtime.
// CHECK-LABEL: func.func @tables_at_run_time
//       CHECK: {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "tables">}
func.func @tables_at_run_time(%q: tensor<?x?x?x16xf32>, %k: tensor<?x?x?x16xf32>, %v: tensor<?x?x?x16xf32>) -> tensor<?x?x?x16xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>
  return %o : tensor<?x?x?x16xf32>
}

// -----

// A static N: the tables are computed now. Global token 0, N = 8, tiles of
// 4: query block 0 (holding the global row 0) meets key blocks 0 and 1
// partially; query block 1 meets only key block 0 (the global column).
// Layout [row_start (3) | full_start (2) | indices]: qb 0 lists partial
// [5, 7) = {0, 1}, qb 1 partial [7, 8) = {0}; no full blocks.
// CHECK-LABEL: func.func @tables_now
//       CHECK: kind = "tables", tables = [5, 7, 8, 7, 8, 0, 1, 0]>
func.func @tables_now(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// Full blocks: a 2-block layout with N = 6 and tiles of 4: key block 1 is
// cut short by N (keys 4 and 5), so it is listed as partial even where the
// layout keeps it whole.
// Layout (block = 4): [[true, false], [true, true]]
//   qb 0: kb 0 full;  qb 1: kb 0 full, kb 1 partial (cut short):
//   row_start = [5, 6, 8], full_start = [5, 7]; indices [0 | 1, 0].
// CHECK-LABEL: func.func @full_and_edge
//       CHECK: tables = [5, 6, 8, 5, 7, 0, 1, 0]>
func.func @full_and_edge(%q: tensor<1x1x6x16xf32>, %k: tensor<1x1x6x16xf32>, %v: tensor<1x1x6x16xf32>) -> tensor<1x1x6x16xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.block_sparse<block = 4, layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>>) : tensor<1x1x6x16xf32>, tensor<1x1x6x16xf32>, tensor<1x1x6x16xf32> -> tensor<1x1x6x16xf32>
  return %o : tensor<1x1x6x16xf32>
}
