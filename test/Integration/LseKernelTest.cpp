//===- LseKernelTest.cpp - kernels of two results against the reference ---===//
//
// The kernel contract beyond (q, k, v) -> out: an attention that also returns
// its row log-sum-exp is a kernel of five buffers, two of them results. Its
// JIT kernel, called through the runtime's generic entry (pointers and
// views), must match the float64 reference in both results at awkward
// sizes, with -inf and zeros for fully masked rows.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "attn/Runtime/TensorView.h"

#include <cmath>
#include <limits>

using namespace mlir::attn;
using attn::testing::KernelTest;
using attn::testing::lseError;
using attn::testing::lseFunc;

namespace {

class LseKernelTest : public KernelTest {
protected:
  /// Runs the lse kernel of `pattern` on `shape` and checks both results
  /// against the reference; returns the rows whose lse is -inf.
  std::vector<int64_t> check(const std::string &pattern,
                             ::attn::CallShape shape, int64_t tileQ = 0,
                             int64_t tileK = 64) {
    std::vector<int64_t> masked;
    auto kernel = compile(lseFunc(pattern), "f", tileQ, tileK);
    if (!kernel)
      return masked;
    const ::attn::KernelDescriptor &d = kernel->getDescriptor();
    EXPECT_EQ(d.numArguments, 3);
    EXPECT_EQ(d.numResults, 2);
    EXPECT_EQ(d.tensors[4].role, ::attn::kRoleLogSumExp);
    EXPECT_EQ(d.tensors[4].rank, 3);
    auto [b, h, hkv, nq, nk, dim] = shape;
    reference::Tensor q = randomTensor({b, h, nq, dim}, 3.0),
                      k = randomTensor({b, hkv, nk, dim}, 3.0),
                      v = randomTensor({b, hkv, nk, dim});
    std::vector<float> qf(q.data.begin(), q.data.end()),
        kf(k.data.begin(), k.data.end()), vf(v.data.begin(), v.data.end()),
        out(qf.size(), NAN), lse(b * h * nq, NAN);
    absl::Status ran = kernel->run({qf.data(), kf.data(), vf.data()},
                                   {out.data(), lse.data()}, shape, pool);
    EXPECT_TRUE(ran.ok()) << ran;

    reference::Tensor expectedLse;
    reference::Tensor expected =
        reference::attention(q, k, v, kernel->info().getPattern(),
                             1.0 / std::sqrt(double(dim)), &expectedLse);
    reference::Tensor actual(expected.shape);
    actual.data.assign(out.begin(), out.end());
    EXPECT_LT(reference::relativeError(actual, expected), 1e-5);
    EXPECT_LT(lseError(lse, expectedLse), 1e-5);
    for (int64_t row = 0; row < nq; ++row)
      if (std::isinf(lse[row]))
        masked.push_back(row);

    // The runtime's generic entry on views gives the same, bit for bit.
    std::vector<float> viewOut(out.size()), viewLse(lse.size());
    ::attn::TensorView arguments[] = {{qf.data(), {b, h, nq, dim}},
                                      {kf.data(), {b, hkv, nk, dim}},
                                      {vf.data(), {b, hkv, nk, dim}}};
    ::attn::MutableTensorView results[] = {
        {viewOut.data(), {b, h, nq, dim}},
        {viewLse.data(), std::array<int64_t, 3>{b, h, nq}}};
    absl::Status status = ::attn::runKernel(d, arguments, results, &pool);
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(viewOut, out);
    EXPECT_EQ(std::vector<float>(viewLse), lse);
    return masked;
  }
};

} // namespace

TEST_F(LseKernelTest, MatchesTheReferenceAtAwkwardSizes) {
  const char *patterns[] = {
      "#attn.dense", "#attn.causal", "#attn.window<left = 5, right = 9>",
      "#attn.union<[#attn.window<left = 3, right = 3>, #attn.global<tokens = "
      "[1]>]>"};
  const ::attn::CallShape shapes[] = {{1, 1, 1, 1, 1, 64},
                                      {2, 4, 2, 77, 150, 64},
                                      {1, 2, 1, 130, 45, 64},
                                      {1, 1, 1, 64, 64, 64}};
  for (const char *pattern : patterns)
    for (const ::attn::CallShape &shape : shapes) {
      SCOPED_TRACE(std::string(pattern) +
                   ": B = " + std::to_string(shape.batch) +
                   ", H = " + std::to_string(shape.heads) +
                   ", Hkv = " + std::to_string(shape.kvHeads) +
                   ", Nq = " + std::to_string(shape.nq) +
                   ", Nk = " + std::to_string(shape.nk));
      check(pattern, shape);
      check(pattern, shape, /*tileQ=*/32, /*tileK=*/16);
    }
}

TEST_F(LseKernelTest, FullyMaskedRowsHaveMinusInfinity) {
  // Causal with Nq > Nk: the first Nq - Nk query rows see no key.
  std::vector<int64_t> masked = check("#attn.causal", {1, 1, 1, 50, 20, 64});
  std::vector<int64_t> expected;
  for (int64_t row = 0; row < 30; ++row)
    expected.push_back(row);
  EXPECT_EQ(masked, expected);
}

TEST_F(LseKernelTest, WrongBuffersAreOneClearError) {
  auto kernel = compile(lseFunc("#attn.causal"), "f");
  ASSERT_TRUE(kernel);
  std::vector<float> x(64 * 8);
  const void *arguments[] = {x.data(), x.data(), x.data()};
  void *oneResult[] = {x.data()};
  absl::Status status = ::attn::runKernel(kernel->getDescriptor(), arguments,
                                          oneResult, {1, 1, 1, 8, 8, 64});
  EXPECT_EQ(status.message(), "the kernel takes 3 arguments and 2 results; "
                              "the call passes 3 and 1");
  void *nullLse[] = {x.data(), nullptr};
  status = ::attn::runKernel(kernel->getDescriptor(), arguments, nullLse,
                             {1, 1, 1, 8, 8, 64});
  EXPECT_EQ(status.message(), "'lse' must not be null");
  // The classic (q, k, v) -> out call on it is refused, not run.
  status = kernel->run(x.data(), x.data(), x.data(), x.data(),
                       {1, 1, 1, 8, 8, 64}, pool);
  EXPECT_EQ(status.message(), "the kernel takes 3 arguments and 2 results; "
                              "the call passes 3 and 1");
  // A view of the wrong rank names the tensor.
  ::attn::TensorView views[] = {{x.data(), {1, 1, 8, 64}},
                                {x.data(), {1, 1, 8, 64}},
                                {x.data(), {1, 1, 8, 64}}};
  ::attn::MutableTensorView results[] = {{x.data(), {1, 1, 8, 64}},
                                         {x.data(), {1, 1, 8, 1}}};
  status = ::attn::runKernel(kernel->getDescriptor(), views, results);
  EXPECT_EQ(status.message(), "'lse' has rank 4; the kernel's is 3");
}
