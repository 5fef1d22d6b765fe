//===- CudaTarget.h - the NVIDIA GPU back end -----------------*- C++ -*-===//
//
// The Target of attn-cuda-pipeline: kernels loaded through the CUDA driver
// (CudaJitKernel.h), libraries with cubins and PTX (CudaCompiler.h), and
// ptxas' static facts of a kernel with the chip's occupancy (NvidiaChips.h).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CUDA_CUDATARGET_H
#define ATTN_TARGET_CUDA_CUDATARGET_H

namespace mlir::attn {

/// Registers the "cuda" target.
void registerCUDATarget();

} // namespace mlir::attn

#endif // ATTN_TARGET_CUDA_CUDATARGET_H
