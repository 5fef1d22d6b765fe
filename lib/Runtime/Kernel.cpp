//===- Kernel.cpp - calling a compiled attn kernel ------------------------===//

#include "attn/Runtime/Kernel.h"

#include "KernelInternal.h"

#include "attn/Runtime/ThreadPool.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

namespace attn {
namespace {

std::string describeShape(const int64_t shape[4], const char *elementType) {
  std::string text = "tensor<";
  for (int d = 0; d < 4; ++d)
    absl::StrAppend(&text, shape[d] < 0 ? "?" : std::to_string(shape[d]), "x");
  return absl::StrCat(text, elementType, ">");
}

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

std::string detail::checkCallShape(int64_t headDim,
                                   const int64_t staticShape[3][4],
                                   const char *elementType,
                                   const CallShape &shape) {
  if (shape.batch < 0 || shape.heads < 0 || shape.kvHeads < 0 || shape.nq < 0 ||
      shape.nk < 0 || shape.headDim < 0)
    return "sizes must be non-negative";
  if (shape.headDim != headDim)
    return absl::StrCat("head dimension ", shape.headDim,
                        " differs from the IR's ", headDim);
  if (shape.kvHeads < 1 || shape.heads % shape.kvHeads != 0)
    return absl::StrCat("query heads (", shape.heads,
                        ") must be a multiple of key/value heads (",
                        shape.kvHeads, ")");
  if (shape.nq >= (int64_t(1) << 31) || shape.nk >= (int64_t(1) << 31))
    return "sequence lengths must be below 2^31";
  const char *names[] = {"q", "k", "v"};
  for (int operand = 0; operand < 3; ++operand) {
    int64_t actual[4] = {shape.batch,
                         operand == 0 ? shape.heads : shape.kvHeads,
                         operand == 0 ? shape.nq : shape.nk, shape.headDim};
    const int64_t *expected = staticShape[operand];
    for (int d = 0; d < 4; ++d)
      if (expected[d] >= 0 && expected[d] != actual[d])
        return absl::StrCat("'", names[operand], "' has shape [", actual[0],
                            ", ", actual[1], ", ", actual[2], ", ", actual[3],
                            "] but the IR requires ",
                            describeShape(expected, elementType));
  }
  return "";
}

std::string checkCallShape(const KernelDescriptor &kernel,
                           const CallShape &shape) {
  return detail::checkCallShape(kernel.headDim, kernel.staticShape, "f32",
                                shape);
}

std::vector<int32_t> detail::buildScheduleTables(ScheduleEntry build,
                                                 int64_t tileQ, int64_t tileK,
                                                 int64_t nq, int64_t nk) {
  BlockTableLayout layout{ceilDiv(nq, tileQ), ceilDiv(nk, tileK)};
  std::vector<int32_t> tables(layout.size(), 0);
  MemRef1D<int32_t> view{tables.data(), tables.data(), 0,
                         int64_t(tables.size()), 1};
  build(&view, nq, nk);
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

std::shared_ptr<const std::vector<int32_t>>
scheduleTables(const KernelDescriptor &kernel, int64_t nq, int64_t nk) {
  std::lock_guard<std::mutex> lock(tablesMutex);
  for (CachedTables &c : tablesCache)
    if (c.kernel == &kernel && c.nq == nq && c.nk == nk)
      return c.tables;
  auto tables =
      std::make_shared<std::vector<int32_t>>(detail::buildScheduleTables(
          kernel.buildTables, kernel.tileQ, kernel.tileK, nq, nk));
  // Callers hold their tables while they run, so an eviction never frees
  // tables in use.
  if (tablesCache.size() >= kMaxCachedTables)
    tablesCache.erase(tablesCache.begin());
  tablesCache.push_back({&kernel, nq, nk, tables});
  return tables;
}

int64_t numWorkItems(const KernelDescriptor &kernel, const CallShape &shape) {
  return shape.batch * shape.heads * ceilDiv(shape.nq, kernel.tileQ);
}

absl::Status runKernel(const KernelDescriptor &kernel, const float *q,
                       const float *k, const float *v, float *out,
                       const CallShape &shape, ThreadPool *threads,
                       const int32_t *tables, int64_t tableSize) {
  std::string problem = checkCallShape(kernel, shape);
  if (!problem.empty())
    return absl::InvalidArgumentError(problem);
  int64_t qSize = shape.batch * shape.heads * shape.nq * shape.headDim;
  int64_t kvSize = shape.batch * shape.kvHeads * shape.nk * shape.headDim;
  if (qSize > 0 && (!q || !out))
    return absl::InvalidArgumentError("q and out must not be null");
  if (kvSize > 0 && (!k || !v))
    return absl::InvalidArgumentError("k and v must not be null");
  if (numWorkItems(kernel, shape) == 0)
    return absl::OkStatus();
  std::shared_ptr<const std::vector<int32_t>> built;
  if (kernel.schedule == kScheduleTables && !tables) {
    if (!kernel.buildTables)
      return absl::FailedPreconditionError(absl::StrCat(
          "kernel '", kernel.name,
          "' needs schedule tables for a dynamic N, and none were given"));
    built = scheduleTables(kernel, shape.nq, shape.nk);
    tables = built->data();
    tableSize = int64_t(built->size());
  }
  // The kernel only reads q, k, v and the tables.
  MemRef1D<float> qd{const_cast<float *>(q), const_cast<float *>(q), 0, qSize,
                     1};
  MemRef1D<float> kd{const_cast<float *>(k), const_cast<float *>(k), 0, kvSize,
                     1};
  MemRef1D<float> vd{const_cast<float *>(v), const_cast<float *>(v), 0, kvSize,
                     1};
  MemRef1D<float> od{out, out, 0, qSize, 1};
  static int32_t noTables = 0;
  int32_t *t = tables ? const_cast<int32_t *>(tables) : &noTables;
  MemRef1D<int32_t> td{t, t, 0, tables ? tableSize : 0, 1};
  std::shared_ptr<ThreadPool> fallback;
  if (!threads) {
    fallback = sharedDefaultPool();
    threads = fallback.get();
  }
  threads->parallelFor(
      numWorkItems(kernel, shape), [&](int64_t begin, int64_t end) {
        // The kernel may not keep the descriptors: each call gets its copies.
        MemRef1D<float> qc = qd, kc = kd, vc = vd, oc = od;
        MemRef1D<int32_t> tc = td;
        kernel.kernel(&qc, &kc, &vc, &oc, &tc, shape.batch, shape.heads,
                      shape.kvHeads, shape.nq, shape.nk, begin, end);
      });
  return absl::OkStatus();
}

void setDefaultThreadCount(int64_t threads) {
  std::lock_guard<std::mutex> lock(poolMutex);
  requestedThreads = threads > 0 ? threads : 0;
}

} // namespace attn

int attn_run_kernel(const attn::KernelDescriptor *kernel, const float *q,
                    const float *k, const float *v, float *out, int64_t B,
                    int64_t H, int64_t Hkv, int64_t Nq, int64_t Nk, int64_t D) {
  if (!kernel) {
    attn::detail::setLastError("no kernel");
    return 1;
  }
  return attn::detail::reportCall(
      attn::runKernel(*kernel, q, k, v, out, {B, H, Hkv, Nq, Nk, D}));
}

const char *attn_last_error(void) { return attn::lastError.c_str(); }

int attn_set_num_threads(int64_t threads) {
  attn::setDefaultThreadCount(threads);
  return 0;
}
