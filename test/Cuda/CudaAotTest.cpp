//===- CudaAotTest.cpp - GPU kernels from attn-compile, called from C++ ---===//
//
// The kernels of kernels.mlir were compiled at build time for sm_80 and
// sm_90 (cubins + PTX); this test calls them through the generated header,
// like a user's program. Without a GPU it checks the errors: shapes and
// element types first, then "no CUDA driver" / "no CUDA device", nothing
// crashing. With a GPU it checks every kernel against the float64 reference,
// through the C entry points and the C++ API, fully masked rows included.
//
//===----------------------------------------------------------------------===//

#include "cuda_test_kernels.h"

#include "CudaTestSupport.h"

#include "attn/InitAll.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

using namespace ::attn::testing;

namespace {

class CudaAotTest : public ::testing::Test {
protected:
  CudaAotTest() {
    mlir::DialectRegistry registry;
    mlir::attn::registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }
  mlir::attn::MaskPatternAttrInterface pattern(const std::string &text) {
    return llvm::cast<mlir::attn::MaskPatternAttrInterface>(
        mlir::parseAttribute(text, &ctx));
  }
  mlir::MLIRContext ctx;
  std::mt19937_64 rng{std::random_device{}()};
};

/// Any 16-byte aligned address: the calls below fail before using it.
alignas(16) char dummy[64];

} // namespace

TEST_F(CudaAotTest, ShapeAndTypeErrorsComeFirst) {
  // D = 32 for a D = 64 kernel: refused before any driver call.
  EXPECT_NE(
      attn_causal_cuda(dummy, dummy, dummy, dummy, 1, 1, 1, 8, 8, 32, nullptr),
      0);
  EXPECT_NE(std::string(attn_last_error()).find("head dimension 32"),
            std::string::npos)
      << attn_last_error();
  // The static [1, 2, 200, 64] of @longformer.
  EXPECT_NE(attn_longformer_cuda(dummy, dummy, dummy, dummy, 1, 2, 2, 100, 100,
                                 64, nullptr),
            0);
  EXPECT_NE(std::string(attn_last_error()).find("has shape [1, 2, 100, 64]"),
            std::string::npos)
      << attn_last_error();
  // An f32 view for a bf16 kernel.
  attn::DeviceTensorView view(dummy, {1, 1, 2, 64}, attn::DType::F32);
  attn::MutableDeviceTensorView out(dummy, {1, 1, 2, 64}, attn::DType::F32);
  absl::Status status = attn::kernels::causal(view, view, view, out);
  EXPECT_NE(status.message().find("the kernel's is bf16"), std::string::npos)
      << status.message();
  // No work: nothing to launch, no driver needed.
  EXPECT_EQ(attn_causal_cuda(dummy, dummy, dummy, dummy, 0, 4, 4, 10, 10, 64,
                             nullptr),
            0);
  EXPECT_STREQ(attn_last_error(), "");
}

TEST_F(CudaAotTest, WithoutAGpuEveryCallFailsCleanly) {
  if (attn::cuda::ensureContext().ok())
    GTEST_SKIP() << "a GPU is present";
  EXPECT_NE(
      attn_causal_cuda(dummy, dummy, dummy, dummy, 1, 1, 1, 8, 8, 64, nullptr),
      0);
  std::string message = attn_last_error();
  EXPECT_TRUE(message.rfind("no CUDA driver", 0) == 0 ||
              message.rfind("no CUDA device", 0) == 0)
      << message;
  attn::DeviceTensorView view(dummy, {1, 1, 2, 64}, attn::DType::BF16);
  attn::MutableDeviceTensorView out(dummy, {1, 1, 2, 64}, attn::DType::BF16);
  absl::Status status = attn::kernels::bigbird(view, view, view, out);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(std::string(status.message()), message);
}

TEST_F(CudaAotTest, EveryKernelMatchesTheReferenceOnTheGpu) {
  REQUIRE_CUDA_DEVICE();
  struct Case {
    const char *name;
    int (*entry)(const void *, const void *, const void *, void *, int64_t,
                 int64_t, int64_t, int64_t, int64_t, int64_t, void *);
    std::string pattern;
    attn::ElementKind kind;
    attn::CallShape shape;
  };
  const Case cases[] = {
      {"causal",
       attn_causal_cuda,
       "#attn.causal",
       attn::kElementBF16,
       {2, 3, 3, 150, 150, 64}},
      {"causal, Nq > Nk",
       attn_causal_cuda,
       "#attn.causal",
       attn::kElementBF16,
       {1, 2, 2, 100, 60, 64}},
      {"causal, N = 1",
       attn_causal_cuda,
       "#attn.causal",
       attn::kElementBF16,
       {1, 1, 1, 1, 1, 64}},
      {"gqa",
       attn_gqa_cuda,
       "#attn.window<left = 40, right = 0>",
       attn::kElementF16,
       {2, 8, 2, 130, 130, 32}},
      {"longformer",
       attn_longformer_cuda,
       "#attn.union<[#attn.window<left = 32, right = 32>, #attn.global<tokens "
       "= [0, 1]>]>",
       attn::kElementBF16,
       {1, 2, 2, 200, 200, 64}},
      {"bigbird",
       attn_bigbird_cuda,
       "#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = "
       "9>",
       attn::kElementBF16,
       {1, 2, 2, 1000, 1000, 64}},
      {"dense f32",
       attn_dense_cuda,
       "#attn.dense",
       attn::kElementF32,
       {2, 2, 2, 77, 123, 40}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    HostTensor q, k, v;
    std::vector<float> out = runOnDevice(
        [&](const void *qd, const void *kd, const void *vd, void *od,
            const attn::CallShape &s) {
          if (c.entry(qd, kd, vd, od, s.batch, s.heads, s.kvHeads, s.nq, s.nk,
                      s.headDim, nullptr) != 0)
            return absl::InternalError(attn_last_error());
          return absl::OkStatus();
        },
        c.shape, c.kind, rng, q, k, v);
    double error = errorAgainstReference(out, q, k, v, pattern(c.pattern),
                                         1.0 / std::sqrt(c.shape.headDim));
    EXPECT_LT(error, toleranceFor(c.kind));
    // Rows before the first key see nothing.
    for (int64_t i = 0; i < c.shape.nq - c.shape.nk; ++i) {
      for (int64_t d = 0; d < c.shape.headDim; ++d) {
        ASSERT_EQ(out[i * c.shape.headDim + d], 0.0f) << "row " << i;
      }
    }
  }
}

TEST_F(CudaAotTest, TheCppApiTakesDeviceViews) {
  REQUIRE_CUDA_DEVICE();
  attn::CallShape shape{1, 4, 4, 333, 333, 64};
  HostTensor q, k, v;
  std::vector<float> out = runOnDevice(
      [&](const void *qd, const void *kd, const void *vd, void *od,
          const attn::CallShape &s) {
        std::array<int64_t, 4> dims = {s.batch, s.heads, s.nq, s.headDim};
        return attn::kernels::bigbird(
            attn::DeviceTensorView(qd, dims, attn::DType::BF16),
            attn::DeviceTensorView(kd, dims, attn::DType::BF16),
            attn::DeviceTensorView(vd, dims, attn::DType::BF16),
            attn::MutableDeviceTensorView(od, dims, attn::DType::BF16));
      },
      shape, attn::kElementBF16, rng, q, k, v);
  EXPECT_LT(errorAgainstReference(
                out, q, k, v,
                pattern("#attn.bigbird<block = 16, window = 3, global = 1, "
                        "random = 2, seed = 9>"),
                0.125),
            1e-2);
}
