//===- CudaPatternsTest.cpp - every pattern kind on the GPU ---------------===//
//
// The GPU counterpart of test/Integration's pattern tests (runs only where a
// GPU is present): every pattern kind in bf16 (tensor cores) and f32 (SIMT)
// against the float64 reference on the same rounded inputs, at N = 1, N
// below and not a multiple of the tile, Nq != Nk both ways, grouped and
// multi-query heads, large logits, and a layout with fully masked rows.
//
//===----------------------------------------------------------------------===//

#include "CudaTestSupport.h"

#include "attn/InitAll.h"
#include "attn/Target/CUDA/CudaJitKernel.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;
using namespace mlir::attn;
using namespace ::attn::testing;

namespace {

class CudaPatternsTest : public ::testing::Test {
protected:
  CudaPatternsTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// @f: one attn.attention with `pattern` on [?, ?, ?, 64] tensors.
  std::unique_ptr<CudaJitKernel> compile(const std::string &pattern,
                                         const std::string &element) {
    std::string source = attentionFunction(pattern, 64, element);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
    EXPECT_TRUE(module);
    if (!module)
      return nullptr;
    std::string error;
    auto kernel =
        CudaJitKernel::compile(*module, "f", AttnCUDAPipelineOptions(), error);
    EXPECT_TRUE(kernel) << error;
    return kernel;
  }

  /// Runs `kernel` on fresh inputs of `shape`; the relative error against
  /// the reference of `pattern`. `out` receives the output.
  double run(CudaJitKernel &kernel, const std::string &pattern,
             const ::attn::CallShape &shape, double range,
             std::vector<float> *out = nullptr) {
    auto kind = static_cast<::attn::ElementKind>(
        kernel.getDescriptor().tensors[0].element);
    HostTensor q, k, v;
    std::vector<float> result = runOnDevice(
        [&](const void *qd, const void *kd, const void *vd, void *od,
            const ::attn::CallShape &s) {
          return kernel.launch(qd, kd, vd, od, s);
        },
        shape, kind, rng, q, k, v, range);
    if (out)
      *out = result;
    return errorAgainstReference(
        result, q, k, v,
        cast<MaskPatternAttrInterface>(parseAttribute(pattern, &ctx)), 0.125);
  }

  MLIRContext ctx;
  std::mt19937_64 rng{std::random_device{}()};
};

} // namespace

TEST_F(CudaPatternsTest, EveryPatternKind) {
  REQUIRE_CUDA_DEVICE();
  const char *patterns[] = {
      "#attn.dense",
      "#attn.causal",
      "#attn.window<left = 20, right = 5>",
      "#attn.dilated<left = 8, right = 8, dilation = 3>",
      "#attn.global<tokens = [0, 3, 50]>",
      "#attn.strided<stride = 16>",
      "#attn.fixed<stride = 32, summary = 4>",
      "#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = "
      "7>",
      "#attn.block_sparse<block = 40, layout = dense<[[true, false, false], "
      "[true, true, false], [false, true, true]]> : tensor<3x3xi1>>",
      "#attn.union<[#attn.window<left = 8, right = 8>, #attn.global<tokens = "
      "[1]>]>",
      "#attn.intersect<[#attn.causal, #attn.window<left = 30, right = 30>]>",
  };
  for (const char *element : {"bf16", "f32"})
    for (const char *pattern : patterns) {
      SCOPED_TRACE(std::string(pattern) + " " + element);
      auto kernel = compile(pattern, element);
      ASSERT_TRUE(kernel);
      double tolerance = toleranceFor(static_cast<::attn::ElementKind>(
          kernel->getDescriptor().tensors[0].element));
      for (::attn::CallShape shape : {::attn::CallShape{1, 1, 1, 1, 1, 64},
                                      {2, 2, 2, 7, 7, 64},
                                      {1, 2, 2, 100, 100, 64},
                                      {1, 1, 1, 1000, 1000, 64},
                                      {1, 2, 2, 1, 300, 64},
                                      {1, 2, 2, 300, 100, 64},
                                      {2, 4, 1, 70, 70, 64},
                                      {2, 4, 2, 70, 70, 64}})
        EXPECT_LT(run(*kernel, pattern, shape, 1.0), tolerance)
            << "B = " << shape.batch << ", H = " << shape.heads
            << ", Hkv = " << shape.kvHeads << ", Nq = " << shape.nq
            << ", Nk = " << shape.nk;
      // Logits in the hundreds: the online softmax must not overflow.
      EXPECT_LT(run(*kernel, pattern, {1, 1, 1, 200, 200, 64}, 8.0), tolerance);
    }
}

TEST_F(CudaPatternsTest, FullyMaskedRowsAreZero) {
  REQUIRE_CUDA_DEVICE();
  // Block row 1 of the layout is empty: queries 16..31 see no key.
  const char *pattern =
      "#attn.block_sparse<block = 16, layout = dense<[[true, false, false], "
      "[false, false, false], [true, false, true]]> : tensor<3x3xi1>>";
  for (const char *element : {"bf16", "f32"}) {
    SCOPED_TRACE(element);
    auto kernel = compile(pattern, element);
    ASSERT_TRUE(kernel);
    std::vector<float> out;
    EXPECT_LT(run(*kernel, pattern, {1, 1, 1, 48, 48, 64}, 1.0, &out),
              toleranceFor(static_cast<::attn::ElementKind>(
                  kernel->getDescriptor().tensors[0].element)));
    for (int64_t i = 16; i < 32; ++i) {
      for (int64_t d = 0; d < 64; ++d) {
        ASSERT_EQ(out[i * 64 + d], 0.0f) << "row " << i;
      }
    }
  }
}
