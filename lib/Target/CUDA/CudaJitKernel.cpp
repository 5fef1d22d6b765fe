//===- CudaJitKernel.cpp - a GPU kernel compiled in-process ---------------===//

#include "attn/Target/CUDA/CudaJitKernel.h"

#include "attn/Analysis/BlockSchedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

#include <chrono>

using namespace mlir;
using namespace mlir::attn;

std::unique_ptr<CudaJitKernel>
CudaJitKernel::compile(ModuleOp module, StringRef name,
                       const AttnCUDAPipelineOptions &options,
                       std::string &error) {
  auto start = std::chrono::steady_clock::now();
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func) {
    error = ("no function @" + name).str();
    return nullptr;
  }
  for (auto other : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (other != func)
      other.erase();
  std::unique_ptr<CudaCompileResult> result =
      compileForCUDA(module, options, findPtxas(), "", error);
  if (!result)
    return nullptr;

  std::unique_ptr<CudaJitKernel> kernel(new CudaJitKernel());
  kernel->kernelInfo = result->kernels.front();
  kernel->code = std::move(result->images);
  // Cubins first (the runtime takes the device's), then every PTX.
  for (const CudaImageCode &image : kernel->code)
    if (!image.cubin.empty())
      kernel->images.push_back({image.chip.c_str(), 0, image.cubin.data(),
                                int64_t(image.cubin.size())});
  for (const CudaImageCode &image : kernel->code)
    kernel->images.push_back(
        {image.chip.c_str(), 1, image.ptx.c_str(), int64_t(image.ptx.size())});

  const CudaKernelInfo &info = kernel->kernelInfo;
  kernel->functionName = "attn_kernel_" + info.name;
  ::attn::CudaKernelDescriptor &d = kernel->descriptor;
  d.name = kernel->functionName.c_str();
  d.headDim = info.headDim;
  d.tileQ = info.tileQ;
  d.tileK = info.tileK;
  d.schedule = scheduleKindOf(info.schedule);
  auto shapes = staticShapesOf(info.signature);
  for (unsigned operand = 0; operand < 3; ++operand)
    for (unsigned dim = 0; dim < 4; ++dim)
      d.staticShape[operand][dim] = shapes[operand][dim];
  d.elementKind = elementKindOf(info.element);
  d.threadsPerBlock = info.threads;
  d.numImages = kernel->images.size();
  d.images = kernel->images.data();
  d.staticTables = info.staticTables.data();
  d.staticTableSize = info.staticTables.size();
  d.buildTables = nullptr;
  kernel->compileTime = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return kernel;
}

bool CudaJitKernel::hasCubins() const {
  return llvm::any_of(
      code, [](const CudaImageCode &image) { return !image.cubin.empty(); });
}

const ::attn::CudaKernelDescriptor &CudaJitKernel::descriptorFor(int64_t nq,
                                                                 int64_t nk) {
  if (descriptor.schedule != ::attn::kScheduleTables)
    return descriptor;
  std::lock_guard<std::mutex> lock(tableMutex);
  auto [it, inserted] = tableCache.try_emplace({nq, nk});
  Tables &tables = it->second;
  if (inserted) {
    tables.entries = buildBlockTables(kernelInfo.pattern, nq, nk,
                                      kernelInfo.tileQ, kernelInfo.tileK);
    tables.descriptor = descriptor;
    tables.descriptor.schedule = ::attn::kScheduleStaticTables;
    tables.descriptor.staticTables = tables.entries.data();
    tables.descriptor.staticTableSize = tables.entries.size();
  }
  return tables.descriptor;
}

absl::Status CudaJitKernel::launch(const void *q, const void *k, const void *v,
                                   void *out, const ::attn::CallShape &shape,
                                   void *stream) {
  std::string problem = ::attn::checkCallShape(descriptor, shape);
  if (!problem.empty())
    return absl::InvalidArgumentError(problem);
  return ::attn::launchCudaKernel(descriptorFor(shape.nq, shape.nk), q, k, v,
                                  out, shape, stream);
}
