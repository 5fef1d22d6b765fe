//===- CUDAPipeline.cpp - attn-cuda-pipeline ------------------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/CUDA/Chips/NvidiaChips.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attn;

/// The PTX version of "+ptxNN" (NN between 70 and 90), else 0.
static int64_t ptxVersionOf(StringRef features) {
  int64_t version = 0;
  if (!features.consume_front("+ptx") || features.getAsInteger(10, version) ||
      version < 70 || version > 90)
    return 0;
  return version;
}

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
  int64_t ptx = ptxVersionOf(options.ptxFeatures);
  for (const std::string &chip : options.chips) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    target.features =
        "+ptx" + std::to_string(std::max(ptx, minimumPtxVersion(chip)));
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

std::string mlir::attn::checkAttnCUDAPipelineOptions(
    const AttnCUDAPipelineOptions &options) {
  if (options.chips.empty())
    return "no GPU architecture given";
  for (const std::string &chip : options.chips)
    if (!isSupportedGPUArch(chip))
      return "unsupported GPU architecture '" + chip +
             "' (sm_80, sm_86, sm_89, sm_90, sm_100, sm_120)";
  if (ptxVersionOf(options.ptxFeatures) == 0)
    return "ptx-features must be +ptx70 ... +ptx90, got '" +
           options.ptxFeatures + "'";
  if (options.format != "isa" && options.format != "bin" &&
      options.format != "fatbin")
    return "format must be isa, bin or fatbin, got '" + options.format + "'";
  return "";
}

LogicalResult
mlir::attn::buildAttnCUDAPipeline(OpPassManager &pm,
                                  const AttnCUDAPipelineOptions &options) {
  if (!checkAttnCUDAPipelineOptions(options).empty())
    return failure();
  buildAttnCUDAKernelPasses(pm, options);
  buildAttnCUDALoweringPasses(pm, options);
  buildAttnCUDABinaryPasses(pm, options);
  return success();
}
