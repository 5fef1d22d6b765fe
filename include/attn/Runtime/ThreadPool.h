//===- ThreadPool.h - the runtime's thread pool ---------------*- C++ -*-===//
//
// Runs a kernel's work items [0, n) on all cores. Work is handed out one
// chunk at a time from an atomic counter, so uneven items (causal attention:
// later query blocks visit more keys) balance themselves. The calling thread
// works too. Threads are made with pthread_create, so a system that runs out
// of them gives a smaller pool, never an exception or an abort. LLVM-free:
// user programs link it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_THREADPOOL_H
#define ATTN_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <pthread.h>
#include <vector>

namespace attn {

/// The most threads a pool has (the caller included).
constexpr int64_t kMaxThreads = 1024;

class ThreadPool {
public:
  /// A pool of `numThreads` threads in all (the caller included, at most
  /// kMaxThreads); 0 means one per hardware thread. Fewer when the system
  /// cannot create them.
  explicit ThreadPool(int64_t numThreads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int64_t numThreads() const { return int64_t(workers.size()) + 1; }

  /// Calls body(begin, end) on disjoint chunks covering [0, n) and returns
  /// when all are done. Concurrent callers take turns; `body` must not call
  /// parallelFor on the same pool.
  void parallelFor(int64_t n,
                   const std::function<void(int64_t, int64_t)> &body);

private:
  void workerLoop();
  static void *startWorker(void *pool);
  void runChunks(const std::function<void(int64_t, int64_t)> &body);

  std::vector<pthread_t> workers;
  std::mutex calls; // one parallelFor at a time
  std::mutex mutex;
  std::condition_variable wake, done;
  // The current job; every worker takes part in every job (generation), and
  // parallelFor returns only when all of them are through (pending == 0), so
  // no worker ever holds a finished job.
  const std::function<void(int64_t, int64_t)> *job = nullptr;
  int64_t total = 0, chunk = 1;
  std::atomic<int64_t> next{0};
  int64_t generation = 0, pending = 0;
  bool stopping = false;
};

} // namespace attn

#endif // ATTN_RUNTIME_THREADPOOL_H
