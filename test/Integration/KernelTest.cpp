//===- KernelTest.cpp - generated kernels against the reference -----------===//

#include "KernelTestUtils.h"

using namespace mlir::attn;
using attn::testing::KernelTest;

namespace {
std::string attentionFunc(const std::string &pattern, const std::string &q,
                          const std::string &kv) {
  std::string patternText = pattern.empty() ? "" : " pattern(" + pattern + ")";
  return "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv + ") -> " + q +
         " {\n  %o = attn.attention %q, %k, %v" + patternText + " : " + q +
         ", " + kv + ", " + kv + " -> " + q + "\n  return %o : " + q + "\n}\n";
}
} // namespace

TEST_F(KernelTest, CausalSmoke) {
  std::string src = attentionFunc("#attn.causal", "tensor<?x?x?x64xf32>",
                                  "tensor<?x?x?x64xf32>");
  auto kernel = compile(src, "f");
  ASSERT_TRUE(kernel);
  for (int64_t n : {1, 7, 64, 100, 257}) {
    double err = relativeError(*kernel, src, "f", {1, 2, 2, n, n, 64});
    EXPECT_LT(err, 1e-5) << "N = " << n;
  }
}
