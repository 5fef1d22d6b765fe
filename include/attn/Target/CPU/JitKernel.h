//===- JitKernel.h - a kernel compiled and loaded in-process --*- C++ -*-===//
//
// Compiles one attn function through attn-cpu-pipeline with MLIR's
// ExecutionEngine and runs it on contiguous [B, H, N, D] float buffers with
// the runtime's thread pool. attn-run, attn-sweep, the integration tests and
// the benchmarks share it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CPU_JITKERNEL_H
#define ATTN_TARGET_CPU_JITKERNEL_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/Kernel.h"
#include "attn/Target/Common/KernelContract.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attn {
class ThreadPool;
} // namespace attn

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::attn {

/// The run-time sizes of one call.
using AttentionShape = ::attn::CallShape;

class JitKernel {
public:
  ~JitKernel();

  /// Compiles function `name` of `module` (which this modifies: other
  /// functions are dropped). On failure returns nullptr with the reason,
  /// diagnostics included, in `error`.
  static std::unique_ptr<JitKernel>
  compile(ModuleOp module, StringRef name,
          const AttnCPUPipelineOptions &options, std::string &error);

  /// The kernel's contract (#attn.kernel), owned by the module's context.
  KernelAttr info() const { return contract; }
  /// Wall time of compile(), in milliseconds.
  double compileMillis() const { return compileTime; }

  /// Checks a call's sizes against the function's static sizes and the
  /// dialect's rules (H % Hkv = 0, D, non-negative sizes).
  LogicalResult checkShape(const AttentionShape &shape,
                           std::string &error) const;

  /// The number of work items of a call: B * H * ceil(Nq / tile_q).
  int64_t numWorkItems(const AttentionShape &shape) const;

  /// Runs the kernel on one buffer per argument and per result, in order;
  /// `shape` must have passed checkShape. The schedule tables of an
  /// irregular pattern are built on the first call for each (Nq, Nk) with
  /// the host's buildBlockTables and kept. Safe to call from several
  /// threads.
  /// Fails only for buffers that do not fit the kernel's tensors.
  absl::Status run(ArrayRef<const void *> arguments, ArrayRef<void *> results,
                   const AttentionShape &shape, ::attn::ThreadPool &pool);
  /// run() for the classic kernel (q, k, v) -> out.
  absl::Status run(const float *q, const float *k, const float *v, float *out,
                   const AttentionShape &shape, ::attn::ThreadPool &pool);

  /// As run(), but irregular patterns take their tables from the generated
  /// schedule function, as ahead-of-time kernels do, instead of the host's
  /// buildBlockTables.
  void runWithGeneratedSchedule(const float *q, const float *k, const float *v,
                                float *out, const AttentionShape &shape,
                                ::attn::ThreadPool &pool);

  /// The runtime's view of the kernel.
  const ::attn::KernelDescriptor &getDescriptor() const { return descriptor; }

private:
  JitKernel() = default;
  const std::vector<int32_t> &tablesFor(int64_t nq, int64_t nk);

  KernelAttr contract;
  std::string name;                             // owns the descriptor's name
  std::unique_ptr<KernelTensorRecords> tensors; // and its tensors
  ::attn::KernelDescriptor descriptor{};
  std::unique_ptr<ExecutionEngine> engine;
  double compileTime = 0;
  std::mutex tableMutex; // run() may be called from several threads
  std::map<std::pair<int64_t, int64_t>, std::vector<int32_t>> tableCache;
};

} // namespace mlir::attn

#endif // ATTN_TARGET_CPU_JITKERNEL_H
