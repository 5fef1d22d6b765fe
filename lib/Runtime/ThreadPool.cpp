//===- ThreadPool.cpp - the runtime's thread pool -------------------------===//

#include "attn/Runtime/ThreadPool.h"

#include <algorithm>
#include <thread>

namespace attn {

ThreadPool::ThreadPool(int64_t numThreads) {
  if (numThreads <= 0)
    numThreads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  numThreads = std::min(numThreads, kMaxThreads);
  // No allocation between a thread's creation and its push_back.
  workers.reserve(size_t(numThreads - 1));
  for (int64_t i = 1; i < numThreads; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, nullptr, &ThreadPool::startWorker, this) != 0)
      break; // out of threads: run with those there are
    workers.push_back(thread);
  }
}

void *ThreadPool::startWorker(void *pool) {
  static_cast<ThreadPool *>(pool)->workerLoop();
  return nullptr;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (pthread_t thread : workers)
    pthread_join(thread, nullptr);
}

void ThreadPool::runChunks(const std::function<void(int64_t, int64_t)> &body) {
  for (;;) {
    int64_t begin = next.fetch_add(chunk);
    if (begin >= total)
      return;
    body(begin, std::min(begin + chunk, total));
  }
}

void ThreadPool::workerLoop() {
  int64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t)> *body;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
      body = job;
    }
    runChunks(*body);
    {
      std::lock_guard<std::mutex> lock(mutex);
      --pending;
    }
    done.notify_one();
  }
}

void ThreadPool::parallelFor(
    int64_t n, const std::function<void(int64_t, int64_t)> &body) {
  if (n <= 0)
    return;
  if (workers.empty() || n == 1) {
    body(0, n);
    return;
  }
  std::lock_guard<std::mutex> turn(calls);
  {
    std::lock_guard<std::mutex> lock(mutex);
    job = &body;
    total = n;
    // Small chunks balance uneven items; a few per thread keep the counter
    // cold.
    chunk = std::max<int64_t>(1, n / (numThreads() * 16));
    next.store(0);
    pending = int64_t(workers.size());
    ++generation;
  }
  wake.notify_all();
  runChunks(body);
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return pending == 0; });
  job = nullptr;
}

} // namespace attn
