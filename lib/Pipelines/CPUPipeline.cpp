//===- CPUPipeline.cpp - attn-cpu-pipeline --------------------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

using namespace mlir;
using namespace mlir::attn;

FailureOr<int64_t> mlir::attn::vectorWidthForCPU(StringRef cpu) {
  if (cpu == "host") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    return features.lookup("avx512f") ? 16 : 8;
  }
  if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
    return failure();
  SmallVector<StringRef> features;
  llvm::X86::getFeaturesForCPU(cpu, features, /*NeedPlus=*/false);
  // Only the defining features are listed (x86-64-v4 names avx512vl, which
  // implies avx512f).
  bool avx512 = llvm::any_of(
      features, [](StringRef f) { return f.starts_with("avx512"); });
  return avx512 ? 16 : 8;
}

namespace {
/// Stands in for a pipeline whose options are wrong: fails with `message`.
struct InvalidPipelinePass
    : public PassWrapper<InvalidPipelinePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidPipelinePass)
  explicit InvalidPipelinePass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override { return "attn-invalid-pipeline"; }
  void runOnOperation() override {
    emitError(getOperation()->getLoc()) << message;
    signalPassFailure();
  }
  std::string message;
};
} // namespace

void mlir::attn::buildAttnCPUKernelPasses(OpPassManager &pm,
                                          const AttnCPUPipelineOptions &options,
                                          int64_t vectorWidth) {
  pm.addPass(createAttnFusePass());
  pm.addPass(createCanonicalizerPass());
  AttnSparsifyPassOptions sparsify;
  sparsify.tileQ = options.tileQ > 0 ? int64_t(options.tileQ) : 4 * vectorWidth;
  sparsify.tileK = options.tileK;
  AttnReorderPassOptions reorder;
  reorder.mode = options.reorder;
  reorder.tileQ = sparsify.tileQ;
  reorder.tileK = sparsify.tileK;
  pm.addPass(createAttnReorderPass(reorder));
  pm.addPass(createAttnSparsifyPass(sparsify));
  AttnTilePassOptions tile;
  tile.vectorWidth = vectorWidth;
  pm.addPass(createAttnTilePass(tile));
}

void mlir::attn::buildAttnCPULoweringPasses(OpPassManager &pm) {
  // Patterns' predicates may read constant tables (tensor.extract of an
  // arith.constant): those become memref globals.
  pm.addPass(bufferization::createOneShotBufferizePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createAttnApproximateMathPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

LogicalResult
mlir::attn::buildAttnCPUPipeline(OpPassManager &pm,
                                 const AttnCPUPipelineOptions &options) {
  int64_t width = options.vectorWidth;
  if (width <= 0) {
    FailureOr<int64_t> detected = vectorWidthForCPU(options.cpu);
    if (failed(detected))
      return failure();
    width = *detected;
  }
  buildAttnCPUKernelPasses(pm, options, width);
  buildAttnCPULoweringPasses(pm);
  return success();
}

void mlir::attn::registerAttnPipelines() {
  PassPipelineRegistration<AttnCPUPipelineOptions>(
      "attn-cpu-pipeline",
      "Compile attn functions to vectorized CPU kernels in the LLVM dialect",
      [](OpPassManager &pm, const AttnCPUPipelineOptions &options) {
        if (failed(buildAttnCPUPipeline(pm, options)))
          pm.addPass(std::make_unique<InvalidPipelinePass>(
              "attn-cpu-pipeline: unknown cpu '" + options.cpu + "'"));
      });
  PassPipelineRegistration<AttnCUDAPipelineOptions>(
      "attn-cuda-pipeline",
      "Compile attn functions to GPU kernels: NVVM, then PTX or cubin per "
      "architecture",
      [](OpPassManager &pm, const AttnCUDAPipelineOptions &options) {
        std::string problem = checkAttnCUDAPipelineOptions(options);
        if (!problem.empty())
          pm.addPass(std::make_unique<InvalidPipelinePass>(
              "attn-cuda-pipeline: " + problem));
        else
          (void)buildAttnCUDAPipeline(pm, options);
      });
}
