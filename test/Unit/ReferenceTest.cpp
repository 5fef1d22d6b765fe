//===- ReferenceTest.cpp - the float64 reference --------------------------===//
//
// Hand-computed cases for every reference op, the fused attention against
// the four-op chain on random inputs, and the evaluator on parsed functions,
// including the inputs it must reject with a message.
//
//===----------------------------------------------------------------------===//

#include "attn/Reference/Reference.h"

#include "attn/InitAll.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::reference;

namespace {

using Shape = std::array<int64_t, 4>;

/// A tensor of `shape` holding `values` in row-major order.
Tensor makeTensor(Shape shape, std::vector<double> values) {
  Tensor t(shape);
  EXPECT_EQ(int64_t(values.size()), t.numElements());
  t.data = std::move(values);
  return t;
}

/// A tensor of `shape` with entries uniform in [-1, 1].
Tensor randomTensor(Shape shape, std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Tensor t(shape);
  for (double &x : t.data)
    x = dist(rng);
  return t;
}

/// Every entry of `actual` is within `tol` of `expected`.
void expectNear(const Tensor &actual, const Tensor &expected,
                double tol = 1e-12) {
  ASSERT_EQ(actual.shape, expected.shape);
  ASSERT_EQ(actual.data.size(), expected.data.size());
  for (size_t t = 0; t < actual.data.size(); ++t)
    EXPECT_NEAR(actual.data[t], expected.data[t], tol) << "at flat index " << t;
}

bool allFinite(const Tensor &t) {
  for (double x : t.data)
    if (!std::isfinite(x))
      return false;
  return true;
}

class ReferenceTest : public ::testing::Test {
protected:
  ReferenceTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// Parses a mask pattern attribute such as "#attn.causal".
  MaskPatternAttrInterface pattern(StringRef text) {
    auto attr =
        dyn_cast_or_null<MaskPatternAttrInterface>(parseAttribute(text, &ctx));
    EXPECT_TRUE(attr) << "not a mask pattern: " << text.str();
    return attr;
  }

  /// Parses a module and returns its function `name` (null on failure).
  func::FuncOp parseFunc(StringRef text, StringRef name) {
    module = parseSourceString<ModuleOp>(text, &ctx);
    EXPECT_TRUE(module) << "failed to parse:\n" << text.str();
    if (!module)
      return nullptr;
    auto func = module->lookupSymbol<func::FuncOp>(name);
    EXPECT_TRUE(func) << "no function @" << name.str();
    return func;
  }

  /// The reference chain qk -> mask -> softmax -> pv.
  static Tensor chain(const Tensor &q, const Tensor &k, const Tensor &v,
                      MaskPatternAttrInterface p, double scale) {
    return pv(softmax(mask(qk(q, k, scale), p), 3), v);
  }

  /// Runs `evaluate` expecting failure; returns the message.
  static std::string evaluateError(func::FuncOp func, ArrayRef<Tensor> inputs) {
    std::string error;
    FailureOr<Tensor> result = evaluate(func, inputs, error);
    EXPECT_TRUE(failed(result));
    EXPECT_FALSE(error.empty());
    return error;
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

#define EXPECT_CONTAINS(haystack, needle)                                      \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)             \
      << "'" << (haystack) << "' does not mention '" << (needle) << "'"

//===----------------------------------------------------------------------===//
// Tensor and relativeError
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, TensorIsRowMajor) {
  Tensor t({2, 3, 4, 5});
  EXPECT_EQ(t.numElements(), 120);
  ASSERT_EQ(t.data.size(), 120u);
  t.at(1, 2, 3, 4) = 7;
  t.at(1, 0, 2, 1) = 3;
  EXPECT_EQ(t.data[119], 7);
  EXPECT_EQ(t.data[60 + 10 + 1], 3);
}

TEST_F(ReferenceTest, RelativeError) {
  Tensor b = makeTensor({1, 1, 1, 2}, {3, 4}); // ||b|| = 5
  Tensor a = makeTensor({1, 1, 1, 2}, {3, 4 + 0.5});
  EXPECT_DOUBLE_EQ(relativeError(a, b), 0.1);
  EXPECT_EQ(relativeError(b, b), 0.0);
  // Against zero it is the absolute error.
  Tensor zero({1, 1, 1, 2});
  EXPECT_DOUBLE_EQ(relativeError(b, zero), 5.0);
  // Shapes that disagree never compare as close.
  EXPECT_GT(relativeError(Tensor({1, 1, 2, 1}), zero), 1.0);
}

//===----------------------------------------------------------------------===//
// Hand-computed cases
//===----------------------------------------------------------------------===//

// B = H = 1, Nq = Nk = 2, D = 1, scale 1, with q = [ln 3, 0], k = [0, 1],
// v = [10, 20]:
//   S = [[0, ln 3], [0, 0]]
//   dense:  P = [[1/4, 3/4], [1/2, 1/2]],  O = [10/4 + 60/4, 15] = [17.5, 15]
//   causal: P = [[1, 0], [1/2, 1/2]],      O = [10, 15]
struct TwoByTwo {
  Tensor q = makeTensor({1, 1, 2, 1}, {std::log(3.0), 0});
  Tensor k = makeTensor({1, 1, 2, 1}, {0, 1});
  Tensor v = makeTensor({1, 1, 2, 1}, {10, 20});
};

TEST_F(ReferenceTest, DenseTwoByTwo) {
  TwoByTwo in;
  Tensor s = qk(in.q, in.k, 1.0);
  expectNear(s, makeTensor({1, 1, 2, 2}, {0, std::log(3.0), 0, 0}));
  // The scale multiplies every score.
  expectNear(qk(in.q, in.k, 2.0),
             makeTensor({1, 1, 2, 2}, {0, 2 * std::log(3.0), 0, 0}));

  Tensor p = softmax(s, 3);
  expectNear(p, makeTensor({1, 1, 2, 2}, {0.25, 0.75, 0.5, 0.5}));
  expectNear(pv(p, in.v), makeTensor({1, 1, 2, 1}, {17.5, 15}));

  Tensor expected = makeTensor({1, 1, 2, 1}, {17.5, 15});
  expectNear(attention(in.q, in.k, in.v, pattern("#attn.dense"), 1.0),
             expected);
  // A null pattern is dense.
  expectNear(attention(in.q, in.k, in.v, nullptr, 1.0), expected);
  expectNear(mask(s, nullptr), s);
  expectNear(chain(in.q, in.k, in.v, pattern("#attn.dense"), 1.0), expected);
}

TEST_F(ReferenceTest, CausalTwoByTwo) {
  TwoByTwo in;
  MaskPatternAttrInterface causal = pattern("#attn.causal");
  Tensor m = mask(qk(in.q, in.k, 1.0), causal);
  EXPECT_EQ(m.at(0, 0, 0, 0), 0.0);
  EXPECT_EQ(m.at(0, 0, 0, 1), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(m.at(0, 0, 1, 0), 0.0);
  EXPECT_EQ(m.at(0, 0, 1, 1), 0.0);
  expectNear(softmax(m, 3), makeTensor({1, 1, 2, 2}, {1, 0, 0.5, 0.5}));

  Tensor expected = makeTensor({1, 1, 2, 1}, {10, 15});
  expectNear(attention(in.q, in.k, in.v, causal, 1.0), expected);
  expectNear(chain(in.q, in.k, in.v, causal, 1.0), expected);
}

// Nq = 3 queries against Nk = 2 keys: positions p = i - 1 = -1, 0, 1. Under
// causal the first query has no key at all and must give zeros, not NaN.
TEST_F(ReferenceTest, FullyMaskedRowIsZero) {
  Tensor q = makeTensor({1, 1, 3, 1}, {1, std::log(3.0), 0});
  Tensor k = makeTensor({1, 1, 2, 1}, {0, 1});
  Tensor v = makeTensor({1, 1, 2, 1}, {10, 20});
  MaskPatternAttrInterface causal = pattern("#attn.causal");
  // Row 1 (p = 0) sees key 0 only: 10; row 2 (p = 1) sees S = [0, 0]: 15.
  Tensor expected = makeTensor({1, 1, 3, 1}, {0, 10, 15});

  Tensor p = softmax(mask(qk(q, k, 1.0), causal), 3);
  EXPECT_TRUE(allFinite(p));
  EXPECT_EQ(p.at(0, 0, 0, 0), 0.0);
  EXPECT_EQ(p.at(0, 0, 0, 1), 0.0);
  expectNear(pv(p, v), expected);
  expectNear(attention(q, k, v, causal, 1.0), expected);

  // A layout that drops the whole first query block: row 0 is zeros, row 1
  // is dense (S = [0, 0] -> 15).
  MaskPatternAttrInterface firstRowOff =
      pattern("#attn.block_sparse<block = 1, layout = dense<[[false, false], "
              "[true, true]]> : tensor<2x2xi1>>");
  Tensor q2 = makeTensor({1, 1, 2, 1}, {5, 0});
  Tensor expected2 = makeTensor({1, 1, 2, 1}, {0, 15});
  Tensor out = attention(q2, k, v, firstRowOff, 1.0);
  EXPECT_TRUE(allFinite(out));
  expectNear(out, expected2);
  expectNear(chain(q2, k, v, firstRowOff, 1.0), expected2);
}

// One query against three keys (decoding with a KV cache): the query is the
// last position p = 2, so causal keeps every key. With q = 1 and
// k = [0, ln 2, ln 5] the weights are [1, 2, 5] / 8, and with v = [8, 16, 24]
// O = (8 + 32 + 120) / 8 = 20. A zero-width window keeps key 2 only: 24.
TEST_F(ReferenceTest, SingleQueryIsLastPosition) {
  Tensor q = makeTensor({1, 1, 1, 1}, {1});
  Tensor k = makeTensor({1, 1, 3, 1}, {0, std::log(2.0), std::log(5.0)});
  Tensor v = makeTensor({1, 1, 3, 1}, {8, 16, 24});
  Tensor twenty = makeTensor({1, 1, 1, 1}, {20});
  MaskPatternAttrInterface causal = pattern("#attn.causal");
  expectNear(attention(q, k, v, causal, 1.0), twenty);
  expectNear(chain(q, k, v, causal, 1.0), twenty);
  expectNear(softmax(mask(qk(q, k, 1.0), causal), 3),
             makeTensor({1, 1, 1, 3}, {0.125, 0.25, 0.625}));

  MaskPatternAttrInterface self = pattern("#attn.window<left = 0, right = 0>");
  Tensor last = makeTensor({1, 1, 1, 1}, {24});
  expectNear(attention(q, k, v, self, 1.0), last);
  expectNear(chain(q, k, v, self, 1.0), last);
}

// H = 4 query heads over Hkv = 2 key/value heads: heads 0, 1 read kv head 0
// and heads 2, 3 read kv head 1 (h / 2, not h % 2). With Nq = Nk = 1 and
// D = 1: q = [1, 2, 3, 4], k = [10, 20] give S = [10, 20, 60, 80]; the single
// key has weight 1, so O = v[h / 2] = [100, 100, 200, 200].
TEST_F(ReferenceTest, GroupedHeads) {
  Tensor q = makeTensor({1, 4, 1, 1}, {1, 2, 3, 4});
  Tensor k = makeTensor({1, 2, 1, 1}, {10, 20});
  Tensor v = makeTensor({1, 2, 1, 1}, {100, 200});
  expectNear(qk(q, k, 1.0), makeTensor({1, 4, 1, 1}, {10, 20, 60, 80}));
  Tensor expected = makeTensor({1, 4, 1, 1}, {100, 100, 200, 200});
  expectNear(pv(makeTensor({1, 4, 1, 1}, {1, 1, 1, 1}), v), expected);
  expectNear(attention(q, k, v, nullptr, 1.0), expected);
  expectNear(chain(q, k, v, nullptr, 1.0), expected);
}

// Two keys, D = 1; each kv head has its own keys, so the weights differ per
// query head. kv head 0: k = [0, ln 3], v = [0, 4]; kv head 1: k = [ln 3, 0],
// v = [8, 0]. With q = 1 for every head: heads 0, 1 weigh [1/4, 3/4] -> 3,
// heads 2, 3 weigh [3/4, 1/4] -> 6.
TEST_F(ReferenceTest, GroupedHeadsPickTheirKeys) {
  Tensor q = makeTensor({1, 4, 1, 1}, {1, 1, 1, 1});
  Tensor k = makeTensor({1, 2, 2, 1}, {0, std::log(3.0), std::log(3.0), 0});
  Tensor v = makeTensor({1, 2, 2, 1}, {0, 4, 8, 0});
  Tensor expected = makeTensor({1, 4, 1, 1}, {3, 3, 6, 6});
  expectNear(attention(q, k, v, nullptr, 1.0), expected);
  expectNear(chain(q, k, v, nullptr, 1.0), expected);
}

// Scores near 1e4 overflow a naive exp; the stable softmax gives a finite
// result equal to the value of the largest score (the others weigh at most
// e^-100).
TEST_F(ReferenceTest, LargeLogitsStayFinite) {
  Tensor q = makeTensor({1, 1, 2, 1}, {100, -100});
  Tensor k = makeTensor({1, 1, 3, 1}, {99, 100, -100});
  Tensor v = makeTensor({1, 1, 3, 2}, {1, 2, 3, 4, 5, 6});
  // Row 0: S = [9900, 10000, -10000] -> key 1; row 1: S = [-9900, -10000,
  // 10000] -> key 2.
  Tensor expected = makeTensor({1, 1, 2, 2}, {3, 4, 5, 6});
  Tensor fused = attention(q, k, v, nullptr, 1.0);
  Tensor chained = chain(q, k, v, nullptr, 1.0);
  EXPECT_TRUE(allFinite(fused));
  EXPECT_TRUE(allFinite(chained));
  expectNear(fused, expected);
  expectNear(chained, expected);
}

// x = [[0, ln 3], [0, 0]]:
//   along keys (axis 3):    [[1/4, 3/4], [1/2, 1/2]]
//   along queries (axis 2): [[1/2, 3/4], [1/2, 1/4]]
TEST_F(ReferenceTest, SoftmaxAxes) {
  Tensor x = makeTensor({1, 1, 2, 2}, {0, std::log(3.0), 0, 0});
  expectNear(softmax(x, 3), makeTensor({1, 1, 2, 2}, {0.25, 0.75, 0.5, 0.5}));
  expectNear(softmax(x, 2), makeTensor({1, 1, 2, 2}, {0.5, 0.75, 0.5, 0.25}));

  // -inf entries get weight 0; a slice of only -inf is all zeros.
  double inf = std::numeric_limits<double>::infinity();
  // y = [[-inf, 0], [-inf, 0]]: each row keeps its second entry; along
  // axis 2 the first column is only -inf and the second is [0, 0].
  Tensor y = makeTensor({1, 1, 2, 2}, {-inf, 0, -inf, 0});
  expectNear(softmax(y, 3), makeTensor({1, 1, 2, 2}, {0, 1, 0, 1}));
  expectNear(softmax(y, 2), makeTensor({1, 1, 2, 2}, {0, 0.5, 0, 0.5}));
  EXPECT_TRUE(allFinite(
      softmax(makeTensor({1, 1, 2, 2}, {-inf, -inf, -inf, -inf}), 3)));
}

// Along any axis every slice sums to one.
TEST_F(ReferenceTest, SoftmaxSlicesSumToOne) {
  std::mt19937_64 rng(42);
  Tensor x = randomTensor({2, 3, 4, 5}, rng);
  for (int64_t axis = 0; axis < 4; ++axis) {
    Tensor y = softmax(x, axis);
    // Sum over `axis` by zeroing its index in a copy of the shape.
    Shape reduced = x.shape;
    reduced[axis] = 1;
    Tensor sums(reduced);
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t c = 0; c < 4; ++c)
          for (int64_t d = 0; d < 5; ++d) {
            std::array<int64_t, 4> idx = {a, b, c, d};
            idx[axis] = 0;
            sums.at(idx[0], idx[1], idx[2], idx[3]) += y.at(a, b, c, d);
          }
    for (double s : sums.data)
      EXPECT_NEAR(s, 1.0, 1e-12) << "axis " << axis;
  }
}

//===----------------------------------------------------------------------===//
// attention() against the chain
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, AttentionMatchesChain) {
  const char *patterns[] = {
      "#attn.dense",
      "#attn.causal",
      "#attn.window<left = 2, right = 1>",
      "#attn.dilated<left = 2, right = 1, dilation = 2>",
      "#attn.global<tokens = [0, 3]>",
      "#attn.strided<stride = 3>",
      "#attn.fixed<stride = 3, summary = 1>",
      "#attn.bigbird<block = 2, window = 1, global = 1, random = 1, seed = 7>",
      "#attn.block_sparse<block = 4, layout = dense<[[true, false], "
      "[false, true]]> : tensor<2x2xi1>>",
      "#attn.union<[#attn.window<left = 1, right = 1>, "
      "#attn.global<tokens = [0]>]>",
      "#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 0>]>",
  };
  struct Sizes {
    int64_t nq, nk, h, hkv;
  };
  const Sizes sizes[] = {{1, 1, 2, 2}, {7, 7, 4, 2}, {3, 7, 4, 1},
                         {7, 3, 3, 3}, {1, 7, 2, 1}, {5, 8, 4, 2}};
  const int64_t b = 2, d = 3;
  std::mt19937_64 rng(2024);
  for (const char *text : patterns) {
    MaskPatternAttrInterface p = pattern(text);
    ASSERT_TRUE(p);
    for (const Sizes &s : sizes) {
      Tensor q = randomTensor({b, s.h, s.nq, d}, rng);
      Tensor k = randomTensor({b, s.hkv, s.nk, d}, rng);
      Tensor v = randomTensor({b, s.hkv, s.nk, d}, rng);
      Tensor fused = attention(q, k, v, p, 0.7);
      Tensor chained = chain(q, k, v, p, 0.7);
      SCOPED_TRACE(std::string(text) + " nq=" + std::to_string(s.nq) +
                   " nk=" + std::to_string(s.nk));
      EXPECT_TRUE(allFinite(fused));
      EXPECT_LT(relativeError(fused, chained), 1e-12);
      expectNear(fused, chained);
    }
  }
}

// mask() writes -inf exactly where contains() fails, with bottom-right
// alignment, for every batch and head.
TEST_F(ReferenceTest, MaskFollowsContains) {
  MaskPatternAttrInterface p =
      pattern("#attn.union<[#attn.window<left = 1, right = 0>, "
              "#attn.global<tokens = [2]>]>");
  std::mt19937_64 rng(7);
  for (auto [nq, nk] : {std::pair<int64_t, int64_t>{4, 6}, {6, 4}, {5, 5}}) {
    Tensor s = randomTensor({2, 2, nq, nk}, rng);
    Tensor m = mask(s, p);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t i = 0; i < nq; ++i)
          for (int64_t j = 0; j < nk; ++j) {
            bool kept = p.contains(i + nk - nq, j, nq, nk);
            if (kept)
              EXPECT_EQ(m.at(b, h, i, j), s.at(b, h, i, j));
            else
              EXPECT_EQ(m.at(b, h, i, j),
                        -std::numeric_limits<double>::infinity());
          }
  }
  // The alignment itself: with 4 queries and 6 keys, query 1 is position 3
  // and keeps keys 2 (window and global) and 3 only; top-left alignment
  // would keep 0, 1 and 2.
  Tensor m = mask(Tensor({1, 1, 4, 6}), p);
  for (int64_t j = 0; j < 6; ++j)
    EXPECT_EQ(std::isinf(m.at(0, 0, 1, j)), j != 2 && j != 3) << "key " << j;
}

//===----------------------------------------------------------------------===//
// evaluate()
//===----------------------------------------------------------------------===//

constexpr const char *kChainModule = R"mlir(
func.func @chain(%q: tensor<2x4x5x3xf32>, %k: tensor<2x2x7x3xf32>,
                 %v: tensor<2x2x7x3xf32>) -> tensor<2x4x5x3xf32> {
  %s = attn.qk %q, %k {scale = 0.5 : f32} : tensor<2x4x5x3xf32>, tensor<2x2x7x3xf32> -> tensor<2x4x5x7xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<2x4x5x7xf32>
  %p = attn.softmax %m : tensor<2x4x5x7xf32>
  %o = attn.pv %p, %v : tensor<2x4x5x7xf32>, tensor<2x2x7x3xf32> -> tensor<2x4x5x3xf32>
  return %o : tensor<2x4x5x3xf32>
}
)mlir";

constexpr const char *kDynamicModule = R"mlir(
func.func @fused(%q: tensor<?x?x?x3xf32>, %k: tensor<?x?x?x3xf32>,
                 %v: tensor<?x?x?x3xf32>) -> tensor<?x?x?x3xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 1, right = 2>)
         : tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32> -> tensor<?x?x?x3xf32>
  return %o : tensor<?x?x?x3xf32>
}
func.func @dense(%q: tensor<?x?x?x3xf32>, %k: tensor<?x?x?x3xf32>,
                 %v: tensor<?x?x?x3xf32>) -> tensor<?x?x?x3xf32> {
  %o = attn.attention %q, %k, %v {scale = 0.25 : f32}
         : tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32> -> tensor<?x?x?x3xf32>
  return %o : tensor<?x?x?x3xf32>
}
func.func @columns(%q: tensor<?x?x?x3xf32>, %k: tensor<?x?x?x3xf32>,
                   %v: tensor<?x?x?x3xf32>) -> tensor<?x?x?x3xf32> {
  %s = attn.qk %q, %k : tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32> -> tensor<?x?x?x?xf32>
  %p = attn.softmax %s {axis = 2 : i64} : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x3xf32> -> tensor<?x?x?x3xf32>
  return %o : tensor<?x?x?x3xf32>
}
func.func @pinned(%q: tensor<?x?x?x3xf32>, %k: tensor<?x?x?x3xf32>) -> tensor<1x1x2x2xf32> {
  %s = attn.qk %q, %k : tensor<?x?x?x3xf32>, tensor<?x?x?x3xf32> -> tensor<1x1x2x2xf32>
  return %s : tensor<1x1x2x2xf32>
}
func.func @add(%q: tensor<?x?x?x3xf32>) -> tensor<?x?x?x3xf32> {
  %r = arith.addf %q, %q : tensor<?x?x?x3xf32>
  return %r : tensor<?x?x?x3xf32>
}
func.func @rank2(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  return %x : tensor<2x2xf32>
}
func.func @nothing(%q: tensor<?x?x?x3xf32>) {
  return
}
)mlir";

TEST_F(ReferenceTest, EvaluateChainMatchesDirectCalls) {
  func::FuncOp func = parseFunc(kChainModule, "chain");
  ASSERT_TRUE(func);
  std::mt19937_64 rng(1);
  Tensor q = randomTensor({2, 4, 5, 3}, rng);
  Tensor k = randomTensor({2, 2, 7, 3}, rng);
  Tensor v = randomTensor({2, 2, 7, 3}, rng);
  std::string error;
  FailureOr<Tensor> out = evaluate(func, {q, k, v}, error);
  ASSERT_TRUE(succeeded(out)) << error;
  EXPECT_TRUE(error.empty());
  MaskPatternAttrInterface causal = pattern("#attn.causal");
  expectNear(*out, chain(q, k, v, causal, 0.5), 0.0);
  EXPECT_LT(relativeError(*out, attention(q, k, v, causal, 0.5)), 1e-12);
  // The scale and pattern matter: a different call must disagree.
  EXPECT_GT(relativeError(*out, attention(q, k, v, nullptr, 0.5)), 1e-3);
  EXPECT_GT(relativeError(*out, attention(q, k, v, causal, 1.0)), 1e-3);
}

TEST_F(ReferenceTest, EvaluateAttentionMatchesDirectCall) {
  func::FuncOp fused = parseFunc(kDynamicModule, "fused");
  ASSERT_TRUE(fused);
  std::mt19937_64 rng(2);
  // Grouped heads and Nq != Nk through dynamic dimensions.
  Tensor q = randomTensor({1, 4, 3, 3}, rng);
  Tensor k = randomTensor({1, 2, 6, 3}, rng);
  Tensor v = randomTensor({1, 2, 6, 3}, rng);
  std::string error;
  FailureOr<Tensor> out = evaluate(fused, {q, k, v}, error);
  ASSERT_TRUE(succeeded(out)) << error;
  // Without a scale attribute the scale is 1/sqrt(D).
  expectNear(*out,
             attention(q, k, v, pattern("#attn.window<left = 1, right = 2>"),
                       1.0 / std::sqrt(3.0)),
             0.0);

  // Without a pattern the op is dense.
  func::FuncOp dense = module->lookupSymbol<func::FuncOp>("dense");
  ASSERT_TRUE(dense);
  out = evaluate(dense, {q, k, v}, error);
  ASSERT_TRUE(succeeded(out)) << error;
  expectNear(*out, attention(q, k, v, nullptr, 0.25), 0.0);
}

TEST_F(ReferenceTest, EvaluateHonorsSoftmaxAxis) {
  func::FuncOp func = parseFunc(kDynamicModule, "columns");
  ASSERT_TRUE(func);
  std::mt19937_64 rng(3);
  Tensor q = randomTensor({1, 2, 4, 3}, rng);
  Tensor k = randomTensor({1, 1, 4, 3}, rng);
  Tensor v = randomTensor({1, 1, 4, 3}, rng);
  std::string error;
  FailureOr<Tensor> out = evaluate(func, {q, k, v}, error);
  ASSERT_TRUE(succeeded(out)) << error;
  double scale = 1.0 / std::sqrt(3.0);
  expectNear(*out, pv(softmax(qk(q, k, scale), 2), v), 0.0);
  EXPECT_GT(relativeError(*out, pv(softmax(qk(q, k, scale), 3), v)), 1e-3);
}

TEST_F(ReferenceTest, EvaluateRejectsWrongInputCount) {
  func::FuncOp func = parseFunc(kChainModule, "chain");
  ASSERT_TRUE(func);
  std::string error =
      evaluateError(func, {Tensor({2, 4, 5, 3}), Tensor({2, 2, 7, 3})});
  EXPECT_CONTAINS(error, "takes 3 arguments, got 2");
}

TEST_F(ReferenceTest, EvaluateRejectsWrongRank) {
  func::FuncOp func = parseFunc(kDynamicModule, "rank2");
  ASSERT_TRUE(func);
  std::string error = evaluateError(func, {Tensor({2, 2, 1, 1})});
  EXPECT_CONTAINS(error, "rank-4");
  EXPECT_CONTAINS(error, "tensor<2x2xf32>");
}

TEST_F(ReferenceTest, EvaluateRejectsStaticDimMismatch) {
  func::FuncOp func = parseFunc(kChainModule, "chain");
  ASSERT_TRUE(func);
  // k has 6 keys where its type says 7.
  std::string error = evaluateError(
      func, {Tensor({2, 4, 5, 3}), Tensor({2, 2, 6, 3}), Tensor({2, 2, 7, 3})});
  EXPECT_CONTAINS(error, "input #1");
  EXPECT_CONTAINS(error, "dimension 2 must be 7");
}

TEST_F(ReferenceTest, EvaluateRejectsDataOfTheWrongSize) {
  func::FuncOp func = parseFunc(kChainModule, "chain");
  ASSERT_TRUE(func);
  Tensor q({2, 4, 5, 3});
  q.data.pop_back();
  std::string error =
      evaluateError(func, {q, Tensor({2, 2, 7, 3}), Tensor({2, 2, 7, 3})});
  EXPECT_CONTAINS(error, "input #0");
  EXPECT_CONTAINS(error, "holds 119 values");
}

TEST_F(ReferenceTest, EvaluateRejectsRuntimeShapeMismatch) {
  func::FuncOp func = parseFunc(kDynamicModule, "fused");
  ASSERT_TRUE(func);
  // 3 query heads over 2 key/value heads.
  std::string error = evaluateError(
      func, {Tensor({1, 3, 2, 3}), Tensor({1, 2, 2, 3}), Tensor({1, 2, 2, 3})});
  EXPECT_CONTAINS(error, "multiple of the heads");
  // Zero key/value heads.
  error = evaluateError(
      func, {Tensor({1, 2, 2, 3}), Tensor({1, 0, 2, 3}), Tensor({1, 0, 2, 3})});
  EXPECT_CONTAINS(error, "multiple of the heads");
  // Batch sizes differ.
  error = evaluateError(
      func, {Tensor({2, 2, 2, 3}), Tensor({1, 2, 2, 3}), Tensor({1, 2, 2, 3})});
  EXPECT_CONTAINS(error, "batch size");
  // k and v disagree on the number of keys.
  error = evaluateError(
      func, {Tensor({1, 2, 2, 3}), Tensor({1, 2, 4, 3}), Tensor({1, 2, 5, 3})});
  EXPECT_CONTAINS(error, "key length");
  // k and v disagree on the number of heads.
  error = evaluateError(
      func, {Tensor({1, 2, 2, 3}), Tensor({1, 2, 4, 3}), Tensor({1, 1, 4, 3})});
  EXPECT_CONTAINS(error, "heads");

  // The same checks in the chain: H % Hkv at the qk.
  func::FuncOp columns = module->lookupSymbol<func::FuncOp>("columns");
  ASSERT_TRUE(columns);
  error = evaluateError(columns, {Tensor({1, 3, 2, 3}), Tensor({1, 2, 2, 3}),
                                  Tensor({1, 2, 2, 3})});
  EXPECT_CONTAINS(error, "attn.qk");
  EXPECT_CONTAINS(error, "multiple of the heads");
  // ... and the key length at the pv.
  error = evaluateError(columns, {Tensor({1, 2, 2, 3}), Tensor({1, 2, 4, 3}),
                                  Tensor({1, 2, 5, 3})});
  EXPECT_CONTAINS(error, "attn.pv");
  EXPECT_CONTAINS(error, "key length");
}

TEST_F(ReferenceTest, EvaluateRejectsResultThatContradictsItsType) {
  func::FuncOp func = parseFunc(kDynamicModule, "pinned");
  ASSERT_TRUE(func);
  std::string error =
      evaluateError(func, {Tensor({1, 1, 3, 3}), Tensor({1, 1, 2, 3})});
  EXPECT_CONTAINS(error, "result of 'attn.qk'");
  // With the sizes the type promises it runs.
  FailureOr<Tensor> out =
      evaluate(func, {Tensor({1, 1, 2, 3}), Tensor({1, 1, 2, 3})}, error);
  EXPECT_TRUE(succeeded(out)) << error;
}

TEST_F(ReferenceTest, EvaluateRejectsUnsupportedOps) {
  func::FuncOp func = parseFunc(kDynamicModule, "add");
  ASSERT_TRUE(func);
  std::string error = evaluateError(func, {Tensor({1, 1, 2, 3})});
  EXPECT_CONTAINS(error, "reference: unsupported op 'arith.addf'");

  func::FuncOp nothing = module->lookupSymbol<func::FuncOp>("nothing");
  ASSERT_TRUE(nothing);
  error = evaluateError(nothing, {Tensor({1, 1, 2, 3})});
  EXPECT_CONTAINS(error, "exactly one value");
}

/// A block_sparse<block = 1> pattern keeping the pairs where `keep` holds.
static std::string pairLayout(int64_t n,
                              llvm::function_ref<bool(int64_t, int64_t)> keep) {
  std::string text = "#attn.block_sparse<block = 1, layout = dense<[";
  for (int64_t i = 0; i < n; ++i) {
    text += i ? ", [" : "[";
    for (int64_t j = 0; j < n; ++j)
      text += std::string(j ? ", " : "") + (keep(i, j) ? "true" : "false");
    text += "]";
  }
  return text + "]> : tensor<" + std::to_string(n) + "x" + std::to_string(n) +
         "xi1>>";
}

TEST_F(ReferenceTest, MergeOfDisjointPartsIsAttentionOverTheirUnion) {
  // Every pair of a 7 x 7 score matrix goes to one of 2 or 3 parts at
  // random; row 0 is kept by the last part only (fully masked in the
  // others), row 1 only by part 0. Large logits (scale 40) must not
  // overflow.
  constexpr int64_t n = 7;
  std::mt19937_64 rng(7);
  for (int parts : {2, 3}) {
    for (double scale : {0.3, 40.0}) {
      SCOPED_TRACE(std::to_string(parts) + " parts, scale " +
                   std::to_string(scale));
      std::vector<int> owner(n * n);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          owner[i * n + j] = i == 0   ? parts - 1
                             : i == 1 ? 0
                                      : int(rng() % parts);
      Tensor q = randomTensor({2, 2, n, 5}, rng),
             k = randomTensor({2, 1, n, 5}, rng),
             v = randomTensor({2, 1, n, 5}, rng);
      std::vector<Tensor> outputs(parts), lses(parts);
      for (int part = 0; part < parts; ++part)
        outputs[part] =
            attention(q, k, v,
                      pattern(pairLayout(n,
                                         [&](int64_t i, int64_t j) {
                                           return owner[i * n + j] == part;
                                         })),
                      scale, &lses[part]);
      EXPECT_EQ(lses[0].at(1, 1, 0, 0), -INFINITY);
      Tensor lse, expectedLse;
      Tensor merged = merge(outputs, lses, lse);
      Tensor expected = attention(q, k, v, nullptr, scale, &expectedLse);
      ASSERT_TRUE(allFinite(merged));
      expectNear(merged, expected, 1e-12);
      expectNear(lse, expectedLse, 1e-12);
    }
  }
}

TEST_F(ReferenceTest, MergeOfFullyMaskedPartsIsExact) {
  // A part masked everywhere (lse -inf, output 0) changes nothing, bit for
  // bit; when every part is, the row is 0 with lse -inf and no NaN.
  std::mt19937_64 rng(11);
  Tensor q = randomTensor({1, 1, 4, 3}, rng),
         k = randomTensor({1, 1, 4, 3}, rng),
         v = randomTensor({1, 1, 4, 3}, rng);
  Tensor lseA, lseNone;
  Tensor a = attention(q, k, v, pattern("#attn.causal"), 0.5, &lseA);
  Tensor none = attention(
      q, k, v, pattern(pairLayout(4, [](int64_t, int64_t) { return false; })),
      0.5, &lseNone);
  Tensor lse;
  Tensor merged = merge({none, a, none}, {lseNone, lseA, lseNone}, lse);
  EXPECT_EQ(merged.data, a.data);
  EXPECT_EQ(lse.data, lseA.data);
  Tensor allMasked = merge({none, none}, {lseNone, lseNone}, lse);
  for (double x : allMasked.data)
    EXPECT_EQ(x, 0.0);
  for (double x : lse.data)
    EXPECT_EQ(x, -INFINITY);
}

TEST_F(ReferenceTest, EvaluatesMerge) {
  func::FuncOp func = parseFunc(R"mlir(
    func.func @f(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>,
                 %v: tensor<1x2x5x8xf32>) -> (tensor<1x2x5x8xf32>, tensor<1x2x5xf32>) {
      %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.causal)
          : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
      %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.block_sparse<block = 1, layout = dense<[[false, true, true, true, true], [false, false, true, true, true], [false, false, false, true, true], [false, false, false, false, true], [false, false, false, false, false]]> : tensor<5x5xi1>>)
          : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
      %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
      return %o, %l : tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
    })mlir",
                                "f");
  ASSERT_TRUE(func);
  std::mt19937_64 rng(3);
  Tensor q = randomTensor({1, 2, 5, 8}, rng),
         k = randomTensor({1, 2, 5, 8}, rng),
         v = randomTensor({1, 2, 5, 8}, rng);
  std::string error;
  FailureOr<std::vector<Tensor>> results = evaluateAll(func, {q, k, v}, error);
  ASSERT_TRUE(succeeded(results)) << error;
  ASSERT_EQ(results->size(), 2u);
  Tensor lse;
  // Causal plus the strict upper triangle: every pair.
  Tensor expected = attention(q, k, v, nullptr, 1 / std::sqrt(8.0), &lse);
  expectNear((*results)[0], expected, 1e-12);
  expectNear((*results)[1], lse, 1e-12);
}

} // namespace
