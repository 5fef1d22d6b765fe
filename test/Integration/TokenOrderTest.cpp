//===- TokenOrderTest.cpp - kernels under token orders --------------------===//
//
// A token order changes which blocks a kernel visits, never its results:
// every pattern with a candidate order, compiled with the order forced and
// with reordering off, matches the float64 reference at awkward sizes
// (N = 1, dilations and strides that do not divide N, Nq != Nk both ways,
// grouped heads), in its output and its lse; the orders are permutations;
// the generated schedule function builds the host's tables.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Runtime/Kernel.h"

#include "mlir/AsmParser/AsmParser.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir::attn;
using attn::testing::KernelTest;
using attn::testing::lseError;
using attn::testing::lseFunc;

namespace {

constexpr double kTolerance = 1e-5;

const char *const kPatterns[] = {
    "#attn.dilated<left = 5, right = 3, dilation = 3>",
    "#attn.dilated<left = 64, right = 64, dilation = 2>",
    "#attn.fixed<stride = 16, summary = 3>",
    "#attn.fixed<stride = 128, summary = 8>",
    "#attn.union<[#attn.dilated<left = 4, right = 4, dilation = 2>, "
    "#attn.global<tokens = [0, 5]>]>",
    "#attn.intersect<[#attn.causal, #attn.dilated<left = 6, right = 0, "
    "dilation = 4>]>",
    // Split into a band and a residue part (attn-reorder), merged.
    "#attn.strided<stride = 7>",
    "#attn.strided<stride = 16>",
    "#attn.strided<stride = 128>",
};

/// The shapes every kernel runs at: B, H, Hkv, Nq, Nk, D.
const ::attn::CallShape kShapes[] = {
    {1, 2, 2, 1, 1, 64},       {1, 2, 2, 7, 7, 64},
    {2, 2, 1, 100, 100, 64},   {1, 4, 2, 257, 257, 64},
    {1, 1, 1, 1000, 1000, 64}, {1, 1, 1, 4099, 4099, 64},
    {1, 2, 2, 100, 257, 64},   {1, 2, 1, 257, 100, 64},
    {1, 2, 2, 1, 257, 64}};

std::string describe(const ::attn::CallShape &shape) {
  return "Nq " + std::to_string(shape.nq) + " Nk " + std::to_string(shape.nk) +
         " H " + std::to_string(shape.heads) + " Hkv " +
         std::to_string(shape.kvHeads);
}

/// Kernels of @f returning (out, lse), checked against the reference.
class OutLseTest : public KernelTest {
protected:
  /// Runs the (out, lse) kernel on `shape`; returns the larger of the
  /// output's relative error and the lse's largest error.
  double check(JitKernel &kernel, const std::string &source,
               ::attn::CallShape shape) {
    auto [b, h, hkv, nq, nk, dim] = shape;
    reference::Tensor q = randomTensor({b, h, nq, dim}, 2.0),
                      k = randomTensor({b, hkv, nk, dim}, 2.0),
                      v = randomTensor({b, hkv, nk, dim});
    std::vector<float> qf(q.data.begin(), q.data.end()),
        kf(k.data.begin(), k.data.end()), vf(v.data.begin(), v.data.end()),
        out(qf.size(), NAN), lse(b * h * nq, NAN);
    absl::Status ran = kernel.run({qf.data(), kf.data(), vf.data()},
                                  {out.data(), lse.data()}, shape, pool);
    EXPECT_TRUE(ran.ok()) << ran;
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(source, &ctx);
    auto func = module->lookupSymbol<mlir::func::FuncOp>("f");
    std::string error;
    auto expected = reference::evaluateAll(func, {q, k, v}, error);
    EXPECT_TRUE(mlir::succeeded(expected)) << error;
    if (mlir::failed(expected))
      return INFINITY;
    reference::Tensor got((*expected)[0].shape);
    got.data.assign(out.begin(), out.end());
    double worst = reference::relativeError(got, (*expected)[0]);
    worst = std::max(worst, lseError(lse, (*expected)[1]));
    return worst;
  }
};

class TokenOrderTest : public OutLseTest,
                       public ::testing::WithParamInterface<const char *> {};

} // namespace

TEST_P(TokenOrderTest, OrderedAndUnorderedKernelsMatchTheReference) {
  std::string source = lseFunc(GetParam());
  auto ordered = compile(source, "f", 0, 64, "force");
  auto original = compile(source, "f", 0, 64, "off");
  ASSERT_TRUE(ordered && original);
  ASSERT_TRUE(ordered->info().getOrder()) << "no candidate order";
  EXPECT_FALSE(original->info().getOrder());
  for (const ::attn::CallShape &shape : kShapes) {
    SCOPED_TRACE(describe(shape));
    EXPECT_LT(check(*ordered, source, shape), kTolerance) << "ordered";
    EXPECT_LT(check(*original, source, shape), kTolerance) << "original";
  }
}

TEST_P(TokenOrderTest, TheScheduleFunctionBuildsTheHostTables) {
  std::string source = lseFunc(GetParam());
  auto kernel = compile(source, "f", 32, 16, "force");
  ASSERT_TRUE(kernel);
  TokenOrderAttrInterface order = kernel->info().getOrder();
  ASSERT_TRUE(order);
  for (auto [nq, nk] :
       {std::pair<int64_t, int64_t>{1, 1}, {100, 100}, {37, 120}, {120, 37}}) {
    absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> generated =
        ::attn::scheduleTables(kernel->getDescriptor(), nq, nk);
    ASSERT_TRUE(generated.ok()) << generated.status();
    EXPECT_EQ(**generated, buildBlockTables(kernel->info().getPattern(), nq, nk,
                                            32, 16, order))
        << "Nq = " << nq << ", Nk = " << nk;
  }
}

INSTANTIATE_TEST_SUITE_P(Patterns, TokenOrderTest,
                         ::testing::ValuesIn(kPatterns));

namespace {
/// @f: `parts` (patterns) on q, k, v, merged; returns the output [and lse].
std::string mergeFunc(const std::vector<std::string> &parts, bool withLse) {
  const std::string t = "tensor<?x?x?x64xf32>", l = "tensor<?x?x?xf32>";
  std::string body, merged;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string n = std::to_string(i);
    body += "  %o" + n + ", %l" + n + " = attn.attention %q, %k, %v pattern(" +
            parts[i] + ") : " + t + ", " + t + ", " + t + " -> " + t + ", " +
            l + "\n";
    merged += std::string(i ? ", " : "") + "%o" + n + ", %l" + n;
  }
  return "func.func @f(%q: " + t + ", %k: " + t + ", %v: " + t + ") -> " +
         (withLse ? "(" + t + ", " + l + ")" : t) + " {\n" + body +
         "  %o, %l = attn.merge " + merged + " : " + t + ", " + l +
         "\n  return %o" + (withLse ? ", %l : " + t + ", " + l : " : " + t) +
         "\n}\n";
}
} // namespace

TEST_F(OutLseTest, AMergeOfPartsIsOneKernelOfStages) {
  // Two banded parts and one with tables; the first fully masks the first
  // row (no key before it), Nq != Nk both ways, grouped heads.
  std::string source =
      mergeFunc({"#attn.window<left = 9, right = -1>", "#attn.causal",
                 "#attn.global<tokens = [0, 3]>"},
                /*withLse=*/true);
  auto kernel = compile(source, "f", 0, 64, "off");
  ASSERT_TRUE(kernel);
  EXPECT_EQ(kernel->getDescriptor().stages, 3);
  EXPECT_EQ(kernel->getDescriptor().rowScratch, 0);
  for (const ::attn::CallShape &shape : kShapes) {
    SCOPED_TRACE(describe(shape));
    EXPECT_LT(check(*kernel, source, shape), kTolerance);
  }
}

TEST_F(KernelTest, MergedPartsWithoutAnLseCarryItInScratch) {
  std::string source = "func.func @f(%q: tensor<?x?x?x64xf32>, %k: "
                       "tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> "
                       "tensor<?x?x?x64xf32> {\n"
                       "  %o = attn.attention %q, %k, %v "
                       "pattern(#attn.strided<stride = 16>) : "
                       "tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, "
                       "tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>\n"
                       "  return %o : tensor<?x?x?x64xf32>\n}\n";
  auto kernel = compile(source, "f", 0, 64, "force");
  ASSERT_TRUE(kernel);
  EXPECT_EQ(kernel->getDescriptor().stages, 2);
  EXPECT_EQ(kernel->getDescriptor().rowScratch, 1);
  for (const ::attn::CallShape &shape : kShapes) {
    SCOPED_TRACE(describe(shape));
    EXPECT_LT(relativeError(*kernel, source, "f", shape, 2.0), kTolerance);
  }
}

TEST_F(KernelTest, TokenOrdersArePermutations) {
  std::vector<TokenOrderAttrInterface> orders;
  for (const char *text :
       {"#attn.residue_order<modulus = 2>", "#attn.residue_order<modulus = 3>",
        "#attn.residue_order<modulus = 64>",
        "#attn.summary_order<stride = 16, summary = 3>",
        "#attn.summary_order<stride = 8, summary = 8>",
        "#attn.summary_order<stride = 8, summary = 0>",
        "#attn.summary_order<stride = 128, summary = 8>"})
    orders.push_back(
        mlir::cast<TokenOrderAttrInterface>(mlir::parseAttribute(text, &ctx)));
  for (TokenOrderAttrInterface order : orders)
    for (int64_t n : {1, 2, 7, 63, 100, 257, 1000}) {
      std::vector<int64_t> keys, rows;
      for (int64_t u = 0; u < n; ++u) {
        keys.push_back(order.getKey(u, n));
        rows.push_back(order.getQueryRow(u, n));
      }
      std::vector<int64_t> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int64_t> identity(n);
      std::iota(identity.begin(), identity.end(), 0);
      EXPECT_EQ(sorted, identity) << "keys of N = " << n;
      std::sort(rows.begin(), rows.end());
      EXPECT_EQ(rows, identity) << "rows of N = " << n;
    }
  // Residue order of 7 by 3: 0, 3, 6 | 1, 4 | 2, 5.
  EXPECT_EQ(orders[1].getKey(2, 7), 6);
  EXPECT_EQ(orders[1].getKey(3, 7), 1);
  EXPECT_EQ(orders[1].getKey(6, 7), 5);
  // Summary keys of stripes of 16 (the last 3 of each) first: 13, 14, 15, 29.
  EXPECT_EQ(orders[3].getKey(3, 30), 29);
  EXPECT_EQ(orders[3].getKey(4, 30), 0);
}
