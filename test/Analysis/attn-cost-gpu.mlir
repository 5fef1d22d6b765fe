// REQUIRES: ptxas
// RUN: attn-opt %s --split-input-file --attn-fuse --attn-cost="seq-lens=4096 gpu-arch=sm_90" -o /dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-fuse --attn-cost="seq-lens=4096 gpu-arch=sm_80 tile-q=128" -o /dev/null | FileCheck %s --check-prefix=SM80
// RUN: not attn-opt %s --attn-cost="gpu-arch=sm_70" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// With gpu-arch, each fused op's GPU kernel is compiled and ptxas' figures
// printed under its cost table. Shared memory and threads follow from the
// kernel's design: bf16, D = 64, 64 x 64 tiles: K and V tiles of 64 rows of
// D + 8 elements, 2 x 64 x 72 x 2 = 18432 bytes; 4 warps of 16 rows = 128
// threads. Registers depend on LLVM and ptxas; nothing may spill here.
// CHECK-LABEL: // attn-cost: @bf16 attn.attention #attn.causal (fused, banded, tiles 64x64)
// CHECK: //   sm_90 kernel (ptxas -v): {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes stack, 18432 bytes shared, 128 threads per block, {{[1-9][0-9]*}} blocks per SM
// tile-q = 128: 8 warps, 256 threads.
// SM80-LABEL: // attn-cost: @bf16
// SM80: //   sm_80 kernel (ptxas -v): {{[0-9]+}} registers, {{.*}} 18432 bytes shared, 256 threads per block,
func.func @bf16(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
  return %o : tensor<?x?x?x64xbf16>
}

// -----

// f32, D = 32: the SIMT kernel, one thread per query row (64), K and V tiles
// of 64 x 32 floats (16384 bytes), the block's 64 scores on the stack.
// CHECK-LABEL: // attn-cost: @f32 attn.attention
// CHECK: //   sm_90 kernel (ptxas -v): {{[0-9]+}} registers, {{.*}} 256 bytes stack, 16384 bytes shared, 64 threads per block,
func.func @f32(%q: tensor<?x?x?x32xf32>, %k: tensor<?x?x?x32xf32>, %v: tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32> {
  %s = attn.qk %q, %k : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.window<left = 100, right = 0>) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x32xf32> -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

// BAD: attn-cost: unsupported GPU architecture 'sm_70' (sm_80, sm_86, sm_89, sm_90, sm_100, sm_120)
