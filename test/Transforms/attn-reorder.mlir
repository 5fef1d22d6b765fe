// RUN: attn-opt %s --split-input-file --attn-reorder | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-reorder="mode=force" | FileCheck %s --check-prefix=FORCE
// RUN: attn-opt %s --split-input-file --attn-reorder="mode=off" | FileCheck %s --check-prefix=OFF
// RUN: not attn-opt %s --split-input-file --attn-reorder="mode=sometimes" 2>&1 | FileCheck %s --check-prefix=BAD

// A dilated window (dilation 2) touches every other key of a 256-key span:
// in the original order its 64 x 64 tiles are half empty; grouped by
// residue it is a plain window of 129 keys. The cost model (N = 4096 for a
// dynamic N) prefers the residue order.
// CHECK-LABEL: func.func @dilated
//       CHECK: attn.attention {{.*}} {order = #attn.residue_order<modulus = 2>}
//  OFF-LABEL: func.func @dilated
//   OFF-NOT: order
// BAD: attn-reorder: mode must be auto, force or off, got 'sometimes'
func.func @dilated(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.dilated<left = 64, right = 64, dilation = 2>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// The fixed pattern's summary columns run through every stripe: with the
// summary keys first they become a prefix.
// CHECK-LABEL: func.func @fixed
//       CHECK: {order = #attn.summary_order<stride = 128, summary = 8>}
func.func @fixed(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.fixed<stride = 128, summary = 8>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// A tiny static N: both orders visit the one block; no reorder. Forced, the
// candidate is taken anyway.
// CHECK-LABEL: func.func @tiny
//   CHECK-NOT: order
//  FORCE-LABEL: func.func @tiny
//       FORCE: {order = #attn.residue_order<modulus = 3>}
func.func @tiny(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>, %v: tensor<1x1x8x64xf32>) -> tensor<1x1x8x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.dilated<left = 1, right = 1, dilation = 3>) : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return %o : tensor<1x1x8x64xf32>
}

// -----

// Patterns without a candidate order keep theirs.
// CHECK-LABEL: func.func @window
//   CHECK-NOT: order
//  FORCE-LABEL: func.func @window
//   FORCE-NOT: order
func.func @window(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 64, right = 64>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// An op already scheduled keeps its order: its schedule was made for it.
// FORCE-LABEL: func.func @scheduled
//   FORCE-NOT: order
func.func @scheduled(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.dilated<left = 64, right = 64, dilation = 2>) {schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "banded">} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// The strided pattern splits into parts with disjoint kept pairs: the l - 1
// keys before the query (a band, original order) and the keys a multiple of
// l back (a causal block in each residue group), each with its lse, merged;
// the function returns the merge (and its lse where it returned one).
// CHECK-LABEL: func.func @strided
//       CHECK: %[[O1:.+]], %[[L1:.+]] = attn.attention %{{.*}} pattern(#attn.window<left = 127, right = -1>) {scale = 1.250000e-01 : f32}
//       CHECK: %[[O2:.+]], %[[L2:.+]] = attn.attention %{{.*}} pattern(#attn.dilated<left = 36028797018963968, right = 0, dilation = 128>) {order = #attn.residue_order<modulus = 128>, scale = 1.250000e-01 : f32}
//       CHECK: %[[O:.+]], %[[L:.+]] = attn.merge %[[O1]], %[[L1]], %[[O2]], %[[L2]]
//       CHECK: return %[[O]], %[[L]]
// FORCE-LABEL: func.func @strided
//       FORCE: attn.merge
//  OFF-LABEL: func.func @strided
//   OFF-NOT: attn.merge
func.func @strided(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?xf32>) {
  %o, %l = attn.attention %q, %k, %v pattern(#attn.strided<stride = 128>) {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  return %o, %l : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
}

// -----

// A stride of 1 is causal attention: nothing to split.
// CHECK-LABEL: func.func @stride_one
// OFF-LABEL: func.func @stride_one
//   CHECK-NOT: attn.merge
func.func @stride_one(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.strided<stride = 1>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// The parts of a user's attn.merge keep the decomposition they were given:
// splitting the strided part would nest merges, which no kernel takes.
// CHECK-LABEL: func.func @user_merge
//       CHECK: attn.attention %{{.*}} pattern(#attn.strided<stride = 128>)
//   CHECK-NOT: order
//       CHECK: attn.attention %{{.*}} pattern(#attn.causal)
//       CHECK: attn.merge
//   CHECK-NOT: attn.merge
// FORCE-LABEL: func.func @user_merge
//   FORCE-NOT: order
//       FORCE: attn.merge
//   FORCE-NOT: attn.merge
func.func @user_merge(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.strided<stride = 128>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// The parts' lse takes the output's [B, H, Nq] (here static where the
// query's shape is not).
// CHECK-LABEL: func.func @strided_static_out
//       CHECK: attn.attention {{.*}} -> tensor<1x2x300x64xf32>, tensor<1x2x300xf32>
//       CHECK: attn.attention {{.*}} -> tensor<1x2x300x64xf32>, tensor<1x2x300xf32>
//       CHECK: attn.merge {{.*}} : tensor<1x2x300x64xf32>, tensor<1x2x300xf32>
// FORCE-LABEL: func.func @strided_static_out
func.func @strided_static_out(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<1x2x300x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.strided<stride = 16>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<1x2x300x64xf32>
  return %o : tensor<1x2x300x64xf32>
}
