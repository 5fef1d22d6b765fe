//===- KernelTestUtils.cpp - run a kernel against the reference -----------===//

#include "KernelTestUtils.h"

#include <cmath>
#include <limits>

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::attn;

double ::attn::testing::KernelTest::relativeError(JitKernel &kernel,
                                                  const std::string &source,
                                                  const std::string &name,
                                                  AttentionShape shape,
                                                  double range) {
  std::string error;
  EXPECT_TRUE(succeeded(kernel.checkShape(shape, error))) << error;
  reference::Tensor q =
      randomTensor({shape.batch, shape.heads, shape.nq, shape.headDim}, range);
  reference::Tensor k = randomTensor(
      {shape.batch, shape.kvHeads, shape.nk, shape.headDim}, range);
  reference::Tensor v =
      randomTensor({shape.batch, shape.kvHeads, shape.nk, shape.headDim});
  auto toFloat = [](const reference::Tensor &t) {
    return std::vector<float>(t.data.begin(), t.data.end());
  };
  std::vector<float> qf = toFloat(q), kf = toFloat(k), vf = toFloat(v);
  std::vector<float> out(qf.size(), -12345.0f);
  absl::Status status =
      kernel.run(qf.data(), kf.data(), vf.data(), out.data(), shape, pool);
  EXPECT_TRUE(status.ok()) << status;

  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  auto func = module->lookupSymbol<func::FuncOp>(name);
  FailureOr<reference::Tensor> expected =
      reference::evaluate(func, {q, k, v}, error);
  EXPECT_TRUE(succeeded(expected)) << error;
  if (failed(expected))
    return 1e9;
  reference::Tensor actual(expected->shape);
  actual.data.assign(out.begin(), out.end());
  return reference::relativeError(actual, *expected);
}

namespace attn::testing {

std::string lseFunc(const std::string &pattern, const std::string &q,
                    const std::string &kv) {
  std::string lse = "tensor<?x?x?xf32>";
  return "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv + ") -> (" +
         q + ", " + lse + ") {\n  %o, %l = attn.attention %q, %k, %v pattern(" +
         pattern + ") : " + q + ", " + kv + ", " + kv + " -> " + q + ", " +
         lse + "\n  return %o, %l : " + q + ", " + lse + "\n}\n";
}

double lseError(const std::vector<float> &actual,
                const mlir::attn::reference::Tensor &expected) {
  double worst = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected.data[i];
    if (std::isinf(e) || std::isinf(a)) {
      if (a != e)
        return std::numeric_limits<double>::infinity();
      continue;
    }
    worst = std::max(worst, std::abs(a - e) / std::max(1.0, std::abs(e)));
  }
  return worst;
}

} // namespace attn::testing
