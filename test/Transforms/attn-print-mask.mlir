// RUN: attn-opt %s --split-input-file --attn-print-mask="block=2" -o /dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-print-mask="seq-q=3 seq-k=5" -o /dev/null | FileCheck %s --check-prefix=SIZES
// RUN: not attn-opt %s --split-input-file --attn-print-mask="seq-q=100000" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ABSURD

// The op's static sizes are drawn; tiles of 2x2 are classified.
// CHECK-LABEL: // attn.mask in @causal_local: #attn.window<left = 1, right = 0>
//  CHECK-NEXT: // Nq = 4, Nk = 4: 7 of 16 pairs computed
//  CHECK-NEXT: #...
//  CHECK-NEXT: ##..
//  CHECK-NEXT: .##.
//  CHECK-NEXT: ..##
//  CHECK-NEXT: // 2x2 tiles: F full, P partial, . empty
//  CHECK-NEXT: P.
//  CHECK-NEXT: PP

// Three queries against five keys sit at the last three positions.
// SIZES-LABEL: // attn.mask in @causal_local
//  SIZES-NEXT: // Nq = 3, Nk = 5: 6 of 15 pairs computed
//  SIZES-NEXT: .##..
//  SIZES-NEXT: ..##.
//  SIZES-NEXT: ...##

// ABSURD: error: attn-print-mask: seq-q and seq-k must be in [0, 4096]
func.func @causal_local(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %m = attn.mask %s pattern(#attn.window<left = 1, right = 0>) : tensor<1x1x4x4xf32>
  return %m : tensor<1x1x4x4xf32>
}

// -----

// A dynamic op without options is drawn at 16; attn.attention without a
// pattern is dense.
// CHECK-LABEL: // attn.attention in @fused: #attn.dense
//  CHECK-NEXT: // Nq = 16, Nk = 16: 256 of 256 pairs computed
// CHECK-COUNT-16: {{^################$}}
//       CHECK: // 2x2 tiles
// CHECK-COUNT-8: {{^FFFFFFFF$}}
// SIZES-LABEL: // attn.attention in @fused: #attn.dense
//  SIZES-NEXT: // Nq = 3, Nk = 5: 15 of 15 pairs computed
func.func @fused(%q: tensor<?x?x?x8xf32>, %k: tensor<?x?x?x8xf32>, %v: tensor<?x?x?x8xf32>) -> tensor<?x?x?x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32> -> tensor<?x?x?x8xf32>
  return %o : tensor<?x?x?x8xf32>
}

// -----

// The Sparse Transformer's fixed pattern: own stripe of 4 plus the last key
// of each earlier stripe.
// CHECK-LABEL: // attn.mask in @fixed: #attn.fixed<stride = 4, summary = 1>
//  CHECK-NEXT: // Nq = 8, Nk = 8: 24 of 64 pairs computed
//  CHECK-NEXT: #.......
//  CHECK-NEXT: ##......
//  CHECK-NEXT: ###.....
//  CHECK-NEXT: ####....
//  CHECK-NEXT: ...##...
//  CHECK-NEXT: ...###..
//  CHECK-NEXT: ...####.
//  CHECK-NEXT: ...#####
//  CHECK-NEXT: // 2x2 tiles: F full, P partial, . empty
//  CHECK-NEXT: P...
//  CHECK-NEXT: FP..
//  CHECK-NEXT: .PP.
//  CHECK-NEXT: .PFP
func.func @fixed(%s: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %m = attn.mask %s pattern(#attn.fixed<stride = 4, summary = 1>) : tensor<1x1x8x8xf32>
  return %m : tensor<1x1x8x8xf32>
}
