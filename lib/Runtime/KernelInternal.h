//===- KernelInternal.h - shared by the CPU and CUDA launchers -*- C++ -*-===//
//
// What Kernel.cpp (CPU kernels) and CudaKernel.cpp (GPU kernels) share: the
// checks of a descriptor and of a call against its tensors, the host-side
// schedule tables and the C ABI's last error. Private to the runtime
// library: not installed.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_RUNTIME_KERNELINTERNAL_H
#define ATTN_LIB_RUNTIME_KERNELINTERNAL_H

#include "attn/Runtime/Kernel.h"
#include "attn/Runtime/TensorView.h"

#include "absl/status/status.h"
#include "absl/types/span.h"

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace attn::detail {

/// What is wrong with the fields every descriptor has ("" when nothing): a
/// library built for another ABI, or a compiler bug; better a message than
/// a call that reads out of bounds.
std::string checkCommonFields(int64_t abiVersion, const char *name,
                              int64_t numArguments, int64_t numResults,
                              const KernelTensor *tensors, int64_t tileQ,
                              int64_t tileK, int64_t schedule);
template <typename Descriptor>
std::string checkCommonFields(const Descriptor &d) {
  return checkCommonFields(d.abiVersion, d.name, d.numArguments, d.numResults,
                           d.tensors, d.tileQ, d.tileK, d.schedule);
}

/// A descriptor's tensors, arguments then results.
template <typename Descriptor>
absl::Span<const KernelTensor> tensorsOf(const Descriptor &d) {
  return {d.tensors, size_t(d.numArguments + d.numResults)};
}

/// The buffer of tensor `i` of a call: an argument, then the results. The
/// kernel only writes results; arguments are passed on as they are.
inline void *bufferOf(size_t i, int64_t numArguments,
                      absl::Span<const void *const> arguments,
                      absl::Span<void *const> results) {
  return int64_t(i) < numArguments ? const_cast<void *>(arguments[i])
                                   : results[i - size_t(numArguments)];
}

/// Why `shape` cannot be run by a kernel of `tensors` ("" when it can).
std::string checkCallShape(absl::Span<const KernelTensor> tensors,
                           const CallShape &shape);

/// Why `arguments` and `results` cannot be the buffers of a call of `shape`
/// ("" when they can): a count differing from the descriptor's, a null
/// pointer to a non-empty tensor, or one not `alignment`-byte aligned.
std::string checkBuffers(absl::Span<const KernelTensor> tensors,
                         int64_t numArguments,
                         absl::Span<const void *const> arguments,
                         absl::Span<void *const> results,
                         const CallShape &shape, int64_t alignment);

/// The facts and data pointers of a call's views (CPU or device).
struct GatheredViews {
  std::vector<ViewFacts> facts;
  std::vector<const void *> arguments;
  std::vector<void *> results;
};
template <typename View, typename MutableView>
GatheredViews gatherViews(absl::Span<const View> arguments,
                          absl::Span<const MutableView> results) {
  GatheredViews gathered;
  for (const View &view : arguments) {
    gathered.facts.emplace_back(view);
    gathered.arguments.push_back(view.data);
  }
  for (const MutableView &view : results) {
    gathered.facts.emplace_back(view);
    gathered.results.push_back(view.data);
  }
  return gathered;
}

/// The schedule tables of attn/Support/BlockTableLayout.h for (nq, nk) and
/// query tiles of tileQ, built by the generated function `build` (two calls:
/// header, then lists). Fails when they would not fit int32 positions.
absl::StatusOr<std::vector<int32_t>>
buildScheduleTables(ScheduleEntry build, int64_t tileQ, int64_t nq, int64_t nk);

/// Sets the calling thread's attn_last_error().
void setLastError(std::string message) noexcept;

/// The C ABI's result for `status`: 0 and a cleared last error on success,
/// else the status code with its message as the last error.
int reportCall(const absl::Status &status);

/// Runs `call` for the C ABI: a null kernel, or an exception (bad_alloc: a
/// C caller cannot catch), becomes an error code and attn_last_error().
template <typename Call> int callForC(const void *kernel, Call &&call) {
  if (!kernel) {
    setLastError("no kernel");
    return 1;
  }
  try {
    return reportCall(call());
  } catch (const std::exception &e) {
    setLastError(std::string("running a kernel failed: ") + e.what());
  } catch (...) {
    setLastError("running a kernel failed");
  }
  return int(absl::StatusCode::kInternal);
}

} // namespace attn::detail

#endif // ATTN_LIB_RUNTIME_KERNELINTERNAL_H
