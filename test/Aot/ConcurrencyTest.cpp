//===- ConcurrencyTest.cpp - many threads calling the same kernels --------===//
//
// Threads call kernels with run-time schedule tables (BigBird, the strided
// pattern's merged parts) and the causal kernel at several shapes at once,
// so the schedule-table cache is filled and read under contention, while
// another thread changes the default thread count. Every result must equal
// the one computed alone (the kernels are deterministic for any partition
// of the work). LLVM-free like a user's program, so it runs under TSan too.
//
//===----------------------------------------------------------------------===//

#include "test_kernels.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace {

using Entry = int (*)(const float *, const float *, const float *, float *,
                      int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);

struct Call {
  Entry kernel;
  int64_t b, h, n;
  std::vector<float> q, k, v, expected;
};

} // namespace

TEST(ConcurrencyTest, ManyThreadsOneKernelManyShapes) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<Call> calls;
  for (Entry kernel : {Entry(attn_bigbird_f32), Entry(attn_strided_f32),
                       Entry(attn_causal_f32)})
    for (int64_t n : {1, 65, 130, 257}) {
      Call c{kernel, 1 + n % 2, 2, n, {}, {}, {}, {}};
      size_t size = size_t(c.b * c.h * n * 64);
      for (auto *buffer : {&c.q, &c.k, &c.v}) {
        buffer->resize(size);
        for (float &x : *buffer)
          x = dist(rng);
      }
      c.expected.resize(size);
      ASSERT_EQ(c.kernel(c.q.data(), c.k.data(), c.v.data(), c.expected.data(),
                         c.b, c.h, c.h, n, n, 64),
                0)
          << attn_last_error();
      calls.push_back(std::move(c));
    }

  constexpr int kThreads = 8, kRounds = 12;
  std::atomic<int> wrong{0}, failed{0};
  std::atomic<bool> stop{false};
  std::thread changer([&] {
    for (int64_t t = 1; !stop.load(); t = t % 3 + 1)
      if (attn_set_num_threads(t) != 0)
        failed.fetch_add(1);
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < kThreads; ++w)
    workers.emplace_back([&, w] {
      for (int round = 0; round < kRounds; ++round) {
        const Call &c = calls[(w * 7 + round * 5) % calls.size()];
        std::vector<float> out(c.expected.size(), -1.0f);
        if (c.kernel(c.q.data(), c.k.data(), c.v.data(), out.data(), c.b, c.h,
                     c.h, c.n, c.n, 64) != 0)
          failed.fetch_add(1);
        else if (out != c.expected)
          wrong.fetch_add(1);
      }
    });
  for (std::thread &t : workers)
    t.join();
  stop.store(true);
  changer.join();
  attn_set_num_threads(0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}
