//===- CudaCompiler.h - GPU kernels compiled ahead of time ----*- C++ -*-===//
//
// attn-compile --target cuda and attn-run --target cuda: every attention
// function of a module through attn-cuda-pipeline to PTX for each chosen
// architecture, ptxas to cubins (with its -v report: registers, spills,
// shared memory), and for a library the host object holding the images, a
// CudaKernelDescriptor per kernel (`attn_cuda_descriptor_f`, see
// attn/Runtime/CudaKernel.h), the host schedule functions of irregular
// patterns and the C entry points `attn_f_cuda(q, k, v, out, B, H, Hkv, Nq,
// Nk, D, stream)`.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CUDA_CUDACOMPILER_H
#define ATTN_TARGET_CUDA_CUDACOMPILER_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Target/CPU/AotCompiler.h"
#include "attn/Target/CUDA/Chips/NvidiaChips.h"
#include "attn/Target/Common/KernelContract.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::attn {

/// The code of one architecture.
struct CudaImageCode {
  std::string chip; ///< "sm_80", ...
  std::string ptx;
  std::string cubin;       ///< empty without ptxas
  std::string ptxasReport; ///< ptxas -v's lines for this image
};

struct CudaCompileResult {
  /// The kernels' contracts (#attn.kernel), in the module's context.
  std::vector<KernelAttr> kernels;
  std::vector<CudaImageCode> images;
  /// The kernels in the NVVM dialect (for --emit mlir).
  std::string nvvmMlir;
  /// The host side of a library (schedule functions, images, descriptors,
  /// entry points), when asked for.
  std::unique_ptr<AotResult> host;
};

/// ptxas: $ATTN_PTXAS, else $CUDA_HOME/bin/ptxas, else
/// /usr/local/cuda/bin/ptxas, else the one on PATH; "" when none is found.
std::string findPtxas();

/// Compiles every function of `module` (which this modifies) to PTX for
/// `options.chips`, to cubins when `ptxas` is not empty, and, when
/// `hostCpu` is not empty, the host side of a library for that CPU ("host"
/// or an LLVM x86-64 CPU name). Fails with one message in `error`.
std::unique_ptr<CudaCompileResult>
compileForCUDA(ModuleOp module, const AttnCUDAPipelineOptions &options,
               StringRef ptxas, StringRef hostCpu, std::string &error);

/// The figures of kernel `kernel` in a ptxas -v report.
FailureOr<GpuKernelFacts> parsePtxasReport(StringRef report, StringRef kernel,
                                           std::string &error);

/// The static facts of the kernel of the single function of `module` (which
/// this modifies) for `options.chips.front()`. Needs ptxas.
FailureOr<GpuKernelFacts> kernelFactsOf(ModuleOp module,
                                        const AttnCUDAPipelineOptions &options,
                                        std::string &error);

} // namespace mlir::attn

#endif // ATTN_TARGET_CUDA_CUDACOMPILER_H
