//===- CUDAPipeline.cpp - attn-cuda-pipeline ------------------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/GpuKernelFacts.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attn;

void mlir::attn::buildAttnCUDAKernelPasses(
    OpPassManager &pm, const AttnCUDAPipelineOptions &options) {
  pm.addPass(createAttnFusePass());
  pm.addPass(createCanonicalizerPass());
  AttnSparsifyPassOptions sparsify;
  sparsify.tileQ = options.tileQ;
  sparsify.tileK = options.tileK;
  pm.addPass(createAttnSparsifyPass(sparsify));
  pm.addPass(createConvertAttnToGPUPass());
}

void mlir::attn::buildAttnCUDALoweringPasses(
    OpPassManager &pm, const AttnCUDAPipelineOptions &options) {
  // Constant tables in predicates become memref globals.
  pm.addPass(bufferization::createOneShotBufferizePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // The kernels: to the NVVM dialect. (Memrefs keep the default calling
  // convention: each is allocated, aligned, offset, size, stride.)
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // The host side (schedule functions): as on the CPU.
  buildAttnCPULoweringPasses(pm);
  // One target per architecture; each becomes one object of the binary.
  for (const std::string &chip : options.chips) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    target.features = options.ptxFeatures;
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
}

void mlir::attn::buildAttnCUDABinaryPasses(
    OpPassManager &pm, const AttnCUDAPipelineOptions &options) {
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

LogicalResult
mlir::attn::buildAttnCUDAPipeline(OpPassManager &pm,
                                  const AttnCUDAPipelineOptions &options) {
  if (options.chips.empty())
    return failure();
  for (const std::string &chip : options.chips)
    if (!isSupportedGPUArch(chip))
      return failure();
  buildAttnCUDAKernelPasses(pm, options);
  buildAttnCUDALoweringPasses(pm, options);
  buildAttnCUDABinaryPasses(pm, options);
  return success();
}
