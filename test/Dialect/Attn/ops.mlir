// RUN: attn-opt %s --split-input-file | attn-opt --split-input-file | FileCheck %s
// RUN: attn-opt %s --split-input-file --mlir-print-op-generic | attn-opt --split-input-file | FileCheck %s

// Round trip of every op and every pattern attribute.

// CHECK-LABEL: func.func @chain
//  CHECK-SAME: (%[[Q:.+]]: tensor<?x?x?x64xf32>, %[[K:.+]]: tensor<?x?x?x64xf32>, %[[V:.+]]: tensor<?x?x?x64xf32>)
func.func @chain(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                 %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  // CHECK: %[[S:.+]] = attn.qk %[[Q]], %[[K]] {scale = 1.250000e-01 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  // CHECK: %[[M:.+]] = attn.mask %[[S]] pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  // CHECK: %[[P:.+]] = attn.softmax %[[M]] : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  // CHECK: %[[O:.+]] = attn.pv %[[P]], %[[V]] : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  // CHECK: return %[[O]]
  return %o : tensor<?x?x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @fused
func.func @fused(%q: tensor<2x8x128x64xbf16>, %k: tensor<2x2x256x64xbf16>,
                 %v: tensor<2x2x256x64xbf16>) -> (tensor<2x8x128x64xbf16>, tensor<2x8x128x64xbf16>) {
  // CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}} pattern(#attn.causal) {scale = 1.250000e-01 : f32} : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16> -> tensor<2x8x128x64xbf16>
  %a = attn.attention %q, %k, %v pattern(#attn.causal) {scale = 0.125 : f32}
       : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16> -> tensor<2x8x128x64xbf16>
  // Without a pattern the op is dense; without a scale it is 1/sqrt(D).
  // CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x8x128x64xbf16>
  %b = attn.attention %q, %k, %v
       : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16> -> tensor<2x8x128x64xbf16>
  return %a, %b : tensor<2x8x128x64xbf16>, tensor<2x8x128x64xbf16>
}

// -----

// attn.merge (DESIGN 4.2): pairs of (output, lse), the types written once.
// CHECK-LABEL: func.func @merge_three
func.func @merge_three(%o1: tensor<?x8x?x64xf32>, %l1: tensor<?x8x?xf32>,
                       %o2: tensor<?x8x?x64xf32>, %l2: tensor<?x8x?xf32>,
                       %o3: tensor<?x8x?x64xf32>, %l3: tensor<?x8x?xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?xf32>) {
  // CHECK: %{{.+}}, %{{.+}} = attn.merge %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 : tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2, %o3, %l3 : tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return %o, %l : tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
}

// -----

// The lse result (DESIGN 4.2): f32 [B, H, Nq] beside the output.
// CHECK-LABEL: func.func @with_lse
func.func @with_lse(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>,
                    %v: tensor<?x2x?x64xbf16>) -> (tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>) {
  // CHECK: %{{.+}}, %{{.+}} = attn.attention %{{.+}}, %{{.+}}, %{{.+}} pattern(#attn.causal) : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
  %o, %lse = attn.attention %q, %k, %v pattern(#attn.causal)
      : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
  return %o, %lse : tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
}

// -----

// f16 inputs with f32 scores; softmax along another axis.
// CHECK-LABEL: func.func @mixed
func.func @mixed(%q: tensor<1x4x?x32xf16>, %k: tensor<1x1x?x32xf16>,
                 %v: tensor<1x1x?x32xf16>) -> tensor<1x4x?x32xf16> {
  // CHECK: attn.qk %{{.+}}, %{{.+}} : tensor<1x4x?x32xf16>, tensor<1x1x?x32xf16> -> tensor<1x4x?x?xf32>
  %s = attn.qk %q, %k : tensor<1x4x?x32xf16>, tensor<1x1x?x32xf16> -> tensor<1x4x?x?xf32>
  // CHECK: attn.softmax %{{.+}} {axis = 2 : i64} : tensor<1x4x?x?xf32>
  %p = attn.softmax %s {axis = 2 : i64} : tensor<1x4x?x?xf32>
  // CHECK: attn.pv %{{.+}}, %{{.+}} : tensor<1x4x?x?xf32>, tensor<1x1x?x32xf16> -> tensor<1x4x?x32xf16>
  %o = attn.pv %p, %v : tensor<1x4x?x?xf32>, tensor<1x1x?x32xf16> -> tensor<1x4x?x32xf16>
  return %o : tensor<1x4x?x32xf16>
}

// -----

// CHECK-LABEL: func.func @patterns
func.func @patterns(%s: tensor<1x1x8x8xf32>) {
  // CHECK: pattern(#attn.dense)
  %0 = attn.mask %s pattern(#attn.dense) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.causal)
  %1 = attn.mask %s pattern(#attn.causal) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.window<left = 2, right = 0>)
  %2 = attn.mask %s pattern(#attn.window<right = 0, left = 2>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.window<left = 4611686018427387904, right = 4611686018427387904>)
  %3 = attn.mask %s pattern(#attn.window<left = 4611686018427387904, right = 4611686018427387904>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.dilated<left = 2, right = 1, dilation = 3>)
  %4 = attn.mask %s pattern(#attn.dilated<left = 2, right = 1, dilation = 3>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.global<tokens = [0, 3, 7]>)
  %5 = attn.mask %s pattern(#attn.global<tokens = [0, 3, 7]>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.strided<stride = 4>)
  %6 = attn.mask %s pattern(#attn.strided<stride = 4>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.fixed<stride = 4, summary = 1>)
  %7 = attn.mask %s pattern(#attn.fixed<stride = 4, summary = 1>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.bigbird<block = 2, window = 3, global = 1, random = 2, seed = 42>)
  %8 = attn.mask %s pattern(#attn.bigbird<block = 2, window = 3, global = 1, random = 2, seed = 42>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.block_sparse<block = 4, layout = dense<{{\[\[}}true, false], [true, true]]> : tensor<2x2xi1>>)
  %9 = attn.mask %s pattern(#attn.block_sparse<block = 4, layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.block_sparse<block = 8, layout = dense<true> : tensor<1x1xi1>>)
  %10 = attn.mask %s pattern(#attn.block_sparse<block = 8, layout = dense<true> : tensor<1x1xi1>>) : tensor<1x1x8x8xf32>
  // CHECK: pattern(#attn.intersect<[#attn.causal, #attn.union<[#attn.window<left = 1, right = 1>, #attn.global<tokens = [0]>]>]>)
  %11 = attn.mask %s pattern(#attn.intersect<[#attn.causal, #attn.union<[#attn.window<left = 1, right = 1>, #attn.global<tokens = [0]>]>]>) : tensor<1x1x8x8xf32>
  return
}
