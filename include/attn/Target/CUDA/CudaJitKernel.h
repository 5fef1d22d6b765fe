//===- CudaJitKernel.h - a GPU kernel compiled in-process -----*- C++ -*-===//
//
// Compiles one attn function through attn-cuda-pipeline in-process (PTX for
// each architecture, cubins when ptxas is found) and launches it through the
// runtime (attn/Runtime/CudaKernel.h). attn-run --target cuda and the GPU
// tests share it. Irregular patterns with a run-time N take tables built by
// the host's block scheduler, once per (Nq, Nk).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CUDA_CUDAJITKERNEL_H
#define ATTN_TARGET_CUDA_CUDAJITKERNEL_H

#include "attn/Runtime/CudaKernel.h"
#include "attn/Target/CUDA/CudaCompiler.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mlir::attn {

class CudaJitKernel {
public:
  /// Compiles function `name` of `module` (which this modifies: other
  /// functions are dropped). On failure returns nullptr with the reason in
  /// `error`.
  static std::unique_ptr<CudaJitKernel>
  compile(ModuleOp module, StringRef name,
          const AttnCUDAPipelineOptions &options, std::string &error);

  const CudaKernelInfo &info() const { return kernelInfo; }
  /// Wall time of compile(), in milliseconds.
  double compileMillis() const { return compileTime; }
  /// Whether the images hold cubins (ptxas was found) besides PTX.
  bool hasCubins() const;

  /// The descriptor of a call with sequence lengths (Nq, Nk).
  const ::attn::CudaKernelDescriptor &descriptorFor(int64_t nq, int64_t nk);

  /// Launches on device pointers (see ::attn::launchCudaKernel).
  absl::Status launch(const void *q, const void *k, const void *v, void *out,
                      const ::attn::CallShape &shape, void *stream = nullptr);

private:
  CudaJitKernel() = default;

  CudaKernelInfo kernelInfo;
  std::vector<CudaImageCode> code;
  std::string functionName; // owns the descriptor's name
  std::vector<::attn::CudaImage> images;
  ::attn::CudaKernelDescriptor descriptor{};
  double compileTime = 0;
  std::mutex tableMutex;
  /// Per (Nq, Nk) of a "tables" kernel: the host's tables and a descriptor
  /// that hands them to the runtime as static tables.
  struct Tables {
    std::vector<int32_t> entries;
    ::attn::CudaKernelDescriptor descriptor;
  };
  std::map<std::pair<int64_t, int64_t>, Tables> tableCache;
};

} // namespace mlir::attn

#endif // ATTN_TARGET_CUDA_CUDAJITKERNEL_H
