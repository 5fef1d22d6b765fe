//===- Kernel.h - calling a compiled attn kernel --------------*- C++ -*-===//
//
// The LLVM-free side of a kernel made by attn-cpu-pipeline: the facts the
// compiler records about it (KernelDescriptor), the shape checks every call
// passes, and the call itself on the thread pool. The JIT (attn-run,
// attn-sweep) and ahead-of-time kernels (attn-compile) both go through
// runKernel; attn-compile emits a KernelDescriptor per function and C entry
// points that call attn_run_kernel.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_KERNEL_H
#define ATTN_RUNTIME_KERNEL_H

#include "absl/status/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attn {

class ThreadPool;

/// A rank-1 memref descriptor, as the kernels' C interface takes it.
template <typename T> struct MemRef1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};

/// The C interface of a generated kernel (see docs/cpu-kernels.md): q, k, v,
/// out, schedule tables, then B, H, Hkv, Nq, Nk and the work items
/// [begin, end).
using KernelEntry = void (*)(MemRef1D<float> *, MemRef1D<float> *,
                             MemRef1D<float> *, MemRef1D<float> *,
                             MemRef1D<int32_t> *, int64_t, int64_t, int64_t,
                             int64_t, int64_t, int64_t, int64_t);

/// A generated function that fills the schedule tables for (Nq, Nk).
using ScheduleEntry = void (*)(MemRef1D<int32_t> *, int64_t, int64_t);

/// How a kernel finds the key blocks of each query block.
enum ScheduleKind : int64_t {
  kScheduleBanded = 0,       ///< closed form, in the kernel
  kScheduleStaticTables = 1, ///< tables compiled into the kernel
  kScheduleTables = 2,       ///< tables passed at each call (dynamic N)
};

/// What the compiler records about a kernel. Every field is 8 bytes wide so
/// the layout is the same in C++ and in the LLVM IR attn-compile emits.
struct KernelDescriptor {
  const char *name;
  int64_t headDim, tileQ, tileK;
  int64_t schedule; ///< a ScheduleKind
  /// Static sizes of q, k and v, each [B, H, N, D]; -1 where dynamic.
  int64_t staticShape[3][4];
  KernelEntry kernel;
  /// For kScheduleTables: builds the tables of a (Nq, Nk); may be null.
  ScheduleEntry buildTables;
};

/// The sizes of one call.
struct CallShape {
  int64_t batch, heads, kvHeads, nq, nk, headDim;
};

/// Why `shape` cannot be run by `kernel` ("" when it can): negative sizes,
/// H not a multiple of Hkv, D or a static size differing from the IR.
std::string checkCallShape(const KernelDescriptor &kernel,
                           const CallShape &shape);

/// The number of work items of a call: B * H * ceil(Nq / tile_q).
int64_t numWorkItems(const KernelDescriptor &kernel, const CallShape &shape);

/// Runs `kernel` on contiguous row-major [B, H, N, D] buffers with `pool`
/// (the default pool when null: one thread per hardware thread, or the count
/// set by setDefaultThreadCount). Kernels with kScheduleTables take the
/// tables of attn/Support/BlockTableLayout.h for this (Nq, Nk), or build them
/// with `buildTables` once per (Nq, Nk) and keep the most recent ones.
absl::Status runKernel(const KernelDescriptor &kernel, const float *q,
                       const float *k, const float *v, float *out,
                       const CallShape &shape, ThreadPool *pool = nullptr,
                       const int32_t *tables = nullptr, int64_t tableSize = 0);

/// The tables `kernel.buildTables` makes for (Nq, Nk), from the cache (the
/// 32 most recent are kept).
std::shared_ptr<const std::vector<int32_t>>
scheduleTables(const KernelDescriptor &kernel, int64_t nq, int64_t nk);

/// Sets the default pool's thread count (0: one per hardware thread). Takes
/// effect for calls that start afterwards.
void setDefaultThreadCount(int64_t threads);

} // namespace attn

extern "C" {
/// The C ABI (DESIGN §7): runs `kernel`, returns 0 on success, non-zero with
/// the reason in attn_last_error() otherwise. Never aborts.
int attn_run_kernel(const attn::KernelDescriptor *kernel, const float *q,
                    const float *k, const float *v, float *out, int64_t B,
                    int64_t H, int64_t Hkv, int64_t Nq, int64_t Nk, int64_t D);
/// The message of the calling thread's last failed call ("" if none).
const char *attn_last_error(void);
/// Sets the default thread count (0: hardware threads); returns 0.
int attn_set_num_threads(int64_t threads);
}

#endif // ATTN_RUNTIME_KERNEL_H
