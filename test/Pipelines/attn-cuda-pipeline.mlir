// RUN: attn-opt %s --attn-cuda-pipeline | FileCheck %s
// RUN: attn-opt %s --attn-cuda-pipeline="chips=sm_90 ptx-features=+ptx83" | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-cuda-pipeline="chips=sm_70" 2>&1 | FileCheck %s --check-prefix=BADCHIP

// One gpu.binary, one PTX object per architecture; the tensor-core products
// are bf16 mma.sync with f32 accumulation; exp2 is the hardware ex2, row
// reductions are warp shuffles, K and V tiles go through shared memory
// between barriers.
// The host side: the schedule function of the irregular pattern, in LLVM.
// CHECK: llvm.func @longformer.schedule
// CHECK: gpu.binary @attn_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// CHECK-SAME: .target sm_80
// CHECK-SAME: .entry attn_kernel_longformer
// CHECK-SAME: bar.sync
// CHECK-SAME: st.shared.v4
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-SAME: shfl.sync.bfly.b32
// CHECK-SAME: ex2.approx
// CHECK-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME: .target sm_90

// SM90: gpu.binary @attn_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx83">
// SM90-SAME: .version 8.3
// SM90-NOT: sm_80

// BADCHIP: attn-cuda-pipeline: unsupported GPU architecture 'sm_70' (sm_80, sm_86, sm_89, sm_90, sm_100, sm_120)

func.func @longformer(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
  return %o : tensor<?x?x?x64xbf16>
}

// Newer chips get the PTX version they need; bad options are one error.
// RUN: attn-opt %s --attn-cuda-pipeline="chips=sm_100,sm_120" | FileCheck %s --check-prefix=NEWER
// NEWER: chip = "sm_100", features = "+ptx86"
// NEWER-SAME: .version 8.6
// NEWER-SAME: chip = "sm_120", features = "+ptx87"
// NEWER-SAME: .version 8.7
// RUN: not attn-opt %s --attn-cuda-pipeline="ptx-features=+ptx99" 2>&1 | FileCheck %s --check-prefix=BADPTX
// BADPTX: attn-cuda-pipeline: ptx-features must be +ptx70 ... +ptx90, got '+ptx99'
// RUN: not attn-opt %s --attn-cuda-pipeline="format=elf" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// BADFORMAT: attn-cuda-pipeline: format must be isa, bin or fatbin, got 'elf'
