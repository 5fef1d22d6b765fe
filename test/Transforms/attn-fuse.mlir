// RUN: attn-opt %s --split-input-file --attn-fuse | FileCheck %s

// The four-op chain becomes one attn.attention with its pattern and scale.
// CHECK-LABEL: func.func @chain
//  CHECK-SAME: (%[[Q:.+]]: tensor<?x?x?x64xf32>, %[[K:.+]]: tensor<?x?x?x64xf32>, %[[V:.+]]: tensor<?x?x?x64xf32>)
//       CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] pattern(#attn.causal) {scale = 1.250000e-01 : f32}
//   CHECK-NOT: attn.qk
//   CHECK-NOT: attn.softmax
//       CHECK: return %[[O]]
func.func @chain(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// Without a mask the fused op is dense (no pattern); without a scale, none.
// CHECK-LABEL: func.func @no_mask
//       CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32> -> tensor<1x8x16x32xf32>
func.func @no_mask(%q: tensor<1x8x16x32xf32>, %k: tensor<1x2x16x32xf32>, %v: tensor<1x2x16x32xf32>) -> tensor<1x8x16x32xf32> {
  %s = attn.qk %q, %k : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32> -> tensor<1x8x16x16xf32>
  %p = attn.softmax %s : tensor<1x8x16x16xf32>
  %o = attn.pv %p, %v : tensor<1x8x16x16xf32>, tensor<1x2x16x32xf32> -> tensor<1x8x16x32xf32>
  return %o : tensor<1x8x16x32xf32>
}

// -----

// The scores are used twice: the chain stays.
// CHECK-LABEL: func.func @scores_used_twice
//   CHECK-NOT: attn.attention
//       CHECK: attn.qk
//       CHECK: attn.softmax
//       CHECK: attn.pv
func.func @scores_used_twice(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?x?xf32>) {
  %s = attn.qk %q, %k : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %p = attn.softmax %s : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o, %s : tensor<?x?x?x64xf32>, tensor<?x?x?x?xf32>
}

// -----

// A softmax over the queries (axis 2) is not attention: the chain stays.
// CHECK-LABEL: func.func @softmax_over_queries
//   CHECK-NOT: attn.attention
//       CHECK: attn.softmax %{{.+}} {axis = 2 : i64}
func.func @softmax_over_queries(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %p = attn.softmax %s {axis = 2 : i64} : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// The masked scores are used twice: the chain stays.
// CHECK-LABEL: func.func @mask_used_twice
//   CHECK-NOT: attn.attention
//       CHECK: attn.mask
func.func @mask_used_twice(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?x?xf32>) {
  %s = attn.qk %q, %k : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o, %m : tensor<?x?x?x64xf32>, tensor<?x?x?x?xf32>
}

// -----

// Keys and values with different head counts cannot be one attention.
// CHECK-LABEL: func.func @kv_heads_differ
//   CHECK-NOT: attn.attention
func.func @kv_heads_differ(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x8xf32>
  %p = attn.softmax %s : tensor<1x4x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
