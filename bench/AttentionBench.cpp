//===- AttentionBench.cpp - generated CPU kernels, timed ------------------===//
//
// Google Benchmark driver for the kernels of attn-cpu-pipeline. Every row
// reports GFLOP/s on useful FLOPs (4 * pairs * D per batch and head, the
// papers' convention) and, with the FMA peak measured in the same process
// first, the fraction of that peak. Run through bench/run-cpu.sh, which also
// records peak memory; results go to bench/RESULTS.md.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAll.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Sweep/Calibration.h"
#include "attn/Target/CPU/JitKernel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <benchmark/benchmark.h>

#include <map>
#include <random>

using namespace mlir;
using namespace mlir::attn;

namespace {

double fmaPeakGflops = 0;

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

/// A compiled kernel and the pattern it was written with (attn-reorder may
/// split it into merged parts; the pairs kept are the source's).
struct BenchKernel {
  std::unique_ptr<JitKernel> kernel;
  MaskPatternAttrInterface pattern;
};

/// One compiled kernel per pattern, kept for the whole run. Deliberately
/// never destroyed: an ExecutionEngine torn down during static destruction,
/// after LLVM's own statics, does not terminate.
BenchKernel &kernelFor(const std::string &pattern) {
  static auto *kernels = new std::map<std::string, BenchKernel>;
  BenchKernel &slot = (*kernels)[pattern];
  if (!slot.kernel) {
    std::string t = "tensor<?x?x?x64xf32>";
    std::string p = pattern.empty() ? "" : " pattern(" + pattern + ")";
    std::string source = "func.func @f(%q: " + t + ", %k: " + t + ", %v: " + t +
                         ") -> " + t +
                         " {\n %o = attn.attention %q, %k, "
                         "%v" +
                         p + " : " + t + ", " + t + ", " + t + " -> " + t +
                         "\n return %o : " + t + "\n}\n";
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context());
    module->walk(
        [&](AttentionOp op) { slot.pattern = op.getEffectivePattern(); });
    std::string error;
    slot.kernel =
        JitKernel::compile(*module, "f", AttnCPUPipelineOptions(), error);
    if (!slot.kernel) {
      fprintf(stderr, "compile failed: %s\n", error.c_str());
      std::abort();
    }
  }
  return slot;
}

void runAttention(benchmark::State &state, const std::string &pattern) {
  int64_t b = state.range(0), h = state.range(1), n = state.range(2), d = 64;
  BenchKernel &compiled = kernelFor(pattern);
  JitKernel &kernel = *compiled.kernel;
  AttentionShape shape{b, h, h, n, n, d};
  std::vector<float> q(b * h * n * d), k(q.size()), v(q.size()), o(q.size());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto *buffer : {&q, &k, &v})
    for (float &x : *buffer)
      x = dist(rng);
  static ::attn::ThreadPool pool;
  absl::Status status = kernel.run(q.data(), k.data(), v.data(), o.data(),
                                   shape, pool); // warm-up
  if (!status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
    return;
  }
  for (auto _ : state)
    (void)kernel.run(q.data(), k.data(), v.data(), o.data(), shape, pool);
  double pairs = double(compiled.pattern.countPairs(n, n));
  double flops = 4.0 * b * h * pairs * d;
  state.counters["GFLOPs"] = benchmark::Counter(
      flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_GFLOPs"] = fmaPeakGflops;
  state.counters["threads"] = double(pool.numThreads());
}

void BM_FmaPeak(benchmark::State &state) {
  for (auto _ : state)
    fmaPeakGflops = ::attn::measureFmaPeak(0, 1.0);
  state.counters["GFLOPs"] = fmaPeakGflops;
}

void BM_Dense(benchmark::State &state) { runAttention(state, ""); }
void BM_Causal(benchmark::State &state) { runAttention(state, "#attn.causal"); }
void BM_Window64(benchmark::State &state) {
  runAttention(state, "#attn.window<left = 64, right = 64>");
}

} // namespace

// The peak first: the rows after it report the fraction of it.
BENCHMARK(BM_FmaPeak)->Iterations(3)->Unit(benchmark::kMillisecond);
// The reference point: dense f32, D = 64, N = 4096, B = 1, H = 8.
BENCHMARK(BM_Dense)
    ->Args({1, 8, 4096})
    ->Args({1, 1, 16384})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Causal)
    ->Args({1, 8, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Block sparsity: a 129-key window against dense at N = 16384.
BENCHMARK(BM_Window64)
    ->Args({1, 1, 16384})
    ->Args({1, 8, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
