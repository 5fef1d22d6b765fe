// RUN: attn-opt %s --attn-approximate-math | FileCheck %s

// exp on a vector becomes straight-line vector arithmetic.
// CHECK-LABEL: func.func @exp
//   CHECK-NOT: math.exp
//       CHECK: math.fma {{.*}} : vector<16xf32>
//       CHECK: arith.shli {{.*}} : vector<16xi32>
//   CHECK-NOT: math.exp
func.func @exp(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  return %e : vector<16xf32>
}
