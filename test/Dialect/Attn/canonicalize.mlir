// RUN: attn-opt %s --split-input-file --canonicalize | FileCheck %s

// A mask with the dense pattern is the identity.
// CHECK-LABEL: func.func @dense_mask_folds
//  CHECK-SAME: (%[[S:.+]]: tensor<?x?x?x?xf32>)
//   CHECK-NOT: attn.mask
//       CHECK: %[[P:.+]] = attn.softmax %[[S]]
func.func @dense_mask_folds(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.dense) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  return %p : tensor<?x?x?x?xf32>
}

// -----

// A union with one part is that part.
// CHECK-LABEL: func.func @single_part_union
//       CHECK: attn.mask %{{.+}} pattern(#attn.causal) :
func.func @single_part_union(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.union<[#attn.causal]>) : tensor<?x?x?x?xf32>
  return %m : tensor<?x?x?x?xf32>
}

// -----

// Nested unions flatten and duplicates drop, in order of first appearance.
// CHECK-LABEL: func.func @nested_unions_flatten
//       CHECK: pattern(#attn.union<[#attn.window<left = 4, right = 4>, #attn.global<tokens = [0]>, #attn.strided<stride = 8>]>)
func.func @nested_unions_flatten(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 4, right = 4>, #attn.union<[#attn.global<tokens = [0]>, #attn.union<[#attn.strided<stride = 8>, #attn.window<left = 4, right = 4>]>]>]>) : tensor<?x?x?x?xf32>
  return %m : tensor<?x?x?x?xf32>
}

// -----

// dense ∩ P is P.
// CHECK-LABEL: func.func @dense_intersect
//       CHECK: attn.mask %{{.+}} pattern(#attn.window<left = 2, right = 0>) :
func.func @dense_intersect(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.intersect<[#attn.dense, #attn.window<left = 2, right = 0>]>) : tensor<?x?x?x?xf32>
  return %m : tensor<?x?x?x?xf32>
}

// -----

// dense ∪ P is dense, and then the mask folds away.
// CHECK-LABEL: func.func @dense_union
//   CHECK-NOT: attn.mask
//       CHECK: return %arg0
func.func @dense_union(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.union<[#attn.causal, #attn.dense]>) : tensor<?x?x?x?xf32>
  return %m : tensor<?x?x?x?xf32>
}

// -----

// Nested intersections flatten; an intersection of only dense parts is dense.
// CHECK-LABEL: func.func @intersections
//       CHECK: attn.mask %{{.+}} pattern(#attn.intersect<[#attn.causal, #attn.window<left = 8, right = 8>, #attn.global<tokens = [1]>]>)
//   CHECK-NOT: attn.mask
func.func @intersections(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.intersect<[#attn.causal, #attn.intersect<[#attn.window<left = 8, right = 8>, #attn.dense, #attn.global<tokens = [1]>]>, #attn.causal]>) : tensor<?x?x?x?xf32>
  %d = attn.mask %m pattern(#attn.intersect<[#attn.dense, #attn.intersect<[#attn.dense]>]>) : tensor<?x?x?x?xf32>
  return %d : tensor<?x?x?x?xf32>
}

// -----

// A dilated window with dilation 1 is a window; simplification reaches into
// combinators.
// CHECK-LABEL: func.func @dilation_one
//       CHECK: pattern(#attn.window<left = 3, right = 1>)
//       CHECK: pattern(#attn.union<[#attn.window<left = 5, right = 5>, #attn.dilated<left = 2, right = 2, dilation = 4>]>)
func.func @dilation_one(%s: tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %a = attn.mask %s pattern(#attn.dilated<left = 3, right = 1, dilation = 1>) : tensor<?x?x?x?xf32>
  %b = attn.mask %s pattern(#attn.union<[#attn.dilated<left = 5, right = 5, dilation = 1>, #attn.dilated<left = 2, right = 2, dilation = 4>]>) : tensor<?x?x?x?xf32>
  return %a, %b : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}

// -----

// On attn.attention a pattern simplifies the same way, and a dense pattern
// is dropped (absent means dense).
// CHECK-LABEL: func.func @attention_patterns
//       CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}} pattern(#attn.causal) :
//       CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}} :
//   CHECK-NOT: pattern
//       CHECK: return
func.func @attention_patterns(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) {
  %a = attn.attention %q, %k, %v pattern(#attn.intersect<[#attn.causal]>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  %b = attn.attention %q, %k, %v pattern(#attn.union<[#attn.dense, #attn.causal]>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %a, %b : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>
}

// -----

// Canonical patterns are left alone.
// CHECK-LABEL: func.func @already_canonical
//       CHECK: pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>)
func.func @already_canonical(%s: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  return %m : tensor<?x?x?x?xf32>
}
