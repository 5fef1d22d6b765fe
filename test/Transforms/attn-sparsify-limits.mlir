// RUN: attn-opt %s --split-input-file --attn-sparsify | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-sparsify="max-static-blocks=0" | FileCheck %s --check-prefix=NONE
// RUN: not attn-opt %s --attn-sparsify="max-static-blocks=-1" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: attn-sparsify: max-static-blocks must be non-negative

// A static N whose tile grid is past max-static-blocks (2^22 pairs by
// default; here 2^28) gets its tables per call, like a dynamic N
// (regression: building them took 38 s and N = 2^22 ran out of memory).
// CHECK-LABEL: func.func @long
//       CHECK: schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "tables">}
func.func @long(%q: tensor<1x1x1048576x64xf32>, %k: tensor<1x1x1048576x64xf32>, %v: tensor<1x1x1048576x64xf32>) -> tensor<1x1x1048576x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 1>) : tensor<1x1x1048576x64xf32>, tensor<1x1x1048576x64xf32>, tensor<1x1x1048576x64xf32> -> tensor<1x1x1048576x64xf32>
  return %o : tensor<1x1x1048576x64xf32>
}

// -----

// Within the limit the tables are built now; with max-static-blocks=0 never.
// CHECK-LABEL: func.func @short
//       CHECK: kind = "tables", tables = [
// NONE-LABEL: func.func @short
//       NONE: kind = "tables">}
func.func @short(%q: tensor<1x1x256x64xf32>, %k: tensor<1x1x256x64xf32>, %v: tensor<1x1x256x64xf32>) -> tensor<1x1x256x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  return %o : tensor<1x1x256x64xf32>
}
