//===- KernelTest.cpp - generated kernels against the reference -----------===//
//
// Every example variant and every pattern kind, compiled by
// attn-cpu-pipeline and run on fresh random inputs, must match the float64
// reference to a relative error below 1e-5, at awkward sizes: N = 1, N not a
// multiple of the tile, Nq != Nk, grouped and multi-query heads, fully
// masked rows, logits large enough to overflow a naive exp.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "attn/Analysis/BlockSchedule.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <fstream>
#include <sstream>

using namespace mlir::attn;
using attn::testing::KernelTest;

namespace {

constexpr double kTolerance = 1e-5;

/// A function @f holding one attn.attention with `pattern` ("" = dense).
std::string attentionFunc(const std::string &pattern,
                          const std::string &q = "tensor<?x?x?x64xf32>",
                          const std::string &kv = "tensor<?x?x?x64xf32>") {
  std::string patternText = pattern.empty() ? "" : " pattern(" + pattern + ")";
  return "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv + ") -> " + q +
         " {\n  %o = attn.attention %q, %k, %v" + patternText + " : " + q +
         ", " + kv + ", " + kv + " -> " + q + "\n  return %o : " + q + "\n}\n";
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// The static sizes of the first argument of @name, -1 where dynamic.
std::vector<int64_t> staticQueryShape(const std::string &source) {
  // Enough for the examples: "%q: tensor<AxBxCxDxf32>".
  size_t at = source.find("%q: tensor<");
  std::vector<int64_t> shape;
  at += std::string("%q: tensor<").size();
  for (int d = 0; d < 4; ++d) {
    size_t x = source.find('x', at);
    std::string dim = source.substr(at, x - at);
    shape.push_back(dim == "?" ? -1 : std::stoll(dim));
    at = x + 1;
  }
  return shape;
}

std::string functionName(const std::string &source) {
  size_t at = source.find("func.func @") + std::string("func.func @").size();
  return source.substr(at, source.find('(', at) - at);
}

struct Case {
  int64_t batch, heads, kvHeads, nq, nk;
};

} // namespace

TEST_F(KernelTest, EveryExampleVariant) {
  std::string dir = std::string(ATTN_SOURCE_DIR) + "/examples/variants";
  std::error_code ec;
  int64_t files = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".mlir")
      continue;
    ++files;
    std::string source = readFile(it->path());
    std::string name = functionName(source);
    SCOPED_TRACE(name);
    auto kernel = compile(source, name);
    ASSERT_TRUE(kernel);
    std::vector<int64_t> fixed = staticQueryShape(source);
    std::string kvType = source.substr(source.find("%k: tensor<"));
    int64_t kvHeadsFixed = -1;
    {
      size_t at = kvType.find('x') + 1;
      std::string dim = kvType.substr(at, kvType.find('x', at) - at);
      kvHeadsFixed = dim == "?" ? -1 : std::stoll(dim);
    }
    const Case cases[] = {{1, 1, 1, 1, 1},     {2, 4, 4, 7, 7},
                          {1, 4, 4, 64, 64},   {2, 1, 1, 100, 100},
                          {1, 2, 2, 257, 257}, {1, 1, 1, 1000, 1000}};
    for (Case c : cases) {
      // Static sizes of the example win over the case's.
      if (fixed[0] > 0)
        c.batch = fixed[0];
      if (fixed[1] > 0)
        c.heads = fixed[1];
      c.kvHeads = kvHeadsFixed > 0 ? kvHeadsFixed : c.heads;
      if (fixed[2] > 0)
        c.nq = c.nk = fixed[2];
      double err = relativeError(*kernel, source, name,
                                 {c.batch, c.heads, c.kvHeads, c.nq, c.nk, 64});
      EXPECT_LT(err, kTolerance) << "B = " << c.batch << ", H = " << c.heads
                                 << ", Hkv = " << c.kvHeads << ", N = " << c.nq;
      if (fixed[2] > 0)
        break; // one size for a static sequence length
    }
  }
  EXPECT_EQ(files, 10);
}

TEST_F(KernelTest, EveryPatternKind) {
  const char *patterns[] = {
      "",
      "#attn.causal",
      "#attn.window<left = 20, right = 5>",
      "#attn.window<left = 4611686018427387904, right = 0>",
      "#attn.dilated<left = 8, right = 8, dilation = 3>",
      "#attn.dilated<left = 2, right = 1, dilation = 100>",
      "#attn.global<tokens = [0, 3, 50]>",
      "#attn.strided<stride = 16>",
      "#attn.fixed<stride = 32, summary = 4>",
      "#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = "
      "7>",
      "#attn.bigbird<block = 5, window = 1, global = 0, random = 3, seed = "
      "1>",
      "#attn.block_sparse<block = 40, layout = dense<[[true, false, false], "
      "[true, true, false], [false, true, true]]> : tensor<3x3xi1>>",
      "#attn.union<[#attn.window<left = 8, right = 8>, #attn.global<tokens = "
      "[1]>]>",
      "#attn.intersect<[#attn.causal, #attn.window<left = 30, right = 30>]>",
      "#attn.intersect<[#attn.strided<stride = 8>, #attn.window<left = 50, "
      "right = 0>]>",
  };
  for (const char *pattern : patterns) {
    SCOPED_TRACE(pattern);
    std::string source = attentionFunc(pattern);
    auto kernel = compile(source, "f");
    ASSERT_TRUE(kernel);
    for (int64_t n : {1, 7, 64, 100}) {
      double err = relativeError(*kernel, source, "f", {2, 2, 2, n, n, 64});
      EXPECT_LT(err, kTolerance) << "N = " << n;
    }
    for (int64_t n : {257, 1000}) {
      double err = relativeError(*kernel, source, "f", {1, 1, 1, n, n, 64});
      EXPECT_LT(err, kTolerance) << "N = " << n;
    }
  }
}

TEST_F(KernelTest, GroupedAndMultiQueryHeads) {
  for (const char *pattern : {"", "#attn.causal",
                              "#attn.window<left = 9, "
                              "right = 3>"}) {
    SCOPED_TRACE(pattern);
    std::string source = attentionFunc(pattern);
    auto kernel = compile(source, "f");
    ASSERT_TRUE(kernel);
    for (int64_t kvHeads : {1, 2, 4}) {
      double err =
          relativeError(*kernel, source, "f", {2, 4, kvHeads, 70, 70, 64});
      EXPECT_LT(err, kTolerance) << "Hkv = " << kvHeads;
    }
  }
}

TEST_F(KernelTest, QueriesAndKeysOfDifferentLengths) {
  // One query against a KV cache of 300 (decoding), and more queries than
  // keys: with causal masking the first Nq - Nk rows see nothing and must
  // come out as zeros.
  for (const char *pattern :
       {"", "#attn.causal", "#attn.window<left = 16, right = 0>",
        "#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = "
        "3>"}) {
    SCOPED_TRACE(pattern);
    std::string source = attentionFunc(pattern);
    auto kernel = compile(source, "f");
    ASSERT_TRUE(kernel);
    for (auto [nq, nk] :
         {std::pair<int64_t, int64_t>{1, 300}, {300, 100}, {65, 1}, {7, 130}}) {
      double err = relativeError(*kernel, source, "f", {1, 2, 2, nq, nk, 64});
      EXPECT_LT(err, kTolerance) << "Nq = " << nq << ", Nk = " << nk;
    }
  }
}

TEST_F(KernelTest, FullyMaskedRowsAreZero) {
  // Block row 1 of the layout is empty: queries 16..31 see no key.
  std::string source = attentionFunc(
      "#attn.block_sparse<block = 16, layout = dense<[[true, false, false], "
      "[false, false, false], [true, false, true]]> : tensor<3x3xi1>>");
  auto kernel = compile(source, "f");
  ASSERT_TRUE(kernel);
  AttentionShape shape{1, 1, 1, 48, 48, 64};
  std::vector<float> q(48 * 64, 1.0f), k(48 * 64, 0.5f), v(48 * 64, 2.0f);
  std::vector<float> out(48 * 64, 7.0f);
  ASSERT_TRUE(
      kernel->run(q.data(), k.data(), v.data(), out.data(), shape, pool).ok());
  for (int64_t i = 0; i < 48; ++i)
    for (int64_t d = 0; d < 64; ++d) {
      float expected = i >= 16 && i < 32 ? 0.0f : 2.0f;
      ASSERT_FLOAT_EQ(out[i * 64 + d], expected) << "row " << i;
    }
  EXPECT_LT(relativeError(*kernel, source, "f", shape), kTolerance);
}

TEST_F(KernelTest, LargeLogitsDoNotOverflow) {
  // |q|, |k| up to 30 with D = 64 give logits in the thousands: a naive
  // exp overflows float32 (exp(89) = inf).
  for (const char *pattern : {"", "#attn.causal"}) {
    SCOPED_TRACE(pattern);
    std::string source = attentionFunc(pattern);
    auto kernel = compile(source, "f");
    ASSERT_TRUE(kernel);
    double err = relativeError(*kernel, source, "f", {1, 2, 2, 130, 130, 64},
                               /*range=*/30.0);
    EXPECT_LT(err, kTolerance);
  }
}

TEST_F(KernelTest, StaticShapesUseCompileTimeTables) {
  std::string type = "tensor<2x4x100x64xf32>";
  std::string source = attentionFunc(
      "#attn.bigbird<block = 8, window = 3, global = 1, random = 2, seed = 5>",
      type, "tensor<2x2x100x64xf32>");
  auto kernel = compile(source, "f");
  ASSERT_TRUE(kernel);
  EXPECT_EQ(kernel->info().getSchedule(), ScheduleKind::StaticTables);
  EXPECT_LT(relativeError(*kernel, source, "f", {2, 4, 2, 100, 100, 64}),
            kTolerance);
}

TEST_F(KernelTest, TileSizesAndOddHeadDims) {
  // Small and uneven tiles put partial blocks and edges everywhere; head
  // dimensions that are not a multiple of 4 take the remainder path.
  struct Config {
    int64_t tileQ, tileK, headDim;
  } configs[] = {{16, 4, 64}, {32, 8, 33}, {16, 128, 5}, {64, 12, 1}};
  for (Config c : configs) {
    for (const char *pattern :
         {"#attn.causal", "#attn.dilated<left = 4, right = 4, dilation = 2>",
          "#attn.global<tokens = [0, 17]>"}) {
      SCOPED_TRACE(std::string(pattern) + " tile " + std::to_string(c.tileQ) +
                   "x" + std::to_string(c.tileK) + " D " +
                   std::to_string(c.headDim));
      std::string type = "tensor<?x?x?x" + std::to_string(c.headDim) + "xf32>";
      std::string source = attentionFunc(pattern, type, type);
      auto kernel = compile(source, "f", c.tileQ, c.tileK);
      ASSERT_TRUE(kernel);
      double err =
          relativeError(*kernel, source, "f", {1, 2, 2, 77, 77, c.headDim});
      EXPECT_LT(err, kTolerance);
    }
  }
}

TEST_F(KernelTest, ThreadCountDoesNotChangeTheResult) {
  std::string source = attentionFunc("#attn.window<left = 32, right = 32>");
  auto kernel = compile(source, "f");
  ASSERT_TRUE(kernel);
  AttentionShape shape{2, 3, 3, 200, 200, 64};
  std::vector<float> q(2 * 3 * 200 * 64), k(q.size()), v(q.size());
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto *buffer : {&q, &k, &v})
    for (float &x : *buffer)
      x = dist(rng);
  std::vector<float> one(q.size()), many(q.size());
  attn::ThreadPool single(1), several(3);
  ASSERT_TRUE(
      kernel->run(q.data(), k.data(), v.data(), one.data(), shape, single)
          .ok());
  ASSERT_TRUE(
      kernel->run(q.data(), k.data(), v.data(), many.data(), shape, several)
          .ok());
  EXPECT_EQ(one, many);
}

TEST_F(KernelTest, GeneratedScheduleFunction) {
  // Irregular patterns with a run-time N: the tables the generated schedule
  // function builds (as ahead-of-time kernels use them) equal the host's
  // buildBlockTables for leaf patterns, and the kernel run with them matches
  // the reference for every pattern.
  struct Case {
    const char *pattern;
    bool leaf;
  } cases[] = {
      {"#attn.global<tokens = [0, 3, 50]>", true},
      {"#attn.strided<stride = 16>", true},
      {"#attn.fixed<stride = 32, summary = 4>", true},
      {"#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = "
       "7>",
       true},
      {"#attn.block_sparse<block = 40, layout = dense<[[true, false, false], "
       "[true, true, false], [false, true, true]]> : tensor<3x3xi1>>",
       true},
      {"#attn.union<[#attn.window<left = 8, right = 8>, #attn.global<tokens = "
       "[1]>]>",
       false},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.pattern);
    std::string source = attentionFunc(c.pattern);
    // Each pattern's own schedule, in the original order (TokenOrderTest
    // covers the orders and parts).
    auto kernel = compile(source, "f", 32, 16, "off");
    ASSERT_TRUE(kernel);
    ASSERT_NE(kernel->getDescriptor().buildTables, nullptr);
    for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1, 1},
                          {100, 100},
                          {37, 120},
                          {120, 37}}) {
      absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> generated =
          ::attn::scheduleTables(kernel->getDescriptor(), nq, nk);
      ASSERT_TRUE(generated.ok()) << generated.status();
      if (c.leaf) {
        EXPECT_EQ(**generated,
                  buildBlockTables(kernel->info().getPattern(), nq, nk, 32, 16,
                                   kernel->info().getOrder()))
            << "Nq = " << nq << ", Nk = " << nk;
      }
      AttentionShape shape{1, 2, 2, nq, nk, 64};
      auto q = randomTensor({1, 2, nq, 64}), k = randomTensor({1, 2, nk, 64}),
           v = randomTensor({1, 2, nk, 64});
      std::vector<float> qf(q.data.begin(), q.data.end()),
          kf(k.data.begin(), k.data.end()), vf(v.data.begin(), v.data.end()),
          out(qf.size());
      kernel->runWithGeneratedSchedule(qf.data(), kf.data(), vf.data(),
                                       out.data(), shape, pool);
      reference::Tensor expected =
          reference::attention(q, k, v, kernel->info().getPattern(), 1.0 / 8.0);
      reference::Tensor actual(expected.shape);
      actual.data.assign(out.begin(), out.end());
      EXPECT_LT(reference::relativeError(actual, expected), kTolerance)
          << "Nq = " << nq << ", Nk = " << nk;
    }
  }
}
