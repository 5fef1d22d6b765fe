// RUN: not attn-opt %s --attn-tile="vector-width=1099511627776" 2>&1 | FileCheck %s
// RUN: not attn-opt %s --attn-tile="vector-width=0" 2>&1 | FileCheck %s --check-prefix=ZERO

// Regression: a huge vector width overflowed the kernel's size arithmetic.
// CHECK: error: attn-tile: vector-width must be in [1, 64], got 1099511627776
// ZERO: error: attn-tile: vector-width must be in [1, 64], got 0
func.func @causal(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) {schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "banded">} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
