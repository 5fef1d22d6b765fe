// RUN: attn-opt %s --split-input-file --attn-cost="seq-lens=1024,4096 d-model=512" -o /dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-fuse --attn-cost="seq-lens=1024,4096" -o /dev/null | FileCheck %s --check-prefix=FUSED
// RUN: not attn-opt %s --split-input-file --attn-cost="seq-lens=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// Numbers worked out by hand (docs/cost-model.md has the equations).
//
// Unfused causal chain, N = 1024, D = 64: every pair is computed (2^20), the
// useful ones are N (N + 1) / 2 = 524800; 4 D = 256 FLOP per pair. Bytes:
// q, k, v, o (4 x 1024 x 64 x 4) plus three N x N matrices (scores, masked,
// probabilities) written and read: 1048576 + 3 x 2 x 2^20 x 4 = 26214400.
// Peak extra: two N x N buffers, 8 MiB.
// CHECK-LABEL: // attn-cost: @causal attn.qk #attn.causal (materialized N x N)
//  CHECK-NEXT: //   B = 1, H = 1, Hkv = 1, D = 64, peaks 420 GFLOP/s, 29 GB/s
//  CHECK-NEXT: //        N     pairs_useful   pairs_executed   gflop_useful gflop_executed             exps            bytes peak_extra_bytes    table_bytes  roofline_ms
//  CHECK-NEXT: //     1024           524800          1048576       0.134349       0.268435          1048576         26214400          8388608              0     0.903945
//  CHECK-NEXT: //     4096          8390656         16777216        2.14801        4.29497         16777216        406847488        134217728              0      14.0292
// Whole layer at d_model = 512 (H = 1, D = 64): projections 2 N d (2 H D +
// 2 Hkv D) against the dense core 4 N^2 D; they meet at N = 512 * 256 / 128.
//  CHECK-NEXT: //   layer d_model = 512, N = 1024: projections 0.268435 GFLOP, dense core 0.268435 GFLOP
//  CHECK-NEXT: //   layer d_model = 512, N = 4096: projections 1.07374 GFLOP, dense core 4.29497 GFLOP
//  CHECK-NEXT: //   the dense core overtakes the projections at N = 1024
//
// Fused: 64 x 64 tiles; query block qb visits qb full blocks and one partial
// (the diagonal): 16 * 17 / 2 = 136 blocks of 4096 pairs at N = 1024. K and V
// of one head (512 KiB) fit in 1 MiB of cache, so bytes are q, k, v, o once;
// at N = 4096 (2 MiB) every visited block is read again: 2080 blocks x 2 x
// 64 x 64 x 4 + q, o = 70254592. Peak extra: one thread's tiles,
// (2 x 64 x 64 + 64 x 64 + 3 x 64) x 4 = 49920 bytes.
// FUSED-LABEL: // attn-cost: @causal attn.attention #attn.causal (fused, banded, tiles 64x64)
//  FUSED-NEXT: //   B = 1, H = 1, Hkv = 1, D = 64, peaks 420 GFLOP/s, 29 GB/s
//  FUSED-NEXT: //        N     pairs_useful   pairs_executed   gflop_useful gflop_executed             exps            bytes peak_extra_bytes    table_bytes  roofline_ms
//  FUSED-NEXT: //     1024           524800           557056       0.134349       0.142606           557056          1048576            49920              0     0.339539
//  FUSED-NEXT: //     4096          8390656          8519680        2.14801        2.18104          8519680         70254592            49920              0      5.19295
// BAD: attn-cost: seq-lens must be in [1, 2^20]
func.func @causal(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// Static sizes win over the options: B = 2, H = 8, Hkv = 2, N = 512. One
// global token: tables; query block 0 (the global row) visits all 8 key
// blocks, the 7 others only key block 0 (the global column): 15 blocks of
// 4096 pairs per head, x 16 heads = 983040 executed. Useful per head: 512
// (row 0) + 511 (column 0) = 1023, x 16 = 16368. K and V of a head (256 KiB)
// fit in cache: bytes = q, o (4 MiB) + k, v (1 MiB). Tables: 4 x (a header
// of 2 x 8 + 1 and 15 indices) = 128 bytes on top of the tiles. Compute-bound: 0.2517 GFLOP at
// 420 GFLOP/s = 0.599 ms.
// FUSED-LABEL: // attn-cost: @global attn.attention #attn.global<tokens = [0]> (fused, tables, tiles 64x64)
//  FUSED-NEXT: //   B = 2, H = 8, Hkv = 2, D = 64
//  FUSED-NEXT: //        N
//  FUSED-NEXT: //      512            16368           983040     0.00419021       0.251658           983040          5242880            50048            128     0.599186
func.func @global(%q: tensor<2x8x512x64xf32>, %k: tensor<2x2x512x64xf32>, %v: tensor<2x2x512x64xf32>) -> tensor<2x8x512x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) : tensor<2x8x512x64xf32>, tensor<2x2x512x64xf32>, tensor<2x2x512x64xf32> -> tensor<2x8x512x64xf32>
  return %o : tensor<2x8x512x64xf32>
}

// -----

// A merge of attention parts is one kernel of stages: its table is the
// parts' total. Two causal parts at N = 1024: twice the pairs (2 x 524800
// useful, 2 x 136 x 4096 executed); bytes twice q, k, v, o (2 x 1048576)
// plus the second stage reading back O and the lse (1024 x (64 + 1) x 4 =
// 266240); peak extra one stage's tiles (49920) and the per-row scratch
// (1024 x 4).
// FUSED-LABEL: // attn-cost: @merged attn.merge of 2 parts (fused: one kernel, one stage per part, tiles 64x64)
//  FUSED-NEXT: //   B = 1, H = 1, Hkv = 1, D = 64, peaks 420 GFLOP/s, 29 GB/s
//  FUSED-NEXT: //        N     pairs_useful   pairs_executed
//  FUSED-NEXT: //     1024          1049600          1114112 {{.*}} 2363392            54016              0
func.func @merged(%q: tensor<1x1x?x64xf32>, %k: tensor<1x1x?x64xf32>, %v: tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32> {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x1x?x64xf32>, tensor<1x1x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x1x?x64xf32>, tensor<1x1x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<1x1x?x64xf32>, tensor<1x1x?xf32>
  return %o : tensor<1x1x?x64xf32>
}
