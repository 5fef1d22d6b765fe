//===- KernelAbi.h - the contract between compiler and runtime -*- C++ -*-===//
//
// One definition of what a compiled kernel looks like to the runtime, for
// every target: the tensors it takes and returns (role, element type, rank,
// and per dimension the call size it equals or its static extent), the sizes
// of a call, and the descriptor records the compiler emits. The records are
// written once, as field lists (ATTN_*_FIELDS below): the C++ structs here
// and the LLVM constants the compilers emit
// (attn/Target/Common/KernelContract.h) both come from them, so the two layouts
// cannot drift apart.
//
// The symbols of a library are named in one place,
// attn/Runtime/KernelSymbols.h.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_KERNELABI_H
#define ATTN_RUNTIME_KERNELABI_H

#include <cstdint>

namespace attn {

/// Bumped whenever a record below changes; every descriptor starts with it,
/// so the runtime refuses a library built for another layout.
inline constexpr int64_t kKernelAbiVersion = 4;

/// The largest rank of a kernel tensor.
inline constexpr int kMaxTensorRank = 4;

/// What a kernel tensor is to the op (names the argument in messages and in
/// the generated API).
enum TensorRole : int64_t {
  kRoleQuery = 0,
  kRoleKey = 1,
  kRoleValue = 2,
  kRoleOutput = 3,
  kRoleLogSumExp = 4,
};

/// The element type of a kernel tensor.
enum ElementKind : int64_t {
  kElementF32 = 0,
  kElementF16 = 1,
  kElementBF16 = 2,
  kElementI32 = 3,
};

/// Bytes per element of `kind` (0 for an unknown kind).
inline int64_t elementBytes(int64_t kind) {
  return kind == kElementF16 || kind == kElementBF16  ? 2
         : kind == kElementF32 || kind == kElementI32 ? 4
                                                      : 0;
}

/// The sizes of a call, in the order a kernel receives them. Each dimension
/// of a kernel tensor equals one of them.
enum SizeIndex : int64_t {
  kSizeBatch = 0,   ///< B
  kSizeHeads = 1,   ///< H, query heads
  kSizeKvHeads = 2, ///< Hkv, key/value heads (H a multiple of it)
  kSizeQueries = 3, ///< Nq
  kSizeKeys = 4,    ///< Nk
  kSizeHeadDim = 5, ///< D
  kNumSizes = 6,
};

/// How a kernel finds the key blocks of each query block.
enum ScheduleKind : int64_t {
  kScheduleBanded = 0,       ///< closed form, in the kernel
  kScheduleStaticTables = 1, ///< tables compiled into the kernel
  kScheduleTables = 2,       ///< tables passed at each call (dynamic N)
};

/// A rank-1 memref descriptor, as the kernels' C interface takes it.
template <typename T> struct MemRef1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};

/// The packed entry of a CPU kernel: `buffers` points to one MemRef1D per
/// tensor (arguments, then results), then the int32 schedule tables, then
/// the f32 scratch (rowScratch entries per query row, B·H·Nq rows);
/// `scalars` holds the kNumSizes sizes of the call, then the work items
/// [begin, end) to run, then the stage. A kernel of several stages runs
/// every work item of stage 0, then of stage 1, ...: a stage reads what the
/// one before wrote.
using KernelEntry = void (*)(void **buffers, const int64_t *scalars);

/// A generated function that builds the schedule tables for (Nq, Nk) of
/// attn/Support/BlockTableLayout.h in two calls: with fill = 0 it writes the
/// header (the tables need only hold it), with fill = 1 the lists (the
/// tables hold the header of the first call and have the full size). Both
/// return the full size in entries.
using ScheduleEntry = int64_t (*)(MemRef1D<int32_t> *tables, int64_t nq,
                                  int64_t nk, int64_t fill);

// The records, field by field: X(KIND, TYPE, NAME) with KIND one of INT (an
// int64_t), PTR (a pointer) or DIMS (int64_t[kMaxTensorRank]). Every field
// is 8 bytes wide (or an array of such), so there is no padding.

/// One argument or result of a kernel.
#define ATTN_KERNEL_TENSOR_FIELDS(X)                                           \
  X(PTR, const char *, name) /* as written in the source: "q", "out" */        \
  X(INT, int64_t, role)      /* a TensorRole */                                \
  X(INT, int64_t, element)   /* an ElementKind */                              \
  X(INT, int64_t, rank)                                                        \
  X(DIMS, int64_t, sizes)      /* per dimension: the SizeIndex it equals */    \
  X(DIMS, int64_t, staticDims) /* per dimension: its static extent, or -1 */

/// What every kernel descriptor starts with.
#define ATTN_KERNEL_COMMON_FIELDS(X)                                           \
  X(INT, int64_t, abiVersion) /* kKernelAbiVersion */                          \
  X(PTR, const char *, name)  /* the source function's name */                 \
  X(INT, int64_t, numArguments)                                                \
  X(INT, int64_t, numResults)                                                  \
  X(PTR, const KernelTensor *, tensors) /* arguments, then results */          \
  X(INT, int64_t, tileQ)                                                       \
  X(INT, int64_t, tileK)                                                       \
  X(INT, int64_t, schedule) /* a ScheduleKind */

/// A CPU kernel (attn-cpu-pipeline).
#define ATTN_KERNEL_DESCRIPTOR_FIELDS(X)                                       \
  ATTN_KERNEL_COMMON_FIELDS(X)                                                 \
  X(PTR, KernelEntry, kernel)                                                  \
  X(PTR, ScheduleEntry, buildTables) /* kScheduleTables; may be null */        \
  X(INT, int64_t, stages)            /* >= 1, run one after another */         \
  X(INT, int64_t, rowScratch)        /* f32 scratch entries per query row */

/// One code image of a GPU kernel: a cubin for one architecture, or PTX
/// text that the driver compiles for its device.
#define ATTN_CUDA_IMAGE_FIELDS(X)                                              \
  X(PTR, const char *, arch) /* "sm_80", "sm_90": the cubin's or PTX's */      \
  X(INT, int64_t, isPtx)     /* 1: NUL-terminated PTX text, 0: cubin */        \
  X(PTR, const void *, data)                                                   \
  X(INT, int64_t, size) /* bytes (PTX: without the NUL) */

/// A GPU kernel (attn-cuda-pipeline); `name` is the kernel function's name
/// inside the images.
#define ATTN_CUDA_KERNEL_DESCRIPTOR_FIELDS(X)                                  \
  ATTN_KERNEL_COMMON_FIELDS(X)                                                 \
  X(INT, int64_t, threadsPerBlock)                                             \
  X(INT, int64_t, numImages)                                                   \
  X(PTR, const CudaImage *, images)                                            \
  X(PTR, const int32_t *, staticTables) /* kScheduleStaticTables */            \
  X(INT, int64_t, staticTableSize)                                             \
  X(PTR, ScheduleEntry, buildTables) /* kScheduleTables: on the host */

#define ATTN_DECLARE_FIELD_INT(TYPE, NAME) TYPE NAME;
#define ATTN_DECLARE_FIELD_PTR(TYPE, NAME) TYPE NAME;
#define ATTN_DECLARE_FIELD_DIMS(TYPE, NAME) TYPE NAME[kMaxTensorRank];
#define ATTN_DECLARE_FIELD(KIND, TYPE, NAME)                                   \
  ATTN_DECLARE_FIELD_##KIND(TYPE, NAME)
#define ATTN_COUNT_SLOTS_INT 1
#define ATTN_COUNT_SLOTS_PTR 1
#define ATTN_COUNT_SLOTS_DIMS kMaxTensorRank
#define ATTN_COUNT_SLOTS(KIND, TYPE, NAME) +ATTN_COUNT_SLOTS_##KIND

struct KernelTensor {
  ATTN_KERNEL_TENSOR_FIELDS(ATTN_DECLARE_FIELD)
};
struct KernelDescriptor {
  ATTN_KERNEL_DESCRIPTOR_FIELDS(ATTN_DECLARE_FIELD)
};
struct CudaImage {
  ATTN_CUDA_IMAGE_FIELDS(ATTN_DECLARE_FIELD)
};
struct CudaKernelDescriptor {
  ATTN_CUDA_KERNEL_DESCRIPTOR_FIELDS(ATTN_DECLARE_FIELD)
};

static_assert(sizeof(void *) == 8, "attn kernels need a 64-bit host");
static_assert(sizeof(KernelTensor) ==
              8 * (0 ATTN_KERNEL_TENSOR_FIELDS(ATTN_COUNT_SLOTS)));
static_assert(sizeof(KernelDescriptor) ==
              8 * (0 ATTN_KERNEL_DESCRIPTOR_FIELDS(ATTN_COUNT_SLOTS)));
static_assert(sizeof(CudaImage) ==
              8 * (0 ATTN_CUDA_IMAGE_FIELDS(ATTN_COUNT_SLOTS)));
static_assert(sizeof(CudaKernelDescriptor) ==
              8 * (0 ATTN_CUDA_KERNEL_DESCRIPTOR_FIELDS(ATTN_COUNT_SLOTS)));

/// The name of an element kind ("f32", ...) or size ("B", "H", "Hkv", "Nq",
/// "Nk", "D"); "?" when out of range.
const char *elementKindName(int64_t kind);
const char *sizeName(int64_t size);

} // namespace attn

#endif // ATTN_RUNTIME_KERNELABI_H
