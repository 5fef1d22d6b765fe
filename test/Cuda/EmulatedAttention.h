//===- EmulatedAttention.h - a converted kernel, emulated -----*- C++ -*-===//
//
// Runs the GPU kernel that convert-attn-to-gpu made of function @name in the
// test emulator (GpuEmulator.h) the way the runtime would launch it: one
// block per work item, the kernel's threads, its schedule tables (built by
// the host scheduler for a run-time N, the static ones otherwise).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_CUDA_EMULATEDATTENTION_H
#define ATTN_TEST_CUDA_EMULATEDATTENTION_H

#include "CudaTestSupport.h"

#include "mlir/IR/BuiltinOps.h"

namespace attn::testing {

/// The output of `attn_kernel_<name>` in `module` (after
/// buildAttnCUDAKernelPasses) on q, k and v, or an empty vector with the
/// reason in `error`. Every output element is written by the kernel.
std::vector<float> emulateAttention(mlir::ModuleOp module, llvm::StringRef name,
                                    const CallShape &shape, const HostTensor &q,
                                    const HostTensor &k, const HostTensor &v,
                                    std::string &error,
                                    std::vector<float> *lse = nullptr);

} // namespace attn::testing

#endif // ATTN_TEST_CUDA_EMULATEDATTENTION_H
