//===- CudaJitKernel.cpp - a GPU kernel compiled in-process ---------------===//

#include "attn/Target/CUDA/CudaJitKernel.h"

#include "attn/Runtime/KernelSymbols.h"

#include "attn/Target/CPU/JitEngine.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
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
  kernel->contract = result->kernels.front();
  kernel->code = std::move(result->images);
  // Cubins first (the runtime takes the device's), then every PTX.
  for (const CudaImageCode &image : kernel->code)
    if (!image.cubin.empty())
      kernel->images.push_back({image.chip.c_str(), 0, image.cubin.data(),
                                int64_t(image.cubin.size())});
  for (const CudaImageCode &image : kernel->code)
    kernel->images.push_back(
        {image.chip.c_str(), 1, image.ptx.c_str(), int64_t(image.ptx.size())});

  KernelAttr contract = kernel->contract;
  std::string source = contract.getName().str();
  kernel->functionName = ::attn::symbols::kernel(source);
  kernel->tensors = std::make_unique<KernelTensorRecords>(contract);
  ::attn::CudaKernelDescriptor &d = kernel->descriptor;
  fillCommonFields(d, contract, kernel->functionName.c_str(), *kernel->tensors);
  d.threadsPerBlock = contract.getThreads();
  d.numImages = kernel->images.size();
  d.images = kernel->images.data();
  d.staticTables = nullptr;
  d.staticTableSize = 0;
  if (DenseI32ArrayAttr tables = contract.getStaticTables()) {
    kernel->staticTables.assign(tables.asArrayRef().begin(),
                                tables.asArrayRef().end());
    d.staticTables = kernel->staticTables.data();
    d.staticTableSize = int64_t(kernel->staticTables.size());
  }
  d.buildTables = nullptr;
  if (contract.getSchedule() == ScheduleKind::Tables) {
    // `module` now holds the host side, in the LLVM dialect.
    kernel->host = createJitEngine(module, error);
    if (!kernel->host)
      return nullptr;
    auto schedule = kernel->host->lookup(
        ::attn::symbols::cInterface(::attn::symbols::scheduleFunction(source)));
    if (!schedule) {
      error = "JIT lookup failed: " + llvm::toString(schedule.takeError());
      return nullptr;
    }
    d.buildTables = reinterpret_cast<::attn::ScheduleEntry>(*schedule);
  }
  kernel->compileTime = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return kernel;
}

CudaJitKernel::~CudaJitKernel() { ::attn::releaseCudaKernel(descriptor); }

bool CudaJitKernel::hasCubins() const {
  return llvm::any_of(
      code, [](const CudaImageCode &image) { return !image.cubin.empty(); });
}

absl::Status CudaJitKernel::launch(ArrayRef<const void *> arguments,
                                   ArrayRef<void *> results,
                                   const ::attn::CallShape &shape,
                                   void *stream) {
  return ::attn::launchCudaKernel(
      descriptor, {arguments.data(), arguments.size()},
      {results.data(), results.size()}, shape, stream);
}

absl::Status CudaJitKernel::launch(const void *q, const void *k, const void *v,
                                   void *out, const ::attn::CallShape &shape,
                                   void *stream) {
  return launch({q, k, v}, {out}, shape, stream);
}
