//===- Kernel.h - calling a compiled attn kernel --------------*- C++ -*-===//
//
// The LLVM-free side of a kernel made by attn-cpu-pipeline: the shape checks
// every call passes and the call itself on the thread pool. A kernel takes
// any number of tensor arguments and returns any number of results; its
// descriptor (attn/Runtime/KernelAbi.h) lists them. The JIT (attn-run,
// attn-sweep) and ahead-of-time kernels (attn-compile) both go through
// runKernel; attn-compile emits a KernelDescriptor per function and C entry
// points that call attn_run_kernel.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_KERNEL_H
#define ATTN_RUNTIME_KERNEL_H

#include "attn/Runtime/KernelAbi.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attn {

class ThreadPool;

/// The sizes of one call, in SizeIndex order.
struct CallShape {
  int64_t batch, heads, kvHeads, nq, nk, headDim;
};

/// `shape` as the kNumSizes sizes a kernel receives.
std::array<int64_t, kNumSizes> sizesOf(const CallShape &shape);
/// The inverse: kNumSizes sizes as a CallShape.
CallShape shapeOf(const int64_t *sizes);

/// The extent of dimension `dim` of `tensor` in a call of `shape`.
int64_t extentOf(const KernelTensor &tensor, int dim, const CallShape &shape);
/// The number of elements of `tensor` in a call of `shape` (saturating).
int64_t elementsOf(const KernelTensor &tensor, const CallShape &shape);

/// Why `shape` cannot be run by `kernel` ("" when it can): negative sizes,
/// H not a multiple of Hkv, D or a static size differing from the IR.
std::string checkCallShape(const KernelDescriptor &kernel,
                           const CallShape &shape);

/// The number of work items of a call: B * H * ceil(Nq / tile_q).
int64_t numWorkItems(const KernelDescriptor &kernel, const CallShape &shape);

/// Runs `kernel` on contiguous row-major buffers, one per argument and per
/// result in the descriptor's order, with `pool` (the default pool when
/// null: one thread per hardware thread, or the count set by
/// setDefaultThreadCount). Kernels with kScheduleTables take the tables of
/// attn/Support/BlockTableLayout.h for this (Nq, Nk), or build them with
/// `buildTables` once per (Nq, Nk) and keep the most recent ones.
absl::Status runKernel(const KernelDescriptor &kernel,
                       absl::Span<const void *const> arguments,
                       absl::Span<void *const> results, const CallShape &shape,
                       ThreadPool *pool = nullptr,
                       const int32_t *tables = nullptr, int64_t tableSize = 0);

/// runKernel for the classic kernel (q, k, v) -> out.
absl::Status runKernel(const KernelDescriptor &kernel, const float *q,
                       const float *k, const float *v, float *out,
                       const CallShape &shape, ThreadPool *pool = nullptr,
                       const int32_t *tables = nullptr, int64_t tableSize = 0);

/// The tables `kernel.buildTables` makes for (Nq, Nk), from the cache (the
/// 32 most recent are kept); fails when they would exceed int32 positions.
absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>>
scheduleTables(const KernelDescriptor &kernel, int64_t nq, int64_t nk);

/// The runtime knows a kernel by its descriptor's address and keeps the
/// tables it built for it. A program that frees a descriptor (a JIT) calls
/// this first, so that a descriptor made later at the same address never
/// finds them. No call of the kernel may be running.
void releaseKernel(const KernelDescriptor &kernel);

/// Sets the default pool's thread count (0: one per hardware thread). Takes
/// effect for calls that start afterwards. Fails for a count outside
/// [0, kMaxThreads] and keeps the one before.
absl::Status setDefaultThreadCount(int64_t threads);

} // namespace attn

extern "C" {
/// The C ABI (DESIGN §7) the generated entry points call: runs `kernel` on
/// one pointer per argument and per result, in the descriptor's order, and
/// the kNumSizes sizes (B, H, Hkv, Nq, Nk, D). Returns 0 on success,
/// non-zero with the reason in attn_last_error() otherwise. Never aborts.
int attn_run_kernel(const attn::KernelDescriptor *kernel,
                    const void *const *arguments, void *const *results,
                    const int64_t *sizes);
/// The message of the calling thread's last failed call ("" if none).
const char *attn_last_error(void);
/// Sets the default thread count (0: hardware threads, at most 1024);
/// returns 0, or non-zero with attn_last_error() for a count out of range.
int attn_set_num_threads(int64_t threads);
}

#endif // ATTN_RUNTIME_KERNEL_H
