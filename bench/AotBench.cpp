//===- AotBench.cpp - ahead-of-time kernels beside the JIT ones -----------===//
//
// The same dense kernel compiled by attn-compile (linked like a user's
// program) and by the JIT (attn-run's path), timed in one run; plus the
// per-call overhead of a tiny problem (B = H = 1, N = 16, D = 64).
//
//===----------------------------------------------------------------------===//

#include "bench_kernels.h"

#include "attn/InitAll.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Target/CPU/JitKernel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>

namespace {

mlir::attn::JitKernel &jitDense() {
  // Kept alive to the end: see AttentionBench.cpp.
  static mlir::attn::JitKernel *kernel = [] {
    mlir::DialectRegistry registry;
    mlir::attn::registerAllDialects(registry);
    auto *ctx = new mlir::MLIRContext(registry);
    std::ifstream in(ATTN_BENCH_KERNELS);
    std::stringstream source;
    source << in.rdbuf();
    auto module = mlir::parseSourceString<mlir::ModuleOp>(source.str(), ctx);
    std::string error;
    auto compiled = mlir::attn::JitKernel::compile(
        *module, "dense", mlir::attn::AttnCPUPipelineOptions(), error);
    if (!compiled) {
      fprintf(stderr, "%s\n", error.c_str());
      std::abort();
    }
    return compiled.release();
  }();
  return *kernel;
}

struct Inputs {
  std::vector<float> q, k, v, out;
  Inputs(int64_t b, int64_t h, int64_t n, int64_t d)
      : q(b * h * n * d), k(q.size()), v(q.size()), out(q.size()) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (auto *t : {&q, &k, &v})
      for (float &x : *t)
        x = dist(rng);
  }
};

void BM_Dense(benchmark::State &state, bool aot) {
  int64_t b = state.range(0), h = state.range(1), n = state.range(2), d = 64;
  Inputs in(b, h, n, d);
  static attn::ThreadPool pool;
  attn::CallShape shape{b, h, h, n, n, d};
  auto once = [&] {
    if (aot)
      benchmark::DoNotOptimize(attn_dense_f32(in.q.data(), in.k.data(),
                                              in.v.data(), in.out.data(), b, h,
                                              h, n, n, d));
    else
      (void)jitDense().run(in.q.data(), in.k.data(), in.v.data(), in.out.data(),
                           shape, pool); // a valid shape
  };
  once();
  for (auto _ : state)
    once();
  state.counters["GFLOPs"] =
      benchmark::Counter(4.0 * b * h * n * n * d / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void BM_AotDense(benchmark::State &state) { BM_Dense(state, true); }
void BM_JitDense(benchmark::State &state) { BM_Dense(state, false); }

} // namespace

BENCHMARK(BM_AotDense)
    ->Args({1, 8, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_JitDense)
    ->Args({1, 8, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Call overhead: a problem with one work item.
BENCHMARK(BM_AotDense)
    ->Args({1, 1, 16})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_JitDense)
    ->Args({1, 1, 16})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

BENCHMARK_MAIN();
