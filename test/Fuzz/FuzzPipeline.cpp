//===- FuzzPipeline.cpp - libFuzzer: random variants against the reference
//-===//
//
// The input picks a small valid variant (a pattern with its parameters, or
// a union / intersection of two; batch, heads, grouped heads, Nq, Nk, D; the
// tiles; the token-order mode) and the data's seed. The variant goes through
// attn-cpu-pipeline to a JIT kernel, runs, and must agree with the float64
// reference. Generated kernels carry no sanitizer instrumentation, so the
// comparison is what finds their errors: a mismatch traps.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Target/CPU/JitKernel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// One pattern's text, its parameters drawn from `in`.
std::string leafPattern(FuzzedDataProvider &in) {
  auto num = [&](int64_t lo, int64_t hi) {
    return std::to_string(in.ConsumeIntegralInRange<int64_t>(lo, hi));
  };
  switch (in.ConsumeIntegralInRange(0, 7)) {
  case 0:
    return "#attn.dense";
  case 1:
    return "#attn.causal";
  case 2: {
    int64_t left = in.ConsumeIntegralInRange<int64_t>(-3, 40);
    int64_t right = in.ConsumeIntegralInRange<int64_t>(-left, 40);
    return "#attn.window<left = " + std::to_string(left) +
           ", right = " + std::to_string(right) + ">";
  }
  case 3:
    return "#attn.dilated<left = " + num(0, 40) + ", right = " + num(0, 40) +
           ", dilation = " + num(1, 6) + ">";
  case 4:
    return "#attn.global<tokens = [" + num(0, 3) + ", " + num(4, 9) + "]>";
  case 5:
    return "#attn.strided<stride = " + num(1, 24) + ">";
  case 6: {
    int64_t stride = in.ConsumeIntegralInRange<int64_t>(1, 40);
    return "#attn.fixed<stride = " + std::to_string(stride) +
           ", summary = " + num(1, stride) + ">";
  }
  default:
    return "#attn.bigbird<block = " + num(1, 16) +
           ", window = 3, global = " + num(0, 2) + ", random = " + num(0, 3) +
           ", seed = " + num(0, 9) + ">";
  }
}

std::string pattern(FuzzedDataProvider &in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
  case 0:
    return "#attn.union<[" + leafPattern(in) + ", " + leafPattern(in) + "]>";
  case 1:
    return "#attn.intersect<[" + leafPattern(in) + ", " + leafPattern(in) +
           "]>";
  default:
    return leafPattern(in);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  static ::attn::ThreadPool pool(2);
  // Compiled kernels by source: most inputs reuse a few variants.
  static std::map<std::string, std::unique_ptr<JitKernel>> kernels;

  FuzzedDataProvider in(data, size);
  std::string p = pattern(in);
  int64_t d = 16 << in.ConsumeIntegralInRange(0, 2);
  int64_t hkv = in.ConsumeIntegralInRange(1, 2);
  int64_t h = hkv * in.ConsumeIntegralInRange(1, 2);
  int64_t b = in.ConsumeIntegralInRange(1, 2);
  int64_t nq = in.ConsumeIntegralInRange(1, 150);
  int64_t nk = in.ConsumeBool() ? nq : in.ConsumeIntegralInRange(1, 150);
  int64_t tileQ = 16 << in.ConsumeIntegralInRange(0, 2);
  int64_t tileK = 16 << in.ConsumeIntegralInRange(0, 2);
  const char *reorder = in.ConsumeBool() ? "auto" : "off";
  uint32_t seed = in.ConsumeIntegral<uint32_t>();

  std::string t = "tensor<?x?x?x" + std::to_string(d) + "xf32>";
  std::string source = "func.func @f(%q: " + t + ", %k: " + t + ", %v: " + t +
                       ") -> " + t + " {\n  %o = attn.attention %q, %k, %v " +
                       "pattern(" + p + ") : " + t + ", " + t + ", " + t +
                       " -> " + t + "\n  return %o : " + t + "\n}\n";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, ctx);
  if (!module)
    return 0; // parameters the verifier refuses
  MaskPatternAttrInterface patternAttr;
  module->walk([&](AttentionOp op) { patternAttr = op.getEffectivePattern(); });
  if (failed(patternAttr.verifyExtent(
          [&] { return emitError(UnknownLoc::get(ctx)); }, nq, nk)))
    return 0; // e.g. a global token past N

  std::string key =
      source + reorder + std::to_string(tileQ) + "x" + std::to_string(tileK);
  if (kernels.size() >= 64 && !kernels.count(key))
    kernels.clear(); // bounded memory over a long run
  std::unique_ptr<JitKernel> &kernel = kernels[key];
  if (!kernel) {
    AttnCPUPipelineOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    options.reorder = reorder;
    std::string error;
    kernel = JitKernel::compile(*module, "f", options, error);
    if (!kernel) {
      std::fprintf(stderr, "compile failed: %s\n%s", error.c_str(),
                   source.c_str());
      __builtin_trap(); // a valid variant must compile
    }
  }

  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2, 2);
  auto tensor = [&](int64_t heads, int64_t n) {
    reference::Tensor x({b, heads, n, d});
    for (double &value : x.data)
      value = dist(rng);
    return x;
  };
  reference::Tensor q = tensor(h, nq), k = tensor(hkv, nk), v = tensor(hkv, nk);
  auto floats = [](const reference::Tensor &x) {
    return std::vector<float>(x.data.begin(), x.data.end());
  };
  std::vector<float> qf = floats(q), kf = floats(k), vf = floats(v),
                     out(size_t(b * h * nq * d), -7.0f);
  absl::Status status = kernel->run(qf.data(), kf.data(), vf.data(), out.data(),
                                    {b, h, hkv, nq, nk, d}, pool);
  if (!status.ok()) {
    std::fprintf(stderr, "run failed: %s\n",
                 std::string(status.message()).c_str());
    __builtin_trap();
  }
  reference::Tensor expected =
      reference::attention(q, k, v, patternAttr, 1.0 / std::sqrt(double(d)));
  reference::Tensor got({b, h, nq, d});
  got.data.assign(out.begin(), out.end());
  double error = reference::relativeError(got, expected);
  if (!(error < 1e-4)) {
    std::fprintf(stderr,
                 "mismatch %g: B=%lld H=%lld Hkv=%lld Nq=%lld Nk=%lld "
                 "tiles %lldx%lld reorder=%s\n%s",
                 error, (long long)b, (long long)h, (long long)hkv,
                 (long long)nq, (long long)nk, (long long)tileQ,
                 (long long)tileK, reorder, source.c_str());
    __builtin_trap();
  }
  return 0;
}
