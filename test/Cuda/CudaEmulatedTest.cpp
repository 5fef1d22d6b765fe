//===- CudaEmulatedTest.cpp - the GPU kernels' IR, run on the host --------===//
//
// Without a GPU, what the GPU kernels compute is still checked: the
// gpu.func of convert-attn-to-gpu runs in the test's emulator
// (GpuEmulator.h: threads in lockstep, mma.sync and shuffles by the PTX
// ISA's definitions) on random inputs rounded to the element type, and the
// output is compared with the float64 reference: tensor-core kernels (bf16,
// f16) and the SIMT kernel (f32), banded, tables and static tables, several
// key blocks per query block, N = 1, N not a multiple of the tile, Nq != Nk
// both ways, grouped heads, fully masked rows; a missing barrier shows as a
// shared-memory race. What it cannot see: the lowering to NVVM and PTX.
//
//===----------------------------------------------------------------------===//

#include "CudaTestSupport.h"
#include "EmulatedAttention.h"

#include "attn/InitAll.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Target/CUDA/CudaCompiler.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::attn;
using namespace ::attn::testing;

namespace {

class CudaEmulatedTest : public ::testing::Test {
protected:
  CudaEmulatedTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// Relative error of the emulated kernel of `pattern` on `shape` against
  /// the reference; `zeroRows` receives the rows that came out exactly 0.
  double emulate(const std::string &pattern, const std::string &element,
                 const ::attn::CallShape &shape, int64_t tileK,
                 std::vector<int64_t> *zeroRows = nullptr) {
    std::string source = attentionFunction(pattern, shape.headDim, element);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
    EXPECT_TRUE(module);
    AttnCUDAPipelineOptions options;
    options.tileK = tileK;
    PassManager pm(&ctx);
    buildAttnCUDAKernelPasses(pm, options);
    std::string error;
    EXPECT_TRUE(succeeded(runCollectingError(pm, *module, error))) << error;
    auto p = cast<MaskPatternAttrInterface>(parseAttribute(pattern, &ctx));
    auto kind = elementKindNamed(element);
    HostTensor q, k, v;
    randomInputs(rng, shape, kind, q, k, v);
    std::vector<float> out =
        emulateAttention(*module, "f", shape, q, k, v, error);
    EXPECT_EQ(error, "");
    if (out.empty())
      return INFINITY;
    if (zeroRows)
      for (int64_t row = 0; row < shape.nq; ++row)
        if (std::all_of(out.begin() + row * shape.headDim,
                        out.begin() + (row + 1) * shape.headDim,
                        [](float x) { return x == 0.0f; }))
          zeroRows->push_back(row);
    return errorAgainstReference(out, q, k, v, p,
                                 1.0 / std::sqrt(double(shape.headDim)));
  }

  MLIRContext ctx;
  std::mt19937_64 rng{std::random_device{}()};
};

} // namespace

TEST_F(CudaEmulatedTest, TensorCoreAndSimtKernelsMatchTheReference) {
  const char *patterns[] = {
      "#attn.dense", "#attn.causal", "#attn.window<left = 9, right = 20>",
      "#attn.bigbird<block = 8, window = 1, global = 1, random = 1, seed = 4>",
      "#attn.union<[#attn.window<left = 4, right = 4>, #attn.global<tokens = "
      "[2]>]>"};
  const ::attn::CallShape shapes[] = {{1, 1, 1, 1, 1, 16},
                                      {1, 2, 2, 37, 37, 16},
                                      {1, 1, 1, 70, 45, 32},
                                      {1, 1, 1, 20, 83, 16},
                                      {1, 4, 2, 33, 33, 16}};
  for (const char *element : {"bf16", "f16", "f32"})
    for (const char *pattern : patterns)
      for (const ::attn::CallShape &shape : shapes) {
        SCOPED_TRACE(std::string(element) + " " + pattern +
                     ", H = " + std::to_string(shape.heads) +
                     ", Hkv = " + std::to_string(shape.kvHeads) +
                     ", Nq = " + std::to_string(shape.nq) +
                     ", Nk = " + std::to_string(shape.nk) +
                     ", D = " + std::to_string(shape.headDim));
        double tolerance = std::string(element) == "f32" ? 1e-5 : 1e-2;
        EXPECT_LT(emulate(pattern, element, shape, /*tileK=*/16), tolerance);
      }
}

TEST_F(CudaEmulatedTest, DefaultTilesAtD64) {
  // The configuration of the examples: 64 x 64 tiles, D = 64, 4 warps.
  for (const char *element : {"bf16", "f32"})
    for (const char *pattern : {"#attn.causal", "#attn.dense"}) {
      SCOPED_TRACE(std::string(element) + " " + pattern);
      EXPECT_LT(emulate(pattern, element, {1, 1, 1, 130, 130, 64}, 64),
                std::string(element) == "f32" ? 1e-5 : 1e-2);
    }
}

TEST_F(CudaEmulatedTest, FullyMaskedRowsAreZero) {
  // Block row 1 of the layout is empty: queries 16..31 see no key; with
  // causal and Nq > Nk the first Nq - Nk rows see none either.
  const char *layout =
      "#attn.block_sparse<block = 16, layout = dense<[[true, false, false], "
      "[false, false, false], [true, false, true]]> : tensor<3x3xi1>>";
  for (const char *element : {"bf16", "f32"}) {
    SCOPED_TRACE(element);
    std::vector<int64_t> zeroRows;
    EXPECT_LT(emulate(layout, element, {1, 1, 1, 48, 48, 16}, 16, &zeroRows),
              std::string(element) == "f32" ? 1e-5 : 1e-2);
    std::vector<int64_t> expected;
    for (int64_t row = 16; row < 32; ++row)
      expected.push_back(row);
    EXPECT_EQ(zeroRows, expected);
    zeroRows.clear();
    emulate("#attn.causal", element, {1, 1, 1, 50, 20, 16}, 16, &zeroRows);
    expected.clear();
    for (int64_t row = 0; row < 30; ++row)
      expected.push_back(row);
    EXPECT_EQ(zeroRows, expected);
  }
}

// The kernel contract beyond (q, k, v) -> out: with the lse result the
// kernel has five buffers, two of them results. Both kernels write the lse
// of every row (the tensor-core one from one thread of each quad), -inf for
// a fully masked row, and ptxas accepts them.
TEST_F(CudaEmulatedTest, TheLseResultMatchesTheReference) {
  const char *patterns[] = {"#attn.causal", "#attn.window<left = 9, right = 3>",
                            "#attn.global<tokens = [3]>"};
  const ::attn::CallShape shapes[] = {
      {1, 1, 1, 1, 1, 16}, {1, 4, 2, 37, 70, 16}, {1, 1, 1, 50, 20, 32}};
  for (const char *element : {"bf16", "f32"})
    for (const char *pattern : patterns)
      for (const ::attn::CallShape &shape : shapes) {
        SCOPED_TRACE(std::string(element) + " " + pattern +
                     ", Nq = " + std::to_string(shape.nq) +
                     ", Nk = " + std::to_string(shape.nk));
        std::string source =
            attentionFunction(pattern, shape.headDim, element, true);
        OwningOpRef<ModuleOp> module =
            parseSourceString<ModuleOp>(source, &ctx);
        ASSERT_TRUE(module);
        AttnCUDAPipelineOptions options;
        options.tileK = 16;
        PassManager pm(&ctx);
        buildAttnCUDAKernelPasses(pm, options);
        std::string error;
        ASSERT_TRUE(succeeded(runCollectingError(pm, *module, error))) << error;
        auto p = cast<MaskPatternAttrInterface>(parseAttribute(pattern, &ctx));
        HostTensor q, k, v;
        randomInputs(rng, shape, elementKindNamed(element), q, k, v);
        std::vector<float> lse;
        std::vector<float> out =
            emulateAttention(*module, "f", shape, q, k, v, error, &lse);
        ASSERT_EQ(error, "");
        double scale = 1.0 / std::sqrt(double(shape.headDim));
        EXPECT_LT(errorAgainstReference(out, q, k, v, p, scale),
                  std::string(element) == "f32" ? 1e-5 : 1e-2);
        reference::Tensor expectedLse;
        reference::attention(q.asReference(), k.asReference(), v.asReference(),
                             p, scale, &expectedLse);
        ASSERT_EQ(lse.size(), expectedLse.data.size());
        for (size_t i = 0; i < lse.size(); ++i) {
          double e = expectedLse.data[i];
          if (std::isinf(e))
            EXPECT_EQ(lse[i], e) << "row " << i;
          else
            // lse is summed in f32 from the f32 scores in both kernels.
            EXPECT_NEAR(lse[i], e, 1e-5 * std::max(1.0, std::abs(e)))
                << "row " << i;
        }
      }
  // The same functions through PTX and ptxas.
  std::string ptxas = findPtxas();
  if (ptxas.empty())
    GTEST_SKIP() << "no ptxas";
  for (const char *element : {"bf16", "f32"}) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
        attentionFunction("#attn.causal", 64, element, true), &ctx);
    AttnCUDAPipelineOptions options;
    std::string error;
    std::unique_ptr<CudaCompileResult> result =
        compileForCUDA(*module, options, ptxas, "", error);
    ASSERT_TRUE(result) << error;
    ASSERT_EQ(result->images.size(), 2u);
    for (const CudaImageCode &image : result->images) {
      EXPECT_FALSE(image.cubin.empty()) << image.chip;
      EXPECT_NE(image.ptx.find("lg2.approx.f32"), std::string::npos);
    }
    EXPECT_EQ(result->kernels.front().getResults().size(), 2u);
  }
}
