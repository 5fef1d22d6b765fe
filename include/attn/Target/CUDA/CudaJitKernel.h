//===- CudaJitKernel.h - a GPU kernel compiled in-process -----*- C++ -*-===//
//
// Compiles one attn function through attn-cuda-pipeline in-process (PTX for
// each architecture, cubins when ptxas is found) and launches it through the
// runtime (attn/Runtime/CudaKernel.h). attn-run --target cuda and the GPU
// tests share it. Irregular patterns with a run-time N take their tables
// from the generated schedule function, JIT-compiled for the host, as
// ahead-of-time libraries do.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CUDA_CUDAJITKERNEL_H
#define ATTN_TARGET_CUDA_CUDAJITKERNEL_H

#include "attn/Runtime/CudaKernel.h"
#include "attn/Target/CUDA/CudaCompiler.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::attn {

class CudaJitKernel {
public:
  /// Compiles function `name` of `module` (which this modifies: other
  /// functions are dropped). On failure returns nullptr with the reason in
  /// `error`.
  static std::unique_ptr<CudaJitKernel>
  compile(ModuleOp module, StringRef name,
          const AttnCUDAPipelineOptions &options, std::string &error);

  /// The kernel's contract (#attn.kernel), owned by the module's context.
  KernelAttr info() const { return contract; }
  /// Wall time of compile(), in milliseconds.
  double compileMillis() const { return compileTime; }
  /// Whether the images hold cubins (ptxas was found) besides PTX.
  bool hasCubins() const;

  /// The runtime's view of the kernel, valid as long as this object.
  const ::attn::CudaKernelDescriptor &getDescriptor() const {
    return descriptor;
  }

  /// Launches on device pointers, one per argument and per result (see
  /// ::attn::launchCudaKernel).
  absl::Status launch(ArrayRef<const void *> arguments,
                      ArrayRef<void *> results, const ::attn::CallShape &shape,
                      void *stream = nullptr);
  /// launch() of the classic kernel (q, k, v) -> out.
  absl::Status launch(const void *q, const void *k, const void *v, void *out,
                      const ::attn::CallShape &shape, void *stream = nullptr);

  /// Releases the kernel's modules and tables in the runtime.
  ~CudaJitKernel();

private:
  CudaJitKernel() = default;

  KernelAttr contract;
  std::vector<CudaImageCode> code;
  std::string functionName;                     // owns the descriptor's name
  std::unique_ptr<KernelTensorRecords> tensors; // and its tensors
  std::vector<int32_t> staticTables;            // and its static tables
  std::vector<::attn::CudaImage> images;
  ::attn::CudaKernelDescriptor descriptor{};
  /// The host code of the schedule function (irregular patterns, dynamic N).
  std::unique_ptr<ExecutionEngine> host;
  double compileTime = 0;
};

} // namespace mlir::attn

#endif // ATTN_TARGET_CUDA_CUDAJITKERNEL_H
