//===- Calibration.cpp - measured machine peaks ---------------------------===//
//
// FMA peak: each thread runs 16 independent FMA chains (enough to cover
// latency x ports on current x86 cores) on registers only, so the loop
// measures the FMA units and nothing else. Bandwidth: a triad over arrays
// far larger than the caches.
//
//===----------------------------------------------------------------------===//

#include "attn/Sweep/Calibration.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

__attribute__((target("avx512f"))) double fmaLoop512(int64_t iterations) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
  for (int64_t it = 0; it < iterations; ++it)
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  float sink = 0;
  for (int i = 0; i < 16; ++i)
    sink += _mm512_reduce_add_ps(acc[i]);
  return sink;
}

__attribute__((target("avx2,fma"))) double fmaLoop256(int64_t iterations) {
  __m256 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  __m256 x = _mm256_set1_ps(0.9999f), y = _mm256_set1_ps(1e-4f);
  for (int64_t it = 0; it < iterations; ++it)
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  float lanes[8], sink = 0;
  for (int i = 0; i < 16; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    for (float l : lanes)
      sink += l;
  }
  return sink;
}

} // namespace

double attn::measureFmaPeak(int64_t threads, double seconds) {
  if (threads <= 0)
    threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  bool avx512 = __builtin_cpu_supports("avx512f");
  int64_t lanes = avx512 ? 16 : 8;
  auto loop = avx512 ? fmaLoop512 : fmaLoop256;
  // Calibrate the iteration count on one thread.
  int64_t iterations = 1 << 20;
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    volatile double sink = loop(iterations);
    (void)sink;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (elapsed > seconds / 4)
      break;
    iterations *= 2;
  }
  // All threads start together; each times its own loop and the rates add
  // up, so a late start does not count as idle time.
  std::atomic<int64_t> ready{0};
  std::vector<double> rates(threads);
  std::vector<std::thread> workers;
  for (int64_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      auto start = std::chrono::steady_clock::now();
      volatile double sink = loop(iterations);
      (void)sink;
      double elapsed = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      rates[t] = double(iterations) * 16 * lanes * 2 / elapsed / 1e9;
    });
  for (std::thread &w : workers)
    w.join();
  double total = 0;
  for (double rate : rates)
    total += rate;
  return total;
}

double attn::measureBandwidth(int64_t threads, int64_t bytesPerArray,
                              int passes) {
  if (threads <= 0)
    threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  int64_t n = std::max<int64_t>(1024, bytesPerArray / int64_t(sizeof(float)));
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::vector<std::thread> workers;
    auto start = std::chrono::steady_clock::now();
    for (int64_t t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        int64_t begin = n * t / threads, end = n * (t + 1) / threads;
        for (int64_t i = begin; i < end; ++i)
          a[i] = b[i] + 3.0f * c[i];
      });
    for (std::thread &w : workers)
      w.join();
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    best = std::max(best, 3.0 * double(n) * sizeof(float) / elapsed / 1e9);
  }
  volatile float sink = a[n / 2];
  (void)sink;
  return best;
}

int64_t attn::cacheBytesPerCore() {
  long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return l2 > 0 ? int64_t(l2) : int64_t(1) << 20;
}
