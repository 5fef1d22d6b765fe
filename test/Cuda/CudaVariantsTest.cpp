//===- CudaVariantsTest.cpp - every example variant on the GPU ------------===//
//
// Every example variant, in f32 (SIMT kernel), f16 and bf16 (tensor-core
// kernel), compiled by attn-cuda-pipeline for sm_80 and sm_90: without a GPU
// the test checks that the PTX of both architectures exists and that ptxas
// accepts it (skipping only where ptxas is absent); with a GPU it also runs
// each kernel on fresh random inputs at awkward sizes (N = 1, N not a
// multiple of the tile, Nq != Nk both ways, grouped heads) and compares with
// the float64 reference on the same rounded inputs.
//
//===----------------------------------------------------------------------===//

#include "CudaTestSupport.h"
#include "EmulatedAttention.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/InitAll.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Target/CUDA/CudaJitKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fstream>
#include <regex>
#include <sstream>

using namespace mlir;
using namespace mlir::attn;
using namespace ::attn::testing;

namespace {

struct Variant {
  std::string file, element;
};

/// How gtest (and so ctest) names a variant: "longformer_bf16".
std::string variantName(const Variant &variant) {
  return llvm::sys::path::stem(variant.file).str() + "_" + variant.element;
}
void PrintTo(const Variant &variant, std::ostream *os) {
  *os << variantName(variant);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<Variant> allVariants() {
  std::vector<std::string> files;
  std::error_code ec;
  std::string dir = std::string(ATTN_SOURCE_DIR) + "/examples/variants";
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".mlir")
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::vector<Variant> variants;
  for (const std::string &file : files)
    for (const char *element : {"f32", "f16", "bf16"})
      variants.push_back({file, element});
  return variants;
}

class CudaVariantsTest : public ::testing::TestWithParam<Variant> {
protected:
  CudaVariantsTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// The example with its element type replaced by `element`.
  std::string sourceIn(const std::string &element) {
    std::string source = readFile(GetParam().file);
    return std::regex_replace(source, std::regex("f32>"), element + ">");
  }

  /// The example in `element`, compiled for sm_80 and sm_90.
  std::unique_ptr<CudaJitKernel> compile(const std::string &element) {
    std::string source = sourceIn(element);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
    EXPECT_TRUE(module);
    if (!module)
      return nullptr;
    std::string error;
    std::unique_ptr<CudaJitKernel> kernel = CudaJitKernel::compile(
        *module, functionName(source), AttnCUDAPipelineOptions(), error);
    EXPECT_TRUE(kernel) << error;
    return kernel;
  }

  static std::string functionName(const std::string &source) {
    size_t at = source.find("func.func @") + std::string("func.func @").size();
    return source.substr(at, source.find('(', at) - at);
  }

  /// The f32 original of the example (the reference evaluates it on the
  /// rounded inputs); `holder` keeps its module.
  func::FuncOp referenceFunction(OwningOpRef<ModuleOp> &holder,
                                 const std::string &name) {
    holder = parseSourceString<ModuleOp>(sourceIn("f32"), &ctx);
    return holder->lookupSymbol<func::FuncOp>(name);
  }

  /// The call's sizes: the example's static ones, else these.
  static ::attn::CallShape shapeFor(func::FuncOp func, int64_t batch,
                                    int64_t heads, int64_t nq, int64_t nk) {
    auto qType = cast<RankedTensorType>(func.getArgumentTypes()[0]);
    auto kType = cast<RankedTensorType>(func.getArgumentTypes()[1]);
    auto fixed = [](RankedTensorType type, unsigned d, int64_t otherwise) {
      return type.isDynamicDim(d) ? otherwise : type.getDimSize(d);
    };
    return {fixed(qType, 0, batch), fixed(qType, 1, heads),
            fixed(kType, 1, heads), fixed(qType, 2, nq),
            fixed(kType, 2, nk),    qType.getDimSize(3)};
  }

  /// ‖out − ref‖ / ‖ref‖ with `func` evaluated by the reference.
  static double errorAgainst(func::FuncOp func, const HostTensor &q,
                             const HostTensor &k, const HostTensor &v,
                             const std::vector<float> &out) {
    std::string error;
    FailureOr<reference::Tensor> expected = reference::evaluate(
        func, {q.asReference(), k.asReference(), v.asReference()}, error);
    EXPECT_TRUE(succeeded(expected)) << error;
    if (failed(expected))
      return INFINITY;
    reference::Tensor actual(q.shape);
    actual.data.assign(out.begin(), out.end());
    return reference::relativeError(actual, *expected);
  }

  MLIRContext ctx;
  std::mt19937_64 rng{std::random_device{}()};
};

} // namespace

TEST_P(CudaVariantsTest, CompilesForSm80AndSm90) {
  const Variant &variant = GetParam();
  std::unique_ptr<CudaJitKernel> kernel = compile(variant.element);
  ASSERT_TRUE(kernel);
  EXPECT_EQ(typeName(computeTypeOf(kernel->info())), variant.element);
  const ::attn::CudaKernelDescriptor &descriptor = kernel->getDescriptor();
  std::vector<std::string> ptxTargets;
  for (int64_t i = 0; i < descriptor.numImages; ++i)
    if (descriptor.images[i].isPtx) {
      std::string ptx(static_cast<const char *>(descriptor.images[i].data));
      ptxTargets.push_back(descriptor.images[i].arch);
      EXPECT_NE(ptx.find(".target " + ptxTargets.back()), std::string::npos);
      if (variant.element != "f32") { // tensor cores: m16n8k16 mma.sync
        EXPECT_NE(ptx.find("mma.sync.aligned.m16n8k16.row.col.f32." +
                           variant.element + "." + variant.element + ".f32"),
                  std::string::npos);
      }
    }
  EXPECT_EQ(ptxTargets, (std::vector<std::string>{"sm_80", "sm_90"}));
  if (findPtxas().empty())
    GTEST_SKIP() << "ptxas not found (set ATTN_PTXAS or CUDA_HOME): the PTX "
                    "was not assembled";
  EXPECT_TRUE(kernel->hasCubins());
}

// Without a GPU: the kernel's IR in the emulator (EmulatedAttention.h)
// against the reference, at one awkward size (static sizes win).
TEST_P(CudaVariantsTest, EmulatedKernelMatchesTheReference) {
  std::string source = sourceIn(GetParam().element);
  std::string name = functionName(source);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  ASSERT_TRUE(module);
  PassManager pm(&ctx);
  buildAttnCUDAKernelPasses(pm, AttnCUDAPipelineOptions());
  std::string error;
  ASSERT_TRUE(succeeded(runCollectingError(pm, *module, error))) << error;

  OwningOpRef<ModuleOp> original;
  func::FuncOp func = referenceFunction(original, name);
  ::attn::CallShape shape = shapeFor(func, 1, 2, 77, 150);
  auto kind = elementKindNamed(GetParam().element);
  HostTensor q, k, v;
  randomInputs(rng, shape, kind, q, k, v);
  std::vector<float> out =
      emulateAttention(*module, name, shape, q, k, v, error);
  ASSERT_EQ(error, "");
  EXPECT_LT(errorAgainst(func, q, k, v, out), toleranceFor(kind));
}

TEST_P(CudaVariantsTest, MatchesTheReferenceOnTheGpu) {
  REQUIRE_CUDA_DEVICE();
  std::unique_ptr<CudaJitKernel> kernel = compile(GetParam().element);
  ASSERT_TRUE(kernel);
  std::string name = kernel->info().getName().str();
  const ::attn::CudaKernelDescriptor &descriptor = kernel->getDescriptor();
  OwningOpRef<ModuleOp> original;
  func::FuncOp func = referenceFunction(original, name);
  auto kind = static_cast<::attn::ElementKind>(descriptor.tensors[0].element);
  struct Case {
    int64_t batch, heads, nq, nk;
  };
  const Case cases[] = {{1, 1, 1, 1},      {2, 3, 7, 7},      {1, 2, 64, 64},
                        {1, 2, 100, 100},  {1, 1, 257, 1000}, {1, 2, 300, 77},
                        {1, 1, 1000, 1000}};
  for (Case c : cases) {
    ::attn::CallShape shape = shapeFor(func, c.batch, c.heads, c.nq, c.nk);
    SCOPED_TRACE("B = " + std::to_string(shape.batch) +
                 ", H = " + std::to_string(shape.heads) +
                 ", Hkv = " + std::to_string(shape.kvHeads) +
                 ", Nq = " + std::to_string(shape.nq) +
                 ", Nk = " + std::to_string(shape.nk));
    HostTensor q, k, v;
    std::vector<float> out = runOnDevice(
        [&](const void *qd, const void *kd, const void *vd, void *od,
            const ::attn::CallShape &s) {
          return kernel->launch(qd, kd, vd, od, s);
        },
        shape, kind, rng, q, k, v);
    EXPECT_LT(errorAgainst(func, q, k, v, out), toleranceFor(kind));
    if (!cast<RankedTensorType>(func.getArgumentTypes()[0]).isDynamicDim(2))
      break; // one size for a static sequence length
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, CudaVariantsTest,
                         ::testing::ValuesIn(allVariants()),
                         [](const ::testing::TestParamInfo<Variant> &info) {
                           return variantName(info.param);
                         });

// An irregular pattern with a run-time N: the in-process kernel takes its
// tables from the generated schedule function, JIT-compiled for the host;
// for a leaf pattern they equal the host scheduler's exactly.
TEST(CudaJitKernel, BuildsTablesWithTheGeneratedScheduleFunction) {
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  const char *pattern =
      "#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = 5>";
  std::string source = attentionFunction(pattern, 64, "bf16");
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  ASSERT_TRUE(module);
  std::string error;
  std::unique_ptr<CudaJitKernel> kernel =
      CudaJitKernel::compile(*module, "f", AttnCUDAPipelineOptions(), error);
  ASSERT_TRUE(kernel) << error;
  const ::attn::CudaKernelDescriptor &d = kernel->getDescriptor();
  ASSERT_EQ(d.schedule, ::attn::kScheduleTables);
  ASSERT_NE(d.buildTables, nullptr);
  for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1, 1},
                        {100, 100},
                        {257, 1000},
                        {1000, 300}}) {
    // As the runtime does: the header, then the lists.
    ::attn::BlockTableLayout layout{(nq + d.tileQ - 1) / d.tileQ};
    std::vector<int32_t> tables(layout.headerSize(), 0);
    ::attn::MemRef1D<int32_t> view{tables.data(), tables.data(), 0,
                                   int64_t(tables.size()), 1};
    int64_t size = d.buildTables(&view, nq, nk, 0);
    ASSERT_GE(size, layout.headerSize());
    tables.resize(size);
    view = {tables.data(), tables.data(), 0, size, 1};
    EXPECT_EQ(d.buildTables(&view, nq, nk, 1), size);
    EXPECT_EQ(tables, buildBlockTables(kernel->info().getPattern(), nq, nk,
                                       d.tileQ, d.tileK))
        << "Nq = " << nq << ", Nk = " << nk;
  }
}
