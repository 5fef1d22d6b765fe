//===- CudaRandomKernelsTest.cpp - odd configurations never crash ---------===//
//
// Random element types, head dimensions, tile sizes and patterns through
// attn-cuda-pipeline to PTX: each either compiles (and then holds the
// kernel's entry) or fails with one convert-attn-to-gpu / attn-sparsify
// diagnostic; nothing aborts.
//
//===----------------------------------------------------------------------===//

#include "CudaTestSupport.h"

#include "attn/InitAll.h"
#include "attn/Target/CUDA/CudaCompiler.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::attn;
using namespace ::attn::testing;

TEST(CudaRandomKernels, CompileOrFailCleanly) {
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  const char *elements[] = {"f32", "f16", "bf16"};
  const char *patterns[] = {
      "#attn.dense",
      "#attn.causal",
      "#attn.window<left = 5, right = 70>",
      "#attn.dilated<left = 9, right = 3, dilation = 4>",
      "#attn.global<tokens = [3]>",
      "#attn.strided<stride = 7>",
      "#attn.fixed<stride = 16, summary = 3>",
      "#attn.bigbird<block = 8, window = 1, global = 1, random = 1, seed = 3>",
      "#attn.block_sparse<block = 20, layout = dense<[[true, false], [false, "
      "true]]> : tensor<2x2xi1>>",
      "#attn.intersect<[#attn.causal, #attn.strided<stride = 3>]>"};
  const int64_t tilesQ[] = {16, 32, 48, 64, 96, 128, 256};
  std::mt19937_64 rng(std::random_device{}());
  int compiled = 0;
  for (int trial = 0; trial < 24; ++trial) {
    std::string element = elements[rng() % 3];
    int64_t d = 1 + rng() % 160;
    if (rng() % 2)
      d = 16 * (1 + rng() % 8); // often a valid tensor-core size
    std::string pattern = patterns[rng() % std::size(patterns)];
    std::string source = attentionFunction(pattern, d, element);
    AttnCUDAPipelineOptions options;
    options.tileQ = tilesQ[rng() % std::size(tilesQ)];
    options.tileK = 4 * (1 + rng() % 32);
    options.chips = SmallVector<std::string>{"sm_90"};
    SCOPED_TRACE(source + "tile-q = " + std::to_string(options.tileQ) +
                 ", tile-k = " + std::to_string(options.tileK));
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
    ASSERT_TRUE(module);
    std::string error;
    std::unique_ptr<CudaCompileResult> result =
        compileForCUDA(*module, options, /*ptxas=*/"", /*hostCpu=*/"", error);
    if (!result) {
      EXPECT_TRUE(error.find("convert-attn-to-gpu: @f") != std::string::npos ||
                  error.find("attn-sparsify: ") != std::string::npos)
          << error;
      continue;
    }
    ++compiled;
    ASSERT_EQ(result->images.size(), 1u);
    EXPECT_NE(result->images[0].ptx.find(".entry attn_kernel_f("),
              std::string::npos);
  }
  EXPECT_GT(compiled, 0);
}
