//===- AotTest.cpp - kernels compiled by attn-compile, called from C++ ----===//
//
// The kernels of kernels.mlir were compiled at build time; this test calls
// them through the generated header, like a user's program, and checks them
// against the float64 reference, plus every error path of the C entry point
// and thread-count control.
//
//===----------------------------------------------------------------------===//

#include "test_kernels.h"

#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ref = mlir::attn::reference;

namespace {

class AotTest : public ::testing::Test {
protected:
  AotTest() {
    mlir::DialectRegistry registry;
    mlir::attn::registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  std::vector<float> random(int64_t n) {
    std::vector<float> v(n);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (float &x : v)
      x = dist(rng);
    return v;
  }

  /// The float64 reference for `pattern` (a mask pattern's text).
  double errorAgainstReference(const std::string &pattern,
                               const std::vector<float> &q,
                               const std::vector<float> &k,
                               const std::vector<float> &v,
                               const std::vector<float> &out, int64_t b,
                               int64_t h, int64_t hkv, int64_t n, int64_t d) {
    auto tensor = [&](const std::vector<float> &data, int64_t heads) {
      ref::Tensor t({b, heads, n, d});
      t.data.assign(data.begin(), data.end());
      return t;
    };
    auto p = llvm::cast<mlir::attn::MaskPatternAttrInterface>(
        mlir::parseAttribute(pattern, &ctx));
    ref::Tensor expected = ref::attention(
        tensor(q, h), tensor(k, hkv), tensor(v, hkv), p, 1.0 / std::sqrt(d));
    return ref::relativeError(tensor(out, h), expected);
  }

  mlir::MLIRContext ctx;
  std::mt19937 rng{7};
};

} // namespace

TEST_F(AotTest, CEntryPointsMatchTheReference) {
  int64_t b = 2, h = 3, n = 150, d = 64;
  std::vector<float> q = random(b * h * n * d), k = random(q.size()),
                     v = random(q.size()), out(q.size());
  ASSERT_EQ(attn_causal_f32(q.data(), k.data(), v.data(), out.data(), b, h, h,
                            n, n, d),
            0)
      << attn_last_error();
  EXPECT_STREQ(attn_last_error(), "");
  EXPECT_LT(errorAgainstReference("#attn.causal", q, k, v, out, b, h, h, n, d),
            1e-5);

  // Grouped-query: 8 heads over 2.
  int64_t gd = 32;
  std::vector<float> gq = random(1 * 8 * n * gd), gk = random(1 * 2 * n * gd),
                     gv = random(gk.size()), gout(gq.size());
  ASSERT_EQ(attn_gqa_f32(gq.data(), gk.data(), gv.data(), gout.data(), 1, 8, 2,
                         n, n, gd),
            0)
      << attn_last_error();
  EXPECT_LT(errorAgainstReference("#attn.window<left = 40, right = 0>", gq, gk,
                                  gv, gout, 1, 8, 2, n, gd),
            1e-5);
}

TEST_F(AotTest, DynamicIrregularPatternBuildsItsTables) {
  // bigbird with a run-time N: the schedule tables come from the generated
  // function, once per (Nq, Nk), in an LLVM-free program.
  auto pattern = llvm::cast<mlir::attn::MaskPatternAttrInterface>(
      mlir::parseAttribute("#attn.bigbird<block = 16, window = 3, global = 1, "
                           "random = 2, seed = 9>",
                           &ctx));
  for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1, 1},
                        {100, 100},
                        {37, 150},
                        {150, 37},
                        {100, 100}}) {
    int64_t b = 1, h = 2, d = 64;
    std::vector<float> q = random(b * h * nq * d), k = random(b * h * nk * d),
                       v = random(k.size()), out(q.size());
    ASSERT_EQ(attn_bigbird_f32(q.data(), k.data(), v.data(), out.data(), b, h,
                               h, nq, nk, d),
              0)
        << attn_last_error();
    auto tensor = [&](const std::vector<float> &data, int64_t n) {
      ref::Tensor t({b, h, n, d});
      t.data.assign(data.begin(), data.end());
      return t;
    };
    ref::Tensor expected = ref::attention(tensor(q, nq), tensor(k, nk),
                                          tensor(v, nk), pattern, 1.0 / 8.0);
    EXPECT_LT(ref::relativeError(tensor(out, nq), expected), 1e-5)
        << "Nq = " << nq << ", Nk = " << nk;
  }
}

TEST_F(AotTest, CppApiOnTensorViews) {
  int64_t n = 200, d = 64;
  std::vector<float> q = random(2 * n * d), k = random(q.size()),
                     v = random(q.size()), out(q.size());
  absl::Status status = attn::kernels::longformer(
      {q.data(), {1, 2, n, d}}, {k.data(), {1, 2, n, d}},
      {v.data(), {1, 2, n, d}}, {out.data(), {1, 2, n, d}});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_LT(errorAgainstReference("#attn.union<[#attn.window<left = 32, right "
                                  "= 32>, #attn.global<tokens = [0, 1]>]>",
                                  q, k, v, out, 1, 2, 2, n, d),
            1e-5);

  // Views the CPU kernels cannot take are refused, not misread.
  attn::TensorView strided{q.data(), {1, 2, n, d}};
  strided.strides = {2 * n * d, n * d, 1, n};
  status = attn::kernels::longformer(strided, {k.data(), {1, 2, n, d}},
                                     {v.data(), {1, 2, n, d}},
                                     {out.data(), {1, 2, n, d}});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  status = attn::kernels::longformer(
      {q.data(), {1, 2, n, d}, attn::DType::BF16}, {k.data(), {1, 2, n, d}},
      {v.data(), {1, 2, n, d}}, {out.data(), {1, 2, n, d}});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  status = attn::kernels::longformer(
      {q.data(), {1, 2, 100, d}}, {k.data(), {1, 2, 100, d}},
      {v.data(), {1, 2, 100, d}}, {out.data(), {1, 2, 100, d}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("the IR requires"),
            std::string::npos)
      << status;
}

TEST_F(AotTest, CEntryPointErrors) {
  std::vector<float> buffer(4 * 64 * 64);
  const float *x = buffer.data();
  float *o = buffer.data();
  auto expectError = [&](int rc, const std::string &fragment) {
    EXPECT_NE(rc, 0);
    EXPECT_NE(std::string(attn_last_error()).find(fragment), std::string::npos)
        << attn_last_error();
  };
  expectError(attn_causal_f32(nullptr, x, x, o, 1, 1, 1, 4, 4, 64),
              "must not be null");
  expectError(attn_causal_f32(x, x, x, nullptr, 1, 1, 1, 4, 4, 64),
              "must not be null");
  expectError(attn_causal_f32(x, x, x, o, -1, 1, 1, 4, 4, 64), "non-negative");
  expectError(attn_causal_f32(x, x, x, o, 1, 3, 2, 4, 4, 64),
              "multiple of key/value heads");
  expectError(attn_causal_f32(x, x, x, o, 1, 1, 0, 4, 4, 64),
              "multiple of key/value heads");
  expectError(attn_causal_f32(x, x, x, o, 1, 1, 1, 4, 4, 32),
              "head dimension 32 differs from the IR's 64");
  expectError(attn_gqa_f32(x, x, x, o, 1, 4, 2, 4, 4, 32),
              "but the IR requires tensor<?x8x?x32xf32>");
  const void *arguments[] = {x, x, x};
  void *results[] = {o};
  const int64_t sizes[] = {1, 1, 1, 4, 4, 64};
  expectError(attn_run_kernel(nullptr, arguments, results, sizes), "no kernel");
  expectError(
      attn_run_kernel(&attn_descriptor_causal, arguments, results, nullptr),
      "null arrays of buffers or sizes");
  // The runtime call the entry point makes, by hand.
  EXPECT_EQ(attn_run_kernel(&attn_descriptor_causal, arguments, results, sizes),
            0)
      << attn_last_error();
  // A success clears the message.
  EXPECT_EQ(attn_causal_f32(x, x, x, o, 1, 1, 1, 4, 4, 64), 0);
  EXPECT_STREQ(attn_last_error(), "");
  // Nothing to do is not an error.
  EXPECT_EQ(
      attn_causal_f32(nullptr, nullptr, nullptr, nullptr, 0, 1, 1, 4, 4, 64),
      0);
}

TEST_F(AotTest, ThreadCountDoesNotChangeTheResult) {
  int64_t b = 2, h = 4, n = 300, d = 64;
  std::vector<float> q = random(b * h * n * d), k = random(q.size()),
                     v = random(q.size()), one(q.size()), many(q.size());
  attn_set_num_threads(1);
  ASSERT_EQ(attn_causal_f32(q.data(), k.data(), v.data(), one.data(), b, h, h,
                            n, n, d),
            0);
  attn_set_num_threads(3);
  ASSERT_EQ(attn_causal_f32(q.data(), k.data(), v.data(), many.data(), b, h, h,
                            n, n, d),
            0);
  attn_set_num_threads(0);
  EXPECT_EQ(one, many);
}

TEST_F(AotTest, AKernelNamedWithCapitalsAndDigits) {
  int64_t b = 1, h = 2, n = 37, d = 16;
  std::vector<float> q = random(b * h * n * d), k = random(q.size()),
                     v = random(q.size()), out(q.size());
  ASSERT_EQ(attn_Window2_x_f32(q.data(), k.data(), v.data(), out.data(), b, h,
                               h, n, n, d),
            0)
      << attn_last_error();
  EXPECT_LT(errorAgainstReference("#attn.window<left = 2, right = 1>", q, k, v,
                                  out, b, h, h, n, d),
            1e-5);
}

TEST_F(AotTest, AThreadCountOutOfRangeIsAnError) {
  // Regression: 100000 was accepted, and the next call aborted when the
  // threads could not be created.
  attn_set_num_threads(2);
  EXPECT_NE(attn_set_num_threads(100000), 0);
  EXPECT_STREQ(attn_last_error(),
               "attn_set_num_threads: the thread count must be in [0, 1024] "
               "(0: one per hardware thread), got 100000");
  EXPECT_NE(attn_set_num_threads(-1), 0);
  // The count before stays, and kernels still run.
  int64_t n = 100, d = 64;
  std::vector<float> q = random(n * d), o(q.size());
  EXPECT_EQ(
      attn_causal_f32(q.data(), q.data(), q.data(), o.data(), 1, 1, 1, n, n, d),
      0)
      << attn_last_error();
  EXPECT_EQ(attn_set_num_threads(1024), 0);
  EXPECT_EQ(attn_set_num_threads(0), 0);
}

TEST_F(AotTest, AKernelOfTwoResults) {
  // Nq != Nk (bottom-right aligned), grouped heads, both results.
  int64_t b = 2, h = 4, hkv = 2, nq = 70, nk = 133, d = 64;
  std::vector<float> q = random(b * h * nq * d), k = random(b * hkv * nk * d),
                     v = random(k.size()), out(q.size()), lse(b * h * nq);
  ASSERT_EQ(attn_window_lse_f32(q.data(), k.data(), v.data(), out.data(),
                                lse.data(), b, h, hkv, nq, nk, d),
            0)
      << attn_last_error();
  auto tensor = [](const std::vector<float> &data,
                   std::array<int64_t, 4> shape) {
    ref::Tensor t(shape);
    t.data.assign(data.begin(), data.end());
    return t;
  };
  auto pattern = llvm::cast<mlir::attn::MaskPatternAttrInterface>(
      mlir::parseAttribute("#attn.window<left = 20, right = 3>", &ctx));
  ref::Tensor expectedLse;
  ref::Tensor expected = ref::attention(
      tensor(q, {b, h, nq, d}), tensor(k, {b, hkv, nk, d}),
      tensor(v, {b, hkv, nk, d}), pattern, 1.0 / 8.0, &expectedLse);
  EXPECT_LT(ref::relativeError(tensor(out, {b, h, nq, d}), expected), 1e-5);
  ref::Tensor actualLse = tensor(lse, {b, h, nq, 1});
  actualLse.rank = 3;
  EXPECT_LT(ref::relativeError(actualLse, expectedLse), 1e-6);

  // The C++ API on views: the same results.
  std::vector<float> viewOut(out.size()), viewLse(lse.size());
  absl::Status status = attn::kernels::window_lse(
      {q.data(), {b, h, nq, d}}, {k.data(), {b, hkv, nk, d}},
      {v.data(), {b, hkv, nk, d}}, {viewOut.data(), {b, h, nq, d}},
      {viewLse.data(), std::array<int64_t, 3>{b, h, nq}});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(viewOut, out);
  EXPECT_EQ(viewLse, lse);
  // A view whose sizes disagree with the others is named.
  status = attn::kernels::window_lse(
      {q.data(), {b, h, nq, d}}, {k.data(), {b, hkv, nk, d}},
      {v.data(), {b, hkv, nk, d}}, {viewOut.data(), {b, h, nq, d}},
      {viewLse.data(), std::array<int64_t, 3>{b, h, nq - 1}});
  EXPECT_EQ(status.message(), "'lse' has Nq = 69 but 'q' has 70");
}

TEST_F(AotTest, AKernelOfMergedParts) {
  const attn::KernelDescriptor &d = attn_descriptor_strided;
  EXPECT_EQ(d.stages, 2);
  EXPECT_EQ(d.rowScratch, 1);
  // N not a multiple of the stride or the tiles; grouped heads.
  int64_t b = 1, h = 4, hkv = 2, n = 203, dim = 64;
  std::vector<float> q = random(b * h * n * dim), k = random(b * hkv * n * dim),
                     v = random(k.size()), out(q.size());
  ASSERT_EQ(attn_strided_f32(q.data(), k.data(), v.data(), out.data(), b, h,
                             hkv, n, n, dim),
            0)
      << attn_last_error();
  EXPECT_LT(errorAgainstReference("#attn.strided<stride = 16>", q, k, v, out, b,
                                  h, hkv, n, dim),
            1e-5);
}
