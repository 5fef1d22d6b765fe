// RUN: attn-opt %s --attn-cpu-pipeline="vector-width=16" | FileCheck %s --check-prefix=AVX512
// RUN: attn-opt %s --attn-cpu-pipeline="cpu=x86-64-v4" | FileCheck %s --check-prefix=AVX512
// RUN: attn-opt %s --attn-cpu-pipeline="cpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: not attn-opt %s --attn-cpu-pipeline="cpu=no-such-cpu" 2>&1 | FileCheck %s --check-prefix=BAD

// The whole chain lowers to one LLVM-dialect kernel whose tiles are vector
// FMAs: 16 lanes of f32 with AVX-512, 8 with AVX2; exp is a polynomial (no
// scalar expf calls) and no N x N buffer is allocated (no malloc).
// AVX512: llvm.func @longformer(
// AVX512: llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// AVX512-NOT: llvm.call @expf
// AVX512-NOT: @malloc
// AVX512: llvm.func @_mlir_ciface_longformer(
// AVX2: llvm.intr.fmuladd({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// AVX2-NOT: vector<16xf32>
// BAD: attn-cpu-pipeline: unknown cpu 'no-such-cpu'
func.func @longformer(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                      %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
