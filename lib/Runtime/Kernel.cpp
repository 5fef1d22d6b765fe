//===- Kernel.cpp - calling a compiled attn kernel ------------------------===//

#include "attn/Runtime/Kernel.h"

#include "KernelInternal.h"

#include "attn/Runtime/ThreadPool.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

namespace attn {
namespace {

std::mutex poolMutex;
std::shared_ptr<ThreadPool> pool;
int64_t requestedThreads = 0;

/// The default pool, made (again) with the requested thread count. Callers
/// hold it while they run, so a new count never pulls it from under them.
std::shared_ptr<ThreadPool> sharedDefaultPool() {
  // hardware_concurrency() reads sysfs (microseconds): ask once.
  static const int64_t hardwareThreads =
      std::max<int64_t>(1, std::thread::hardware_concurrency());
  std::lock_guard<std::mutex> lock(poolMutex);
  int64_t wanted = requestedThreads > 0 ? requestedThreads : hardwareThreads;
  if (!pool || pool->numThreads() != wanted)
    pool = std::make_shared<ThreadPool>(wanted);
  return pool;
}

thread_local std::string lastError;

/// Tables built by generated schedule functions, most recent last.
std::mutex tablesMutex;
struct CachedTables {
  const KernelDescriptor *kernel;
  int64_t nq, nk;
  std::shared_ptr<const std::vector<int32_t>> tables;
};
std::vector<CachedTables> tablesCache;
constexpr size_t kMaxCachedTables = 32;

} // namespace

std::array<int64_t, kNumSizes> sizesOf(const CallShape &shape) {
  return {shape.batch, shape.heads, shape.kvHeads,
          shape.nq,    shape.nk,    shape.headDim};
}

CallShape shapeOf(const int64_t *sizes) {
  return {sizes[kSizeBatch],   sizes[kSizeHeads], sizes[kSizeKvHeads],
          sizes[kSizeQueries], sizes[kSizeKeys],  sizes[kSizeHeadDim]};
}

int64_t extentOf(const KernelTensor &tensor, int dim, const CallShape &shape) {
  return sizesOf(shape)[tensor.sizes[dim]];
}

int64_t elementsOf(const KernelTensor &tensor, const CallShape &shape) {
  int64_t count = 1;
  for (int d = 0; d < tensor.rank; ++d)
    count = satMul(count, extentOf(tensor, d, shape));
  return count;
}

std::string detail::checkCommonFields(int64_t abiVersion, const char *name,
                                      int64_t numArguments, int64_t numResults,
                                      const KernelTensor *tensors,
                                      int64_t tileQ, int64_t tileK,
                                      int64_t schedule) {
  if (abiVersion != kKernelAbiVersion)
    return absl::StrCat("the kernel descriptor is of ABI version ", abiVersion,
                        "; this runtime reads version ", kKernelAbiVersion,
                        " (rebuild the kernel library with this attn)");
  if (!name || !*name)
    return "the kernel descriptor has no name";
  // Only a failing check pays for the message.
  auto prefix = [&] { return absl::StrCat("kernel '", name, "' "); };
  if (numArguments < 0 || numResults < 1 || numArguments > 64 ||
      numResults > 64 || !tensors)
    return absl::StrCat(prefix(), "lists ", numArguments, " arguments and ",
                        numResults, " results");
  for (int64_t i = 0; i < numArguments + numResults; ++i) {
    const KernelTensor &t = tensors[i];
    if (!t.name || t.rank < 0 || t.rank > kMaxTensorRank ||
        elementBytes(t.element) == 0)
      return absl::StrCat(prefix(), "has a malformed tensor #", i);
    for (int d = 0; d < t.rank; ++d)
      if (t.sizes[d] < 0 || t.sizes[d] >= kNumSizes)
        return absl::StrCat(prefix(), "has a malformed tensor '", t.name, "'");
  }
  if (tileQ < 1 || tileK < 1)
    return absl::StrCat(prefix(), "has tiles of ", tileQ, "x", tileK);
  if (schedule < kScheduleBanded || schedule > kScheduleTables)
    return absl::StrCat(prefix(), "has the unknown schedule kind ", schedule);
  return "";
}

std::string detail::checkCallShape(absl::Span<const KernelTensor> tensors,
                                   const CallShape &shape) {
  std::array<int64_t, kNumSizes> sizes = sizesOf(shape);
  for (int64_t size : sizes)
    if (size < 0)
      return "sizes must be non-negative";
  bool usesKvHeads = false;
  for (const KernelTensor &t : tensors)
    for (int d = 0; d < t.rank; ++d) {
      usesKvHeads |= t.sizes[d] == kSizeKvHeads;
      if (t.sizes[d] == kSizeHeadDim && t.staticDims[d] >= 0 &&
          t.staticDims[d] != shape.headDim)
        return absl::StrCat("head dimension ", shape.headDim,
                            " differs from the IR's ", t.staticDims[d]);
    }
  if (usesKvHeads && (shape.kvHeads < 1 || shape.heads % shape.kvHeads != 0))
    return absl::StrCat("query heads (", shape.heads,
                        ") must be a multiple of key/value heads (",
                        shape.kvHeads, ")");
  if (shape.nq >= (int64_t(1) << 31) || shape.nk >= (int64_t(1) << 31))
    return "sequence lengths must be below 2^31";
  for (const KernelTensor &t : tensors) {
    bool matches = true;
    for (int d = 0; d < t.rank; ++d)
      matches &= t.staticDims[d] < 0 || t.staticDims[d] == sizes[t.sizes[d]];
    if (matches)
      continue;
    std::string actual, expected = "tensor<";
    for (int d = 0; d < t.rank; ++d) {
      absl::StrAppend(&actual, d ? ", " : "", sizes[t.sizes[d]]);
      absl::StrAppend(
          &expected,
          t.staticDims[d] < 0 ? "?" : std::to_string(t.staticDims[d]), "x");
    }
    return absl::StrCat("'", t.name, "' has shape [", actual,
                        "] but the IR requires ", expected,
                        elementKindName(t.element), ">");
  }
  return "";
}

std::string detail::checkBuffers(absl::Span<const KernelTensor> tensors,
                                 int64_t numArguments,
                                 absl::Span<const void *const> arguments,
                                 absl::Span<void *const> results,
                                 const CallShape &shape, int64_t alignment) {
  int64_t numResults = int64_t(tensors.size()) - numArguments;
  if (int64_t(arguments.size()) != numArguments ||
      int64_t(results.size()) != numResults)
    return absl::StrCat("the kernel takes ", numArguments, " arguments and ",
                        numResults, " results; the call passes ",
                        arguments.size(), " and ", results.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const void *data = bufferOf(i, numArguments, arguments, results);
    if (!data && elementsOf(tensors[i], shape) > 0)
      return absl::StrCat("'", tensors[i].name, "' must not be null");
    if (reinterpret_cast<uintptr_t>(data) % uintptr_t(alignment) != 0)
      return absl::StrCat("'", tensors[i].name, "' must be ", alignment,
                          "-byte aligned");
  }
  return "";
}

absl::StatusOr<std::vector<int32_t>>
detail::buildScheduleTables(ScheduleEntry build, int64_t tileQ, int64_t nq,
                            int64_t nk) {
  // The header first, which gives the size; then the lists.
  BlockTableLayout layout{ceilDiv(nq, tileQ)};
  if (layout.headerSize() > std::numeric_limits<int32_t>::max())
    return absl::ResourceExhaustedError(absl::StrCat(
        "the schedule of Nq = ", nq, " has too many query blocks"));
  std::vector<int32_t> tables(layout.headerSize(), 0);
  MemRef1D<int32_t> view{tables.data(), tables.data(), 0,
                         int64_t(tables.size()), 1};
  int64_t size = build(&view, nq, nk, /*fill=*/0);
  if (size < layout.headerSize() || size > std::numeric_limits<int32_t>::max())
    return absl::ResourceExhaustedError(absl::StrCat(
        "the schedule of Nq = ", nq, ", Nk = ", nk, " needs ", size,
        " table entries; int32 positions reach at most 2^31-1"));
  tables.resize(size, 0);
  view = {tables.data(), tables.data(), 0, size, 1};
  build(&view, nq, nk, /*fill=*/1);
  return tables;
}

void detail::setLastError(std::string message) noexcept {
  lastError.swap(message);
}

int detail::reportCall(const absl::Status &status) {
  if (status.ok()) {
    lastError.clear();
    return 0;
  }
  lastError = std::string(status.message());
  return int(status.code());
}

absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>>
scheduleTables(const KernelDescriptor &kernel, int64_t nq, int64_t nk) {
  std::lock_guard<std::mutex> lock(tablesMutex);
  for (CachedTables &c : tablesCache)
    if (c.kernel == &kernel && c.nq == nq && c.nk == nk)
      return c.tables;
  absl::StatusOr<std::vector<int32_t>> built =
      detail::buildScheduleTables(kernel.buildTables, kernel.tileQ, nq, nk);
  if (!built.ok())
    return built.status();
  auto tables = std::make_shared<const std::vector<int32_t>>(*std::move(built));
  // Callers hold their tables while they run, so an eviction never frees
  // tables in use.
  if (tablesCache.size() >= kMaxCachedTables)
    tablesCache.erase(tablesCache.begin());
  tablesCache.push_back({&kernel, nq, nk, tables});
  return tables;
}

void releaseKernel(const KernelDescriptor &kernel) {
  std::lock_guard<std::mutex> lock(tablesMutex);
  tablesCache.erase(std::remove_if(tablesCache.begin(), tablesCache.end(),
                                   [&](const CachedTables &cached) {
                                     return cached.kernel == &kernel;
                                   }),
                    tablesCache.end());
}

int64_t numWorkItems(const KernelDescriptor &kernel, const CallShape &shape) {
  return satMul(satMul(shape.batch, shape.heads),
                ceilDiv(shape.nq, kernel.tileQ));
}

std::string checkCallShape(const KernelDescriptor &kernel,
                           const CallShape &shape) {
  if (std::string problem = detail::checkCommonFields(kernel); !problem.empty())
    return problem;
  return detail::checkCallShape(detail::tensorsOf(kernel), shape);
}

absl::Status runKernel(const KernelDescriptor &kernel,
                       absl::Span<const void *const> arguments,
                       absl::Span<void *const> results, const CallShape &shape,
                       ThreadPool *threads, const int32_t *tables,
                       int64_t tableSize) {
  if (std::string problem = checkCallShape(kernel, shape); !problem.empty())
    return absl::InvalidArgumentError(problem);
  absl::Span<const KernelTensor> tensors = detail::tensorsOf(kernel);
  if (std::string problem =
          detail::checkBuffers(tensors, kernel.numArguments, arguments, results,
                               shape, /*alignment=*/1);
      !problem.empty())
    return absl::InvalidArgumentError(problem);
  if (!kernel.kernel)
    return absl::InvalidArgumentError(
        absl::StrCat("kernel '", kernel.name, "' has no entry"));
  if (kernel.stages < 1 || kernel.stages > 64 || kernel.rowScratch < 0 ||
      kernel.rowScratch > 64)
    return absl::InvalidArgumentError(
        absl::StrCat("kernel '", kernel.name, "' has ", kernel.stages,
                     " stages and ", kernel.rowScratch, " scratch per row"));
  if (numWorkItems(kernel, shape) == 0)
    return absl::OkStatus();
  std::shared_ptr<const std::vector<int32_t>> built;
  if (kernel.schedule == kScheduleTables && !tables) {
    if (!kernel.buildTables)
      return absl::FailedPreconditionError(absl::StrCat(
          "kernel '", kernel.name,
          "' needs schedule tables for a dynamic N, and none were given"));
    absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> cached =
        scheduleTables(kernel, shape.nq, shape.nk);
    if (!cached.ok())
      return cached.status();
    built = *std::move(cached);
    tables = built->data();
    tableSize = int64_t(built->size());
  } else if (kernel.schedule == kScheduleTables) {
    if (std::string problem =
            checkBlockTables(tables, tableSize, ceilDiv(shape.nq, kernel.tileQ),
                             ceilDiv(shape.nk, kernel.tileK));
        !problem.empty())
      return absl::InvalidArgumentError(problem);
  }
  // One memref per tensor, then the tables. The kernel only writes results.
  // (Inline storage: a small call allocates nothing here.)
  absl::InlinedVector<MemRef1D<void>, 8> buffers;
  for (size_t i = 0; i < tensors.size(); ++i) {
    void *data = detail::bufferOf(i, kernel.numArguments, arguments, results);
    buffers.push_back({data, data, 0, elementsOf(tensors[i], shape), 1});
  }
  static int32_t noTables = 0;
  int32_t *t = tables ? const_cast<int32_t *>(tables) : &noTables;
  buffers.push_back({t, t, 0, tables ? tableSize : 0, 1});
  // The scratch that carries one stage's rows to the next (no stage reads
  // an entry before one wrote it, so it is left uninitialized).
  int64_t scratchSize = satMul(
      satMul(satMul(shape.batch, shape.heads), shape.nq), kernel.rowScratch);
  std::unique_ptr<float[]> scratch;
  if (scratchSize > 0) {
    if (scratchSize > (int64_t(1) << 40))
      return absl::ResourceExhaustedError(
          absl::StrCat("kernel '", kernel.name, "' needs ", scratchSize,
                       " scratch entries for this shape"));
    scratch.reset(new float[scratchSize]);
  }
  static float noScratch = 0;
  float *s = scratch ? scratch.get() : &noScratch;
  buffers.push_back({s, s, 0, scratchSize, 1});
  std::array<int64_t, kNumSizes> sizes = sizesOf(shape);
  std::shared_ptr<ThreadPool> fallback;
  if (!threads) {
    fallback = sharedDefaultPool();
    threads = fallback.get();
  }
  // parallelFor returns when every work item ran: the barrier between
  // stages.
  for (int64_t stage = 0; stage < kernel.stages; ++stage)
    threads->parallelFor(
        numWorkItems(kernel, shape), [&](int64_t begin, int64_t end) {
          // The kernel may not keep the descriptors: each call
          // gets its copies.
          absl::InlinedVector<MemRef1D<void>, 8> copies = buffers;
          absl::InlinedVector<void *, 8> pointers;
          for (MemRef1D<void> &b : copies)
            pointers.push_back(&b);
          int64_t scalars[kNumSizes + 3];
          std::copy(sizes.begin(), sizes.end(), scalars);
          scalars[kNumSizes] = begin;
          scalars[kNumSizes + 1] = end;
          scalars[kNumSizes + 2] = stage;
          kernel.kernel(pointers.data(), scalars);
        });
  return absl::OkStatus();
}

absl::Status runKernel(const KernelDescriptor &kernel, const float *q,
                       const float *k, const float *v, float *out,
                       const CallShape &shape, ThreadPool *threads,
                       const int32_t *tables, int64_t tableSize) {
  const void *arguments[] = {q, k, v};
  void *results[] = {out};
  return runKernel(kernel, arguments, results, shape, threads, tables,
                   tableSize);
}

absl::Status setDefaultThreadCount(int64_t threads) {
  if (threads < 0 || threads > kMaxThreads)
    return absl::InvalidArgumentError(
        "the thread count must be in [0, " + std::to_string(kMaxThreads) +
        "] (0: one per hardware thread), got " + std::to_string(threads));
  std::lock_guard<std::mutex> lock(poolMutex);
  requestedThreads = threads;
  return absl::OkStatus();
}

} // namespace attn

int attn_run_kernel(const attn::KernelDescriptor *kernel,
                    const void *const *arguments, void *const *results,
                    const int64_t *sizes) {
  return attn::detail::callForC(kernel, [&] {
    if (!sizes || !arguments || !results)
      return absl::InvalidArgumentError("null arrays of buffers or sizes");
    // runKernel checks the descriptor before it reads the buffers.
    return attn::runKernel(*kernel, {arguments, size_t(kernel->numArguments)},
                           {results, size_t(kernel->numResults)},
                           attn::shapeOf(sizes));
  });
}

const char *attn_last_error(void) { return attn::lastError.c_str(); }

int attn_set_num_threads(int64_t threads) {
  absl::Status status = attn::setDefaultThreadCount(threads);
  if (status.ok())
    return 0;
  attn::detail::setLastError("attn_set_num_threads: " +
                             std::string(status.message()));
  return 1;
}
